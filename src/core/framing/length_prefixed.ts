/**
 * Length-prefixed framing, wire-compatible with Erlang's gen_tcp `{packet, N}`.
 *
 * ```text
 * packet: 4 (default)                 packet: 2            packet: 1
 * +----------------+-------------+    +-------+-------+    +----+-------+
 * | len: u32 (BE)  |   payload   |    |len u16|payload|    |len |payload|
 * +----------------+-------------+    +-------+-------+    +----+-------+
 *  0x00 00 00 05     h e l l o         0x00 05  hello       0x05  hello
 * ```
 *
 * The header holds the payload length only (not itself), unsigned, big-endian.
 * Zero-length frames are legal. Options:
 *
 * - `packet` (both): header size in bytes, 1, 2 or 4. Checked when the stage is built.
 * - `maxFrameSize` (both): largest payload in bytes. Decoding checks it as soon as a
 *   header is complete, before any buffer for the payload is allocated; encoding
 *   checks it before anything is written.
 *
 * {@linkcode FrameDecoder} is the incremental parser the connection loop drives
 * directly (no promise per frame); length_prefixed_stream.ts wraps the same
 * code as web TransformStreams.
 *
 * @module
 */
import { FrameTooLargeError, TruncatedFrameError } from "../errors.ts";
import { checkChoice, checkNumber, DEFAULT_MAX_FRAME_SIZE } from "../options.ts";

export { DEFAULT_MAX_FRAME_SIZE };

const EMPTY = new Uint8Array(0);

/** Header size in bytes, as Erlang's `{packet, N}`. */
export type PacketSize = 1 | 2 | 4;

/** Options shared by the framing stages. */
export interface FramingOptions {
  /** Header size in bytes (encoding and decoding). @default {4} */
  packet?: PacketSize;
  /** Largest payload in bytes (encoding and decoding). @default {262144} (256 KiB, as the original) */
  maxFrameSize?: number;
}

/** Validated framing options with defaults applied. */
export interface Framing {
  readonly packet: PacketSize;
  readonly maxFrameSize: number;
}

/**
 * Applies defaults and checks framing options.
 *
 * @throws {TypeError} `packet` is not 1, 2 or 4.
 * @throws {RangeError} `maxFrameSize` is not an integer from 0 to 4294967295.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { framingOf } from "./length_prefixed.ts";
 * const framing = framingOf({ packet: 2 });
 * assert.equal(framing.maxFrameSize, 262144, "the default");
 * ```
 */
export function framingOf(options: FramingOptions = {}): Framing {
  const packet = checkChoice("packet", options.packet);
  const maxFrameSize = checkNumber("maxFrameSize", options.maxFrameSize) ?? DEFAULT_MAX_FRAME_SIZE;
  return { packet, maxFrameSize };
}

/** The largest payload a header of `packet` bytes can express. */
export function headerCapacity(packet: PacketSize): number {
  return packet === 4 ? 0xffff_ffff : packet === 2 ? 0xffff : 0xff;
}

/**
 * Checks that a payload of `length` bytes may be sent with `framing`.
 *
 * @throws {FrameTooLargeError} over `maxFrameSize` or over what the header can express.
 */
export function checkOutgoing(length: number, framing: Framing): void {
  const limit = Math.min(framing.maxFrameSize, headerCapacity(framing.packet));
  if (length > limit) throw new FrameTooLargeError("send frame", length, limit);
}

/** Writes the header for `length` at `offset` of `target`. The caller has checked the length. */
export function writeHeader(target: Uint8Array, offset: number, length: number, packet: PacketSize): void {
  if (packet === 4) {
    target[offset] = length >>> 24;
    target[offset + 1] = (length >>> 16) & 0xff;
    target[offset + 2] = (length >>> 8) & 0xff;
    target[offset + 3] = length & 0xff;
  } else if (packet === 2) {
    target[offset] = length >>> 8;
    target[offset + 1] = length & 0xff;
  } else {
    target[offset] = length;
  }
}

/**
 * Encodes one frame: header then payload, in a new buffer.
 *
 * @throws {FrameTooLargeError} the payload is over `maxFrameSize` or the header's capacity.
 * @example A 2-byte header
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeFrame } from "../../../mod.ts";
 * const bytes = encodeFrame(new TextEncoder().encode("hi"), { packet: 2 });
 * assert.deepEqual(bytes, new Uint8Array([0, 2, 104, 105]));
 * ```
 */
export function encodeFrame(payload: Uint8Array, options?: FramingOptions): Uint8Array {
  const framing = framingOf(options);
  checkOutgoing(payload.length, framing);
  const bytes = new Uint8Array(framing.packet + payload.length);
  writeHeader(bytes, 0, payload.length, framing.packet);
  bytes.set(payload, framing.packet);
  return bytes;
}

/**
 * The incremental decoder: feed it chunks of any size, get whole frames.
 *
 * A frame that lies inside one chunk is returned as a view into that chunk (no
 * copy), so a caller must not reuse a chunk's memory after decoding it. A frame
 * that spans chunks is assembled in a buffer of exactly its size, allocated
 * only after its header passed the `maxFrameSize` check and its second chunk
 * came (until then its first bytes are kept as a view into their chunk).
 *
 * @example Many frames in one chunk, one frame across two
 * ```ts
 * import assert from "node:assert/strict";
 * import { FrameDecoder } from "../../../mod.ts";
 * const decoder = new FrameDecoder({ packet: 1 });
 * const frames: Uint8Array[] = [];
 * decoder.decode(new Uint8Array([1, 7, 0, 2, 8]), frames);
 * decoder.decode(new Uint8Array([9]), frames);
 * assert.deepEqual(frames, [new Uint8Array([7]), new Uint8Array([]), new Uint8Array([8, 9])]);
 * ```
 */
export class FrameDecoder {
  readonly #packet: PacketSize;
  readonly #max: number;
  readonly #header: Uint8Array;
  #headerFill = 0;
  #payload: Uint8Array | undefined;
  #payloadFill = 0;
  // The first bytes of a payload that goes on in later chunks, as a view into their chunk, and its length: the
  // payload's buffer is allocated only when its next chunk comes. A connection whose handler stops asking (a
  // peer that does not read its replies) then holds one chunk for the frame it has begun, not a whole frame.
  #head: Uint8Array | undefined;
  #headLength = 0;

  /**
   * Builds a decoder for `options.packet` headers, refusing frames over `options.maxFrameSize`.
   * @throws {RangeError} bad options, as {@linkcode framingOf}.
   */
  constructor(options?: FramingOptions) {
    const { packet, maxFrameSize } = framingOf(options);
    this.#packet = packet;
    this.#max = maxFrameSize;
    this.#header = new Uint8Array(packet);
  }

  /** Bytes of an unfinished frame held between chunks (header included). */
  get buffered(): number {
    return this.#headerFill + this.#payloadFill + (this.#head?.length ?? 0);
  }

  /**
   * Decodes `chunk`, appending each completed frame to `out`.
   *
   * @returns how many frames were appended.
   * @throws {FrameTooLargeError} a header announced more than `maxFrameSize`;
   *   the frames completed before it are already in `out`.
   */
  decode(chunk: Uint8Array, out: Uint8Array[]): number {
    const before = out.length;
    const packet = this.#packet;
    const end = chunk.length;
    let at = 0;
    if (this.#head !== undefined && end > 0) this.#assemble();
    while (at < end) {
      if (this.#payload !== undefined) {
        at = this.#continuePayload(chunk, at, out);
        continue;
      }
      if (this.#headerFill === 0) {
        at = this.#wholeFrames(chunk, at, out);
        if (at === end) break;
        if (end - at >= packet) {
          // A header whose payload goes on in the next chunks (its length is checked): keep what is here.
          this.#begin(chunk.subarray(at + packet), readLength(chunk, at, packet));
          this.#headerFill = packet;
          break;
        }
      }
      // A header split across chunks.
      const take = Math.min(packet - this.#headerFill, end - at);
      this.#header.set(chunk.subarray(at, at + take), this.#headerFill);
      this.#headerFill += take;
      at += take;
      if (this.#headerFill < packet) break;
      const length = readLength(this.#header, 0, packet);
      if (length > this.#max) throw new FrameTooLargeError("decode frame", length, this.#max);
      if (end - at >= length) {
        out.push(chunk.subarray(at, at + length));
        at += length;
        this.#headerFill = 0;
      } else {
        this.#begin(chunk.subarray(at), length);
        break;
      }
    }
    return out.length - before;
  }

  /** A payload of `length` (allowed) whose first bytes, `head`, end their chunk. */
  #begin(head: Uint8Array, length: number): void {
    // An empty view would still hold its chunk.
    this.#head = head.length === 0 ? EMPTY : head;
    this.#headLength = length;
  }

  /** Its next chunk came: the payload gets its buffer, exactly its size, and the head is copied in. */
  #assemble(): void {
    const head = this.#head!;
    this.#head = undefined;
    this.#payload = new Uint8Array(this.#headLength);
    this.#payload.set(head);
    this.#payloadFill = head.length;
  }

  /** The hot loop: every whole frame from `at` on, as views into `chunk`. Returns where it stopped. */
  #wholeFrames(chunk: Uint8Array, at: number, out: Uint8Array[]): number {
    const packet = this.#packet;
    const max = this.#max;
    const end = chunk.length;
    while (end - at >= packet) {
      const length = packet === 4
        ? ((chunk[at]! << 24) | (chunk[at + 1]! << 16) | (chunk[at + 2]! << 8) | chunk[at + 3]!) >>> 0
        : readLength(chunk, at, packet);
      if (length > max) throw new FrameTooLargeError("decode frame", length, max);
      if (end - at - packet < length) break;
      out.push(chunk.subarray(at + packet, at + packet + length));
      at += packet + length;
    }
    return at;
  }

  /**
   * Says the stream ended.
   *
   * @throws {TruncatedFrameError} the stream ended inside a header or a payload.
   */
  finish(): void {
    if (this.#head !== undefined) {
      throw new TruncatedFrameError(this.#packet + this.#head.length, this.#packet + this.#headLength);
    }
    if (this.#payload !== undefined) {
      throw new TruncatedFrameError(this.#packet + this.#payloadFill, this.#packet + this.#payload.length);
    }
    if (this.#headerFill > 0) throw new TruncatedFrameError(this.#headerFill);
  }

  #continuePayload(chunk: Uint8Array, at: number, out: Uint8Array[]): number {
    const payload = this.#payload!;
    const take = Math.min(payload.length - this.#payloadFill, chunk.length - at);
    payload.set(chunk.subarray(at, at + take), this.#payloadFill);
    this.#payloadFill += take;
    if (this.#payloadFill === payload.length) {
      out.push(payload);
      this.#payload = undefined;
      this.#payloadFill = 0;
      this.#headerFill = 0;
    }
    return at + take;
  }
}

function readLength(bytes: Uint8Array, at: number, packet: PacketSize): number {
  if (packet === 4) {
    return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
  }
  return packet === 2 ? (bytes[at]! << 8) | bytes[at + 1]! : bytes[at]!;
}
