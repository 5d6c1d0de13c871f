import assert from "node:assert/strict";
import {
  DEFAULT_MAX_FRAME_SIZE,
  encodeFrame,
  FrameDecoder,
  FrameDecoderStream,
  FrameEncoderStream,
  FrameTooLargeError,
  type PacketSize,
  TruncatedFrameError,
} from "../mod.ts";
import { test } from "./_harness.ts";
import { concat } from "./_fixtures.ts";

const PACKETS: PacketSize[] = [1, 2, 4];

// Array.fromAsync is not in Node 20.
async function collect<T>(stream: ReadableStream<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of stream) all.push(item);
  return all;
}
const SIZES = [0, 1, 255, 256, 65535, 65536, DEFAULT_MAX_FRAME_SIZE];

// A small seeded generator, so a failing case can be replayed from its seed.
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

function payload(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

/** Cuts `bytes` at random places: sometimes 1-byte pieces, sometimes big ones. */
function chop(bytes: Uint8Array, next: () => number): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    const max = next() < 0.3 ? 3 : next() < 0.6 ? 300 : 100_000;
    const size = 1 + Math.floor(next() * max);
    pieces.push(bytes.slice(at, at + size));
    at += size;
  }
  return pieces;
}

function decodeAll(decoder: FrameDecoder, chunks: Uint8Array[]): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (const chunk of chunks) decoder.decode(chunk, frames);
  return frames;
}

for (const packet of PACKETS) {
  const capacity = packet === 4 ? DEFAULT_MAX_FRAME_SIZE : packet === 2 ? 65535 : 255;
  const sizes = SIZES.filter((size) => size <= capacity);

  test(`FrameDecoder packet ${packet} decodes sizes ${sizes.join(",")} over random chunk boundaries`, () => {
    for (let seed = 1; seed <= 20; seed++) {
      const next = random(seed * 7919 + packet);
      const sent = sizes.map((size, i) => payload(size, seed + i));
      const wire = concat(sent.map((p) => encodeFrame(p, { packet })));
      const frames = decodeAll(new FrameDecoder({ packet }), chop(wire, next));
      assert.equal(frames.length, sent.length, `seed ${seed}`);
      frames.forEach((frame, i) => assert.deepEqual(frame, sent[i], `seed ${seed} frame ${i}`));
    }
  });

  test(`FrameDecoder packet ${packet} takes one frame in one chunk, and many frames in one chunk`, () => {
    const one = new FrameDecoder({ packet });
    assert.deepEqual(decodeAll(one, [encodeFrame(payload(9, 1), { packet })]), [payload(9, 1)]);
    const many = Array.from({ length: 50 }, (_, i) => payload(i % 7, i));
    const frames = decodeAll(new FrameDecoder({ packet }), [concat(many.map((p) => encodeFrame(p, { packet })))]);
    assert.deepEqual(frames, many);
  });

  test(`FrameDecoder packet ${packet} refuses an announced length of limit + 1`, () => {
    const limit = Math.min(capacity - 1, 1000);
    const header = encodeFrame(new Uint8Array(limit + 1), { packet }).subarray(0, packet);
    const decoder = new FrameDecoder({ packet, maxFrameSize: limit });
    const exactly = decodeAll(decoder, [encodeFrame(payload(limit, 3), { packet })]);
    assert.equal(exactly[0]!.length, limit);
    assert.throws(() => decoder.decode(header, []), (error: unknown) => {
      assert.ok(error instanceof FrameTooLargeError);
      assert.equal(error.length, limit + 1);
      assert.equal(error.limit, limit);
      return true;
    });
  });

  if (packet === 4) continue; // 4 GiB does not fit in a test; the 1- and 2-byte headers show the check.
  test(`encodeFrame packet ${packet} refuses a payload longer than the header can express`, () => {
    assert.throws(
      () => encodeFrame(new Uint8Array(capacity + 1), { packet, maxFrameSize: capacity + 10 }),
      FrameTooLargeError,
    );
  });
}

test("FrameDecoder refuses an announced length of 0xFFFFFFFF before allocating it", () => {
  const decoder = new FrameDecoder();
  const frames: Uint8Array[] = [];
  decoder.decode(encodeFrame(new Uint8Array([5])), frames);
  assert.throws(() => decoder.decode(new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2]), frames), (error: unknown) => {
    assert.ok(error instanceof FrameTooLargeError, `a FrameTooLargeError, not ${error}`);
    assert.equal(error.length, 0xffff_ffff);
    assert.equal(error.limit, DEFAULT_MAX_FRAME_SIZE);
    return true;
  });
  assert.equal(frames.length, 1, "the frame before the bad header is kept");
  // Nothing was held for the refused payload: only the refused header's bytes were looked at.
  assert.equal(decoder.buffered, 0);
});

test("FrameDecoder holds only the header while a large frame's header is split", () => {
  const decoder = new FrameDecoder();
  decoder.decode(new Uint8Array([0, 4]), []);
  assert.equal(decoder.buffered, 2);
});

test("FrameDecoder keeps the start of an unfinished frame in its chunk until the next chunk comes", () => {
  const decoder = new FrameDecoder();
  const first = concat([encodeFrame(new Uint8Array([1, 2, 3])), new Uint8Array([0, 0, 0, 6, 7, 8])]);
  const frames: Uint8Array[] = [];
  decoder.decode(first, frames);
  assert.equal(frames.length, 1);
  assert.equal(decoder.buffered, 6, "the header and two bytes of the payload");
  // No buffer for the frame yet: its first bytes are still read from their chunk.
  first[first.length - 1] = 9;
  decoder.decode(new Uint8Array([10, 11]), frames);
  first[first.length - 2] = 0;
  decoder.decode(new Uint8Array([12, 13]), frames);
  assert.deepEqual(frames[1], new Uint8Array([7, 9, 10, 11, 12, 13]), "copied into its own buffer at the next chunk");
  assert.notEqual(frames[1]!.buffer, first.buffer);
});

test("FrameDecoder decodes zero-length frames", () => {
  const frames = decodeAll(new FrameDecoder({ packet: 2 }), [new Uint8Array([0, 0, 0, 0])]);
  assert.deepEqual(frames, [new Uint8Array(0), new Uint8Array(0)]);
});

test("FrameDecoder.finish reports EOF inside a header and inside a payload", () => {
  const inHeader = new FrameDecoder();
  inHeader.decode(new Uint8Array([0, 0]), []);
  assert.throws(() => inHeader.finish(), (e: unknown) => e instanceof TruncatedFrameError && e.received === 2);
  const inPayload = new FrameDecoder();
  inPayload.decode(new Uint8Array([0, 0, 0, 5, 1, 2]), []);
  assert.throws(
    () => inPayload.finish(),
    (e: unknown) => e instanceof TruncatedFrameError && e.received === 6 && e.expected === 9,
  );
  const clean = new FrameDecoder();
  clean.decode(encodeFrame(new Uint8Array(3)), []);
  clean.finish();
});

test("FrameDecoder options are checked", () => {
  assert.throws(() => new FrameDecoder({ packet: 3 as PacketSize }), RangeError);
  assert.throws(() => new FrameDecoder({ maxFrameSize: -1 }), RangeError);
  assert.throws(() => new FrameDecoder({ maxFrameSize: 1.5 }), RangeError);
});

test("encodeFrame refuses a payload over maxFrameSize", () => {
  assert.throws(() => encodeFrame(new Uint8Array(DEFAULT_MAX_FRAME_SIZE + 1)), FrameTooLargeError);
  assert.equal(encodeFrame(new Uint8Array(DEFAULT_MAX_FRAME_SIZE)).length, DEFAULT_MAX_FRAME_SIZE + 4);
});

test("FrameDecoderStream and FrameEncoderStream round-trip over random chunking", async () => {
  const next = random(42);
  const sent = SIZES.map((size, i) => payload(size, i));
  const encoded = await collect(ReadableStream.from(sent).pipeThrough(new FrameEncoderStream()));
  const chunks = chop(concat(encoded), next);
  const frames = await collect(ReadableStream.from(chunks).pipeThrough(new FrameDecoderStream()));
  assert.deepEqual(frames, sent);
});

test("FrameDecoderStream delivers the frames before an oversize header, then errors", async () => {
  const wire = concat([encodeFrame(new Uint8Array([1])), new Uint8Array([0, 0, 1, 0])]);
  const reader = ReadableStream.from([wire]).pipeThrough(new FrameDecoderStream({ maxFrameSize: 10 })).getReader();
  assert.deepEqual((await reader.read()).value, new Uint8Array([1]));
  await assert.rejects(reader.read(), FrameTooLargeError);
});

test("FrameDecoderStream errors with TruncatedFrameError when the stream ends inside a frame", async () => {
  const frames = ReadableStream.from([new Uint8Array([0, 0, 0, 9, 1])]).pipeThrough(new FrameDecoderStream());
  await assert.rejects(collect(frames), TruncatedFrameError);
});
