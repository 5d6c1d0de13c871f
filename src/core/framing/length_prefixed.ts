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
 * `FrameDecoder` (frame_decoder.ts) is the incremental parser the connection
 * loop drives directly (no promise per frame); length_prefixed_stream.ts wraps
 * the same code as web TransformStreams.
 *
 * @module
 */
import { FrameTooLargeError } from "../errors.ts";
import { checkChoice, checkNumber, DEFAULT_MAX_FRAME_SIZE, describeNumber, NUMBER_OPTIONS } from "../options.ts";
import type { WireFormat } from "./wire_format.ts";

export { DEFAULT_MAX_FRAME_SIZE };

/** Header size in bytes, as Erlang's `{packet, N}`. */
export type PacketSize = 1 | 2 | 4;

/** Options shared by the framing stages. */
export interface FramingOptions {
  /** Header size in bytes (encoding and decoding). @default {4} */
  packet?: PacketSize;
  /** Largest payload in bytes (encoding and decoding). @default {262144} (256 KiB, as the original) */
  maxFrameSize?: number;
  /**
   * The wire format (see wire_format.ts): `lengthPrefixed({ packet })` or
   * `newlineDelimited({ maxLineLength })`, or a format of your own. It sets
   * its own limits: give it without `packet` and `maxFrameSize`.
   * @default {lengthPrefixed()}
   */
  framing?: WireFormat;
}

/** Validated framing options with defaults applied. */
export interface Framing {
  /** The header's size in bytes: 1, 2 or 4. */
  readonly packet: PacketSize;
  /** The largest payload, in bytes, in either direction. */
  readonly maxFrameSize: number;
  /** A wire format other than length-prefixed: frames go through its decoder and encoder. */
  readonly format?: WireFormat;
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
  if (options.framing !== undefined) return framingOfFormat(options);
  const packet = checkChoice("packet", options.packet);
  const maxFrameSize = checkNumber("maxFrameSize", options.maxFrameSize) ?? DEFAULT_MAX_FRAME_SIZE;
  return { packet, maxFrameSize };
}

/**
 * What a length-prefixed wire format carries (`lengthPrefixed()` does): its
 * validated options, read by {@linkcode framingOf} to take the connection's
 * own fast path rather than the generic one.
 */
export interface LengthPrefixedFastPath {
  readonly lengthPrefixed: Framing;
}

/** Framing options that name a wire format: its own limits, or length-prefixed ones for the fast path. */
function framingOfFormat(options: FramingOptions): Framing {
  const format = options.framing as Partial<WireFormat & LengthPrefixedFastPath>;
  if (
    typeof format !== "object" || format === null || typeof format.decoder !== "function" ||
    typeof format.encode !== "function"
  ) {
    throw new TypeError(
      `Cannot use framing ${
        describe(format)
      }: must be a wire format (lengthPrefixed(), newlineDelimited() or an object with decoder() and encode())`,
    );
  }
  if (options.packet !== undefined || options.maxFrameSize !== undefined) {
    throw new TypeError(`Cannot use packet or maxFrameSize with framing ${format.name}: the wire format sets its own`);
  }
  if (format.lengthPrefixed !== undefined) return framingOf(format.lengthPrefixed);
  if (format.maxFrameSize === undefined) {
    throw new RangeError(
      `Cannot use framing ${format.name}: its maxFrameSize is undefined, must be ${
        describeNumber(NUMBER_OPTIONS.maxFrameSize)
      }`,
    );
  }
  const maxFrameSize = checkNumber("maxFrameSize", format.maxFrameSize)!;
  return { packet: 4, maxFrameSize, format: format as WireFormat };
}

function describe(value: unknown): string {
  return typeof value === "object" && value !== null ? Object.prototype.toString.call(value) : String(value);
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
 * import { encodeFrame } from "spawnkit";
 * const bytes = encodeFrame(new TextEncoder().encode("hi"), { packet: 2 });
 * assert.deepEqual(bytes, new Uint8Array([0, 2, 104, 105]));
 * ```
 */
export function encodeFrame(payload: Uint8Array, options?: FramingOptions): Uint8Array {
  return encodeWith(payload, framingOf(options));
}

/**
 * Encodes one frame with checked framing: the wire format's encoder, or
 * header then payload.
 *
 * @throws {FrameTooLargeError} the payload is over `maxFrameSize` or the header's capacity.
 */
export function encodeWith(payload: Uint8Array, framing: Framing): Uint8Array {
  checkOutgoing(payload.length, framing);
  if (framing.format !== undefined) return framing.format.encode(payload);
  const bytes = new Uint8Array(framing.packet + payload.length);
  writeHeader(bytes, 0, payload.length, framing.packet);
  bytes.set(payload, framing.packet);
  return bytes;
}

/** The payload length in the header at `at` of `bytes`. The caller has checked that the header is there. */
export function readLength(bytes: Uint8Array, at: number, packet: PacketSize): number {
  if (packet === 4) {
    return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
  }
  return packet === 2 ? (bytes[at]! << 8) | bytes[at + 1]! : bytes[at]!;
}
