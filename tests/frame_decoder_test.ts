import assert from "node:assert/strict";
import fc from "fast-check";
import { encodeFrame, FrameDecoder, FrameTooLargeError } from "../mod.ts";
import { test } from "./_harness.ts";
import { concat } from "./_fixtures.ts";

/** A small deterministic generator (mulberry32): the same cases on every runtime and every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `bytes` cut at random, each piece either the next bytes of the same buffer
 * (as a socket reading into the rest of its buffer) or a fresh copy of its own.
 */
function chunksOf(bytes: Uint8Array, next: () => number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let buffer = new Uint8Array(bytes.length);
  buffer.set(bytes);
  for (let at = 0; at < bytes.length;) {
    const length = Math.min(bytes.length - at, 1 + Math.floor(next() * next() * 200));
    if (next() < 0.3) {
      // A fresh buffer from here on: the chunks before and after are not adjacent.
      buffer = bytes.slice();
    }
    chunks.push(buffer.subarray(at, at + length));
    at += length;
  }
  return chunks;
}

test("FrameDecoder hands out the frames as sent, and framedIn their header in front, over random chunkings (property)", () => {
  let found = 0;
  let missed = 0;
  for (let seed = 1; seed <= 300; seed++) {
    const next = random(seed);
    const packet = ([1, 2, 4] as const)[seed % 3]!;
    const max = packet === 1 ? 255 : 2000;
    const payloads = Array.from({ length: 1 + Math.floor(next() * 30) }, (_, i) => {
      const size = next() < 0.2 ? 0 : Math.floor(next() * next() * max);
      return Uint8Array.from({ length: size }, (_, j) => (j * 7 + i + seed) & 255);
    });
    const wire = concat(payloads.map((p) => encodeFrame(p, { packet, maxFrameSize: max })));
    const decoder = new FrameDecoder({ packet, maxFrameSize: max });
    const out: Uint8Array[] = [];
    for (const chunk of chunksOf(wire, next)) {
      const before = out.length;
      decoder.decode(chunk, out);
      // Every frame of the latest chunk that framedIn finds comes with its own header right in front of it.
      for (const frame of out.slice(before)) {
        const bytes = decoder.framedIn(frame);
        if (bytes === undefined) {
          missed++;
          continue;
        }
        found++;
        const at = decoder.framedAt;
        assert.deepEqual(
          bytes.subarray(at, at + packet + frame.length),
          encodeFrame(frame, { packet, maxFrameSize: max }),
          `seed ${seed}: the bytes framedIn() gives are the frame as it was sent`,
        );
      }
      assert.equal(decoder.framedIn(new Uint8Array(1)), undefined, "an array the decoder did not hand out");
      decoder.release();
    }
    decoder.finish();
    assert.deepEqual(out, payloads, `seed ${seed}, packet ${packet}`);
    assert.equal(decoder.buffered, 0);
  }
  // Only the frames of a chunk before the first framedIn() call, and those whose header was split, have none.
  assert.ok(found > 10 * missed, `framedIn found ${found} frames and missed ${missed}`);
});

test("FrameDecoder hands out a frame over two chunks of one buffer as a view, and assembles one over two buffers", () => {
  const wire = concat([encodeFrame(new Uint8Array(50).fill(1)), encodeFrame(new Uint8Array(50).fill(2))]);
  const decoder = new FrameDecoder();
  const out: Uint8Array[] = [];
  // Frames are kept for framedIn() from its first call on.
  assert.equal(decoder.framedIn(new Uint8Array(0)), undefined);
  // Adjacent: the first frame spans the two chunks.
  decoder.decode(wire.subarray(0, 20), out);
  decoder.decode(wire.subarray(20, 54), out);
  assert.equal(out.length, 1);
  assert.equal(out[0]!.buffer, wire.buffer, "a view into the read buffer, not a copy");
  const framed = decoder.framedIn(out[0]!)!;
  assert.deepEqual(framed.subarray(decoder.framedAt, decoder.framedAt + 54), wire.subarray(0, 54));
  // Not adjacent: the second frame's rest comes in another buffer, so it is assembled with its header in front.
  decoder.release();
  decoder.decode(wire.subarray(54, 70), out);
  decoder.decode(wire.slice(70), out);
  assert.equal(out.length, 2);
  assert.notEqual(out[1]!.buffer, wire.buffer);
  const assembled = decoder.framedIn(out[1]!)!;
  assert.deepEqual(assembled.subarray(decoder.framedAt, decoder.framedAt + 54), wire.subarray(54));
  assert.equal(decoder.framedIn(out[0]!), undefined, "a frame of an earlier chunk, once released");
});

test("FrameDecoder checks the length of a frame that continues in place before it grows", () => {
  const decoder = new FrameDecoder({ maxFrameSize: 10 });
  const wire = encodeFrame(new Uint8Array(40), { maxFrameSize: 100 });
  assert.throws(() => decoder.decode(wire.subarray(0, 6), []), FrameTooLargeError);
});

/** Cuts `wire` at `cuts` (offsets), each piece in a buffer of its own or, when `adjacent`, the next bytes of one buffer. */
function cutAt(wire: Uint8Array, cuts: number[], adjacent: boolean[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (wire.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let buffer = wire.slice();
  let from = 0;
  for (const [i, to] of [...points, wire.length].entries()) {
    if (to <= from) continue;
    if (!(adjacent[i] ?? false)) buffer = wire.slice();
    chunks.push(buffer.subarray(from, to));
    from = to;
  }
  return chunks;
}

const payloadsArbitrary = fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 20 });

test("FrameDecoder decodes any chunking of any frames, with any limits, to the frames sent (fast-check)", () => {
  fc.assert(
    fc.property(
      payloadsArbitrary,
      fc.constantFrom(1 as const, 2 as const, 4 as const),
      fc.array(fc.nat(), { maxLength: 40 }),
      fc.array(fc.boolean(), { maxLength: 40 }),
      fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 10 }),
      (payloads, packet, cuts, adjacent, limits) => {
        const max = packet === 1 ? 255 : 600;
        const sent = payloads.map((p) => p.subarray(0, Math.min(p.length, max)));
        const wire = concat(sent.map((p) => encodeFrame(p, { packet, maxFrameSize: max })));
        const decoder = new FrameDecoder({ packet, maxFrameSize: max });
        const out: Uint8Array[] = [];
        let call = 0;
        const limit = () => limits.length === 0 ? Infinity : limits[call++ % limits.length]!;
        for (const chunk of cutAt(wire, cuts, adjacent)) {
          // As the connection does: the bytes a limit kept are decoded (with empty chunks) before the next read.
          let got = decoder.decode(chunk, out, limit());
          for (let round = 0; round < wire.length + 1 && got > 0; round++) {
            got = decoder.decode(new Uint8Array(0), out, limit());
          }
          assert.ok(
            decoder.reserved <= 2 * decoder.buffered + packet,
            `reserved ${decoder.reserved}, buffered ${decoder.buffered}`,
          );
        }
        decoder.finish();
        assert.deepEqual(out, sent);
        assert.equal(decoder.buffered, 0);
        assert.equal(decoder.reserved, 0);
      },
    ),
    { numRuns: 300, seed: 18 },
  );
});

test("FrameDecoder holds about what arrived of a frame, not what its header announced (fast-check)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 262_144 }),
      fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 30 }),
      (announced, pieces) => {
        const decoder = new FrameDecoder();
        const header = new Uint8Array(4);
        new DataView(header.buffer).setUint32(0, announced);
        decoder.decode(header, []);
        let arrived = 4;
        for (const piece of pieces) {
          const size = Math.min(piece, announced + 4 - arrived - 1);
          if (size <= 0) break;
          // Every piece in a buffer of its own, as each read is on Node.
          decoder.decode(new Uint8Array(size), []);
          arrived += size;
          assert.equal(decoder.buffered, arrived);
          assert.ok(
            decoder.reserved <= 2 * arrived + 4,
            `announced ${announced}: ${decoder.reserved} for ${arrived} bytes`,
          );
        }
      },
    ),
    { numRuns: 300, seed: 18 },
  );
});

test("FrameDecoder: a header announcing 256 KiB, then 2 bytes in two reads, holds 14 bytes", () => {
  const decoder = new FrameDecoder();
  decoder.decode(Uint8Array.of(0, 4, 0, 0), []);
  assert.equal(decoder.reserved, 0);
  decoder.decode(Uint8Array.of(1), []);
  assert.equal(decoder.buffered, 5);
  assert.equal(decoder.reserved, 14, "twice the 5 bytes that arrived, and a header");
  decoder.decode(Uint8Array.of(2), []);
  assert.equal(decoder.buffered, 6);
  assert.equal(decoder.reserved, 14, "room enough: not grown");
  decoder.decode(Uint8Array.of(3, 4, 5, 6, 7, 8, 9, 10, 11, 12), []);
  assert.equal(decoder.buffered, 16);
  assert.equal(decoder.reserved, 32, "doubled, and a header");
});

test("FrameDecoder assembles a frame over two reads, or a 256 KiB one over 64 KiB reads, in one buffer of its size", () => {
  for (const length of [100_000, 262_144]) {
    const payload = Uint8Array.from({ length }, (_, i) => i & 255);
    const wire = encodeFrame(payload);
    const decoder = new FrameDecoder();
    const out: Uint8Array[] = [];
    const sizes: number[] = [];
    for (let at = 0; at < wire.length; at += 65_536) {
      decoder.decode(wire.slice(at, at + 65_536), out);
      sizes.push(decoder.reserved);
    }
    assert.deepEqual(out, [payload]);
    assert.equal(out[0]!.buffer.byteLength, length + 4, "the header and the payload, nothing grown past it");
    // Made once at the frame's size on the second read, never grown again (no copy of what came before).
    assert.ok(sizes.slice(1, -1).every((size) => size === length + 4), `sizes ${sizes}`);
  }
});

test("FrameDecoder stops at its limit and keeps the rest of the chunk undecoded", () => {
  const wire = concat(Array.from({ length: 1000 }, () => encodeFrame(new Uint8Array(0))));
  const decoder = new FrameDecoder();
  const out: Uint8Array[] = [];
  assert.equal(decoder.decode(wire, out, 10), 10);
  assert.equal(out.length, 10);
  assert.equal(decoder.buffered, 990 * 4);
  assert.equal(decoder.reserved, 0, "kept as a view, not copied");
  assert.throws(() => decoder.finish(), { name: "TruncatedFrameError" });
  assert.equal(decoder.decode(new Uint8Array(0), out, 1000), 990);
  assert.equal(decoder.buffered, 0);
  decoder.finish();
});
