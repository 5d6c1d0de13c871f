import assert from "node:assert/strict";
import {
  encodeFrame,
  FrameDecoderStream,
  FrameEncoderStream,
  FrameTooLargeError,
  lengthPrefixed,
  newlineDelimited,
  TruncatedFrameError,
  type WireDecoder,
  type WireFormat,
} from "../mod.ts";
import { test } from "./_harness.ts";
import { client, concat, decoder, echoHandler, rawConnect, readToEnd, startServer, text, until } from "./_fixtures.ts";

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const all: Uint8Array[] = [];
  for await (const chunk of stream) all.push(chunk);
  return all;
}

/**
 * A format of a user's own, Pomelo-style: a type byte, a 3-byte big-endian
 * length, the payload. Frames here carry type 4 ("data").
 */
function pomelo(maxFrameSize: number): WireFormat {
  return {
    name: "pomelo",
    maxFrameSize,
    encode(payload) {
      const bytes = new Uint8Array(4 + payload.length);
      bytes[0] = 4;
      bytes[1] = payload.length >>> 16;
      bytes[2] = (payload.length >>> 8) & 0xff;
      bytes[3] = payload.length & 0xff;
      bytes.set(payload, 4);
      return bytes;
    },
    decoder(): WireDecoder {
      let pending: Uint8Array = new Uint8Array(0);
      return {
        decode(chunk, frames) {
          pending = concat([pending, chunk]);
          while (pending.length >= 4) {
            const length = (pending[1]! << 16) | (pending[2]! << 8) | pending[3]!;
            if (length > maxFrameSize) throw new FrameTooLargeError("decode frame", length, maxFrameSize);
            if (pending.length < 4 + length) break;
            frames.push(pending.slice(4, 4 + length));
            pending = pending.subarray(4 + length);
          }
        },
        finish() {
          if (pending.length > 0) throw new TruncatedFrameError(pending.length);
        },
      };
    },
  };
}

test("serve framing: lengthPrefixed({ packet: 2 }) talks to a client of packet 2", async () => {
  const { server } = await startServer(echoHandler, { framing: lengthPrefixed({ packet: 2 }) });
  const conn = await client(server, { packet: 2 });
  await conn.send(text("two"));
  assert.equal(decoder.decode(await conn.receive()), "two");
  conn.close();
  await server.shutdown();
});

test("serve framing: a format of your own keeps the guards (an oversize frame closes with frame-too-large)", async () => {
  const framing = pomelo(100);
  const { server, ends } = await startServer(echoHandler, { framing });
  const conn = await client(server, { framing });
  await conn.send(text("hi"));
  assert.equal(decoder.decode(await conn.receive()), "hi");
  await assert.rejects(conn.send(new Uint8Array(101)), FrameTooLargeError);
  // Broadcast and the goodbye of shutdown go through the format too.
  server.broadcast(text("all"));
  assert.equal(decoder.decode(await conn.receive()), "all");
  conn.close();
  const raw = await rawConnect(server);
  await raw.write(new Uint8Array([4, 0, 0, 101]));
  await readToEnd(raw);
  await until(() => ends.length === 2, "both connections to end");
  assert.equal(ends.find((stats) => stats.remoteAddr.port === raw.localAddr.port)?.closeReason, "frame-too-large");
  raw.close();
  await server.shutdown();
});

test("serve and connect refuse framing given with packet or maxFrameSize, and a framing that is no format", async () => {
  const { server } = await startServer(echoHandler);
  await assert.rejects(client(server, { framing: newlineDelimited(), packet: 2 }), {
    name: "TypeError",
    message: "Cannot use packet or maxFrameSize with framing newline-delimited: the wire format sets its own",
  });
  await assert.rejects(
    client(server, { framing: "lines" as unknown as WireFormat }),
    { name: "TypeError", message: /^Cannot use framing lines: must be a wire format/ },
  );
  const noLimit = { ...pomelo(1), maxFrameSize: undefined } as unknown as WireFormat;
  await assert.rejects(client(server, { framing: noLimit }), {
    name: "RangeError",
    message: /^Cannot use framing pomelo: its maxFrameSize is undefined, must be an integer/,
  });
  await server.shutdown();
});

test("FrameDecoderStream and FrameEncoderStream take a framing: the stream adapter", async () => {
  const framing = newlineDelimited({ maxLineLength: 8 });
  const encoded = await collect(
    ReadableStream.from([text("one"), text("two")]).pipeThrough(new FrameEncoderStream({ framing })),
  );
  assert.deepEqual(concat(encoded), text("one\ntwo\n"));
  const decoded = await collect(
    ReadableStream.from([text("on"), text("e\ntw"), text("o\n")]).pipeThrough(new FrameDecoderStream({ framing })),
  );
  assert.deepEqual(decoded, [text("one"), text("two")]);
  const tooLong = ReadableStream.from([text("123456789\n")]).pipeThrough(new FrameDecoderStream({ framing }));
  await assert.rejects(collect(tooLong), FrameTooLargeError);
  assert.deepEqual(encodeFrame(text("x"), { framing }), text("x\n"));
});
