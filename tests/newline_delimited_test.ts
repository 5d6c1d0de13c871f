import assert from "node:assert/strict";
import { type Connection, FrameTooLargeError, newlineDelimited, TruncatedFrameError } from "../mod.ts";
import { test } from "./_harness.ts";
import { client, concat, decoder, echoHandler, rawConnect, readToEnd, startServer, text, until } from "./_fixtures.ts";

/** A seeded PRNG (mulberry32): the same cases on every runtime and every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `bytes` cut at random places into chunks of 1 to `most` bytes. */
function chunked(bytes: Uint8Array, next: () => number, most: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length;) {
    const size = 1 + Math.floor(next() * most);
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

test("newlineDelimited decoder gives the same lines for any chunking (property, 300 seeded cases)", () => {
  for (let seed = 1; seed <= 300; seed++) {
    const next = random(seed);
    const max = 1 + Math.floor(next() * 400);
    const lines = Array.from({ length: Math.floor(next() * 40) }, () => {
      const line = new Uint8Array(Math.floor(next() * (max + 1)));
      // Any byte but LF (CR included): 0 to 255 without 10.
      for (let i = 0; i < line.length; i++) {
        const byte = Math.floor(next() * 255);
        line[i] = byte >= 10 ? byte + 1 : byte;
      }
      return line;
    });
    const wire = concat(lines.flatMap((line) => [line, new Uint8Array([10])]));
    const format = newlineDelimited({ maxLineLength: max });
    const decoder = format.decoder();
    const frames: Uint8Array[] = [];
    for (const chunk of chunked(wire, next, 1 + Math.floor(next() * 64))) decoder.decode(chunk, frames);
    decoder.finish();
    assert.deepEqual(frames, lines, `seed ${seed}`);
    // Encoding gives the wire back.
    assert.deepEqual(concat(lines.map((line) => format.encode(line))), wire, `seed ${seed}`);
  }
});

test("newlineDelimited decoder refuses a line one byte over the limit in any chunking, after the lines before it", () => {
  for (let seed = 1; seed <= 100; seed++) {
    const next = random(seed);
    const max = Math.floor(next() * 200);
    const good = text("a".repeat(max));
    const wire = concat([good, text("\n"), text("b".repeat(max + 1)), text("\n")]);
    const decoder = newlineDelimited({ maxLineLength: max }).decoder();
    const frames: Uint8Array[] = [];
    assert.throws(() => {
      for (const chunk of chunked(wire, next, 1 + Math.floor(next() * 32))) decoder.decode(chunk, frames);
    }, (error) => error instanceof FrameTooLargeError && error.limit === max && error.code === "frame-too-large");
    assert.deepEqual(frames, [good], `seed ${seed}`);
  }
});

test("newlineDelimited decoder: input that ends inside a line is a TruncatedFrameError", () => {
  const decoder = newlineDelimited().decoder();
  const frames: Uint8Array[] = [];
  decoder.decode(text("one\ntw"), frames);
  assert.throws(() => decoder.finish(), TruncatedFrameError);
  assert.deepEqual(frames, [text("one")]);
});

test("newlineDelimited encode refuses a newline in a payload and a payload over maxLineLength", () => {
  const format = newlineDelimited({ maxLineLength: 4 });
  assert.throws(() => format.encode(text("a\nb")), {
    name: "TypeError",
    message: "Cannot send line: byte 1 is a newline",
  });
  assert.throws(() => format.encode(text("abcde")), FrameTooLargeError);
  assert.deepEqual(format.encode(text("abcd")), text("abcd\n"));
});

test("newlineDelimited refuses a bad maxLineLength, naming it and the value", () => {
  assert.throws(() => newlineDelimited({ maxLineLength: -1 }), {
    name: "RangeError",
    message: "Cannot use maxLineLength -1: must be an integer from 0 to 4294967295 (bytes)",
  });
  assert.throws(() => newlineDelimited({ maxLineLength: 1.5 }), RangeError);
});

test("newlineDelimited: a server and a client echo lines byte for byte, through the stream faces too", async () => {
  const framing = newlineDelimited({ maxLineLength: 1000 });
  const { server } = await startServer((conn: Connection) => conn.readable.pipeTo(conn.writable), { framing });
  const conn = await client(server, { framing });
  const lines = Array.from({ length: 300 }, (_, i) => `line ${i}\r` + "x".repeat(i * 3));
  lines.push("");
  for (const line of lines) await conn.send(text(line));
  const seen: string[] = [];
  for (let i = 0; i < lines.length; i++) seen.push(decoder.decode(await conn.receive()));
  assert.deepEqual(seen, lines);
  await assert.rejects(conn.send(text("two\nlines")), TypeError);
  await assert.rejects(conn.send(text("y".repeat(1001))), FrameTooLargeError);
  conn.close();
  // On the wire: the bytes of each line and an LF, nothing else.
  const raw = await rawConnect(server);
  await raw.write(text("hello\r\nbye\n"));
  const parts: Uint8Array[] = [];
  for (let got = 0; got < 11;) {
    const chunk = await raw.read();
    if (chunk === null) break;
    parts.push(chunk);
    got += chunk.length;
  }
  assert.equal(decoder.decode(concat(parts)), "hello\r\nbye\n");
  raw.close();
  await server.shutdown();
});

test("newlineDelimited: an over-long line closes the connection with frame-too-large, lines before it are echoed", async () => {
  const framing = newlineDelimited({ maxLineLength: 64 });
  const { server, ends } = await startServer(echoHandler, { framing });
  const raw = await rawConnect(server);
  // A line of exactly the limit is fine; the next one never ends, and is refused once it passes the limit.
  await raw.write(text("a".repeat(64) + "\n" + "b".repeat(65)));
  const echoed = decoder.decode(await readToEnd(raw));
  assert.equal(echoed, "a".repeat(64) + "\n");
  await until(() => ends.length === 1, "the server's end hook");
  assert.equal(ends[0]!.closeReason, "frame-too-large");
  assert.ok(ends[0]!.error instanceof FrameTooLargeError);
  assert.equal(ends[0]!.framesIn, 1);
  raw.close();
  await server.shutdown();
});

test("newlineDelimited: the rate limits count lines", async () => {
  const framing = newlineDelimited();
  const { server, ends } = await startServer(echoHandler, { framing, maxFramesPerSecond: 5 });
  const raw = await rawConnect(server);
  await raw.write(text("x\n".repeat(20)));
  await readToEnd(raw);
  await until(() => ends.length === 1, "the server's end hook");
  assert.equal(ends[0]!.closeReason, "rate-limit");
  raw.close();
  await server.shutdown();
});
