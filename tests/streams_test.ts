import assert from "node:assert/strict";
import { type CallbackHandler, type Connection, type ConnectionStats, serve, silentLogger } from "../mod.ts";
import { test } from "./_harness.ts";
import { client, decoder, echoHandler, startServer, text, until } from "./_fixtures.ts";

/** A fixture handler: the echo of the stream faces. */
const pipeEcho = (conn: Connection) => conn.readable.pipeTo(conn.writable);

/** A frame of `size` bytes that starts with `n` as 4 bytes big-endian. */
function numbered(n: number, size = 8): Uint8Array {
  const frame = new Uint8Array(size);
  new DataView(frame.buffer).setUint32(0, n);
  return frame;
}

const numberOf = (frame: Uint8Array): number => new DataView(frame.buffer, frame.byteOffset).getUint32(0);

async function readAll(readable: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const frames: Uint8Array[] = [];
  for await (const frame of readable) frames.push(frame);
  return frames;
}

test("readable pipeTo writable echoes every frame in order, and a client's writable close ends the write side only", async () => {
  const { server, ends } = await startServer(pipeEcho);
  const conn = await client(server);
  const count = 2000;
  const writing = (async () => {
    const writer = conn.writable.getWriter();
    for (let i = 0; i < count; i++) {
      await writer.ready;
      void writer.write(numbered(i, 4 + (i % 300)));
    }
    await writer.close();
  })();
  // The client still reads after closing its write side: the server echoes, then closes its end.
  const frames = await readAll(conn.readable);
  await writing;
  assert.equal(frames.length, count);
  frames.forEach((frame, i) => {
    assert.equal(numberOf(frame), i);
    assert.equal(frame.length, 4 + (i % 300));
  });
  // Frames handed out stay valid after later reads: the first still holds its number.
  assert.equal(numberOf(frames[0]!), 0);
  const stats = await conn.finished;
  assert.equal(stats.closeReason, "peer-closed");
  assert.equal(stats.framesIn, count);
  await until(() => ends.length === 1, "the server's end hook");
  assert.equal(ends[0]!.closeReason, "peer-closed");
  assert.equal(ends[0]!.framesOut, count);
  await server.shutdown();
});

test("readable pipeThrough a DecompressionStream and a CompressionStream between client and server", async () => {
  const { server } = await startServer((conn) =>
    conn.readable
      .pipeThrough(new DecompressionStream("deflate") as unknown as TransformStream<Uint8Array, Uint8Array>)
      .pipeThrough(new CompressionStream("deflate") as unknown as TransformStream<Uint8Array, Uint8Array>)
      .pipeTo(conn.writable)
  );
  const conn = await client(server);
  const message = Array.from({ length: 5000 }, (_, i) => `line ${i} of the text\n`).join("");
  const sending = new Blob([message]).stream()
    .pipeThrough(new CompressionStream("deflate") as unknown as TransformStream<Uint8Array, Uint8Array>)
    .pipeTo(conn.writable);
  const replies = conn.readable
    .pipeThrough(new DecompressionStream("deflate") as unknown as TransformStream<Uint8Array, Uint8Array>);
  const parts = await readAll(replies);
  await sending;
  assert.equal(parts.map((part) => decoder.decode(part, { stream: true })).join(""), message);
  assert.ok((await conn.finished).framesIn > 0);
  await server.shutdown();
});

test("readable piped into a slow sink stops reading the socket until the sink takes more", async () => {
  const frameSize = 16_384;
  const count = 1024; // 16 MiB: far more than the kernel's buffers hold for a peer that does not read
  let release!: () => void;
  const gate = new Promise<void>((resolve) => release = resolve);
  let taken = 0;
  let serverConn: Connection | undefined;
  const sink = new WritableStream<Uint8Array>({
    async write(frame) {
      assert.equal(numberOf(frame), taken);
      taken++;
      await gate;
    },
  });
  const { server, ends } = await startServer((conn) => {
    serverConn = conn;
    return conn.readable.pipeTo(sink);
  });
  const conn = await client(server);
  let acked = 0;
  const sending = (async () => {
    for (let i = 0; i < count; i++) {
      await conn.send(numbered(i, frameSize));
      acked++;
    }
    conn.close();
  })();
  // The client's sends wait: its kernel buffers and the server's are full, so the server reads no more.
  await until(() => acked < count && conn.stats.outboxBytes > 0 && taken === 1, "the client to be held up");
  let stable = 0;
  let last = acked;
  await until(() => {
    stable = acked === last ? stable + 1 : 0;
    last = acked;
    return stable >= 20;
  }, "the client to stay held up");
  const held = serverConn!.stats;
  // What the server read: one frame in the sink, the rest of one read, and on Bun and Node a read-ahead.
  assert.ok(held.bytesIn <= 2 * 1024 * 1024, `the server read ${held.bytesIn} bytes while its sink was full`);
  assert.ok(held.framesIn <= 2 * 1024 * 1024 / frameSize, `${held.framesIn} frames decoded`);
  assert.equal(taken, 1);
  release();
  await sending;
  await until(() => ends.length === 1, "the server's connection to end");
  assert.equal(taken, count);
  assert.equal(ends[0]!.bytesIn, count * (frameSize + 4));
  await server.shutdown();
});

test("readable cancel ends the connection's input with its reason", async () => {
  const reason = new Error("enough");
  const { server, ends } = await startServer(async (conn) => {
    const reader = conn.readable.getReader();
    await reader.read();
    await reader.cancel(reason);
  });
  const conn = await client(server);
  await conn.send(text("one"));
  await conn.send(text("two"));
  assert.equal(await conn.receive(), undefined);
  await until(() => ends.length === 1, "the server's end hook");
  assert.equal(ends[0]!.closeReason, "aborted");
  assert.equal(ends[0]!.error, reason);
  await server.shutdown();
});

test("readable cancel without a reason closes a client's input as closed", async () => {
  const { server } = await startServer(echoHandler);
  const conn = await client(server);
  await conn.readable.cancel();
  const stats: ConnectionStats = await conn.finished;
  assert.equal(stats.closeReason, "closed");
  assert.equal(stats.error, undefined);
  await server.shutdown();
});

test("writable abort closes the connection at once with its reason", async () => {
  const reason = new Error("bail out");
  const { server, ends } = await startServer(echoHandler);
  const conn = await client(server);
  const writer = conn.writable.getWriter();
  await writer.write(text("hello"));
  await writer.abort(reason);
  const stats = await conn.finished;
  assert.equal(stats.closeReason, "aborted");
  assert.equal(stats.error, reason);
  await assert.rejects(conn.send(text("late")), { name: "ConnectionClosedError" });
  await until(() => ends.length === 1, "the server's end hook");
  assert.ok(["peer-closed", "socket-error"].includes(ends[0]!.closeReason!), ends[0]!.closeReason);
  await server.shutdown();
});

test("writable close refuses later sends and writes", async () => {
  const { server } = await startServer(echoHandler);
  const conn = await client(server);
  const writer = conn.writable.getWriter();
  await writer.write(text("last"));
  await writer.close();
  await assert.rejects(conn.send(text("after")), { name: "ConnectionClosedError" });
  // The reply to the frame before the close still arrives: only the write side ended.
  assert.equal(decoder.decode(await conn.receive()), "last");
  assert.equal(await conn.receive(), undefined);
  await server.shutdown();
});

test("writable refuses a chunk that is not a Uint8Array", async () => {
  const { server } = await startServer(echoHandler);
  const conn = await client(server);
  const writer = conn.writable.getWriter() as WritableStreamDefaultWriter<unknown>;
  await assert.rejects(writer.write("text"), TypeError);
  conn.close();
  await server.shutdown();
});

test("readable throws once a loop reads the connection, and a loop throws once readable was taken", async () => {
  const { server } = await startServer(echoHandler);
  const looped = await client(server);
  await looped.send(text("x"));
  assert.equal(decoder.decode(await looped.receive()), "x");
  assert.throws(() => looped.readable, TypeError);
  assert.throws(
    () => looped.readable,
    /Cannot read connection \d+ through readable: it is read in a loop or by callbacks/,
  );
  looped.close();

  const streamed = await client(server);
  const readable = streamed.readable;
  assert.equal(streamed.readable, readable, "the same stream every time");
  await assert.rejects(streamed.receive(), TypeError);
  assert.throws(() => streamed.events(), /Cannot read connection \d+ in a loop: its readable stream reads it/);
  assert.throws(() => streamed[Symbol.asyncIterator](), TypeError);
  assert.throws(() => streamed.batches(), TypeError);
  await streamed.send(text("y"));
  const reader = readable.getReader();
  assert.equal(decoder.decode((await reader.read()).value), "y");
  streamed.close();
  await server.shutdown();
});

test("writable and send() keep one order, through backpressure", async () => {
  const { server } = await startServer(echoHandler);
  // A small outbox: writes and sends wait for room over and over.
  const conn = await client(server, { highWaterMark: 256 });
  const writer = conn.writable.getWriter();
  const count = 600;
  const done: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 2 === 0) {
      await writer.ready;
      done.push(writer.write(numbered(i, 100)));
    } else done.push(conn.send(numbered(i, 100)));
  }
  const seen: number[] = [];
  for (let i = 0; i < count; i++) seen.push(numberOf((await conn.receive())!));
  await Promise.all(done);
  assert.deepEqual(seen, Array.from({ length: count }, (_, i) => i));
  conn.close();
  await server.shutdown();
});

test("readable throws in a handler of callbacks: the callbacks read the connection", async () => {
  let refused: unknown;
  const server = await serve({ logger: silentLogger }, {
    open(conn) {
      try {
        void conn.readable;
      } catch (error) {
        refused = error;
      }
    },
    frame: (conn, frame) => conn.send(frame),
  });
  const conn = await client(server);
  await conn.send(text("z"));
  assert.equal(decoder.decode(await conn.receive()), "z");
  assert.ok(refused instanceof TypeError, String(refused));
  conn.close();
  await server.shutdown();
});

test("a reconnecting client has both faces too: pipe frames through, one reader at a time", async () => {
  const { server } = await startServer(pipeEcho);
  const conn = await client(server, { reconnect: true });
  const writer = conn.writable.getWriter();
  await writer.write(text("over"));
  const reader = conn.readable.getReader();
  assert.equal(decoder.decode((await reader.read()).value), "over");
  await assert.rejects(conn.receive(), TypeError);
  await reader.cancel();
  await conn.finished;
  await server.shutdown();
});

test("readable throws on a connection that callbacks read, and the callbacks go on", async () => {
  const refused: unknown[] = [];
  const handler: CallbackHandler = {
    open(conn) {
      try {
        void conn.readable;
      } catch (error) {
        refused.push(error);
      }
    },
    frame: (conn, frame) => conn.send(frame),
  };
  const server = await serve({ port: 0, logger: silentLogger }, handler);
  const conn = await client(server);
  await conn.send(text("x"));
  assert.equal(decoder.decode(await conn.receive()), "x");
  assert.equal(refused.length, 1);
  assert.match(String(refused[0]), /Cannot read connection \d+ through readable: it is read in a loop or by callbacks/);
  conn.close();
  await server.shutdown();
});
