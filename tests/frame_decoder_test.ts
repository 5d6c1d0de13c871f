import assert from "node:assert/strict";
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
