/**
 * The length-prefixed wire format as an object: what `framing:` takes for
 * gen_tcp's `{packet, N}`. It carries its validated options, so a connection
 * given it drives its own length-prefixed decoder directly (the fast path).
 *
 * @module
 */
import { FrameDecoder } from "./frame_decoder.ts";
import {
  encodeFrame,
  type Framing,
  framingOf,
  type LengthPrefixedFastPath,
  type PacketSize,
} from "./length_prefixed.ts";
import type { WireDecoder, WireFormat } from "./wire_format.ts";

/** Options of {@linkcode lengthPrefixed}. */
export interface LengthPrefixedOptions {
  /** Header size in bytes: 1, 2 or 4 (encoding and decoding). @default {4} */
  packet?: PacketSize;
  /** Largest payload in bytes (encoding and decoding). @default {262144} (256 KiB) */
  maxFrameSize?: number;
}

/**
 * Length-prefixed frames, gen_tcp's `{packet, N}` (see length_prefixed.ts):
 * the default of `serve()` and `connect()`, where a connection drives the
 * decoder directly. `framing: lengthPrefixed({ packet: 2 })` is the same as
 * `packet: 2`.
 *
 * @throws {RangeError} `packet` is not 1, 2 or 4, or `maxFrameSize` is out of range.
 * @example A 2-byte header through the stream adapter
 * ```ts
 * import assert from "node:assert/strict";
 * import { FrameEncoderStream, lengthPrefixed } from "spawnkit";
 * const framing = lengthPrefixed({ packet: 2 });
 * const out = ReadableStream.from([new Uint8Array([42])]).pipeThrough(new FrameEncoderStream({ framing }));
 * assert.deepEqual(await Array.fromAsync(out), [new Uint8Array([0, 1, 42])]);
 * assert.deepEqual(framing.encode(new Uint8Array([7])), new Uint8Array([0, 1, 7]));
 * ```
 */
export function lengthPrefixed(options: LengthPrefixedOptions = {}): WireFormat & { readonly packet: PacketSize } {
  const framing = framingOf({ packet: options.packet, maxFrameSize: options.maxFrameSize });
  return new LengthPrefixedFormat(framing);
}

class LengthPrefixedFormat implements WireFormat, LengthPrefixedFastPath {
  readonly name = "length-prefixed";
  readonly packet: PacketSize;
  readonly maxFrameSize: number;
  /** Read by framingOf: the connection's own fast path, rather than the generic one. */
  readonly lengthPrefixed: Framing;

  constructor(framing: Framing) {
    this.packet = framing.packet;
    this.maxFrameSize = framing.maxFrameSize;
    this.lengthPrefixed = framing;
  }

  decoder(): WireDecoder {
    return new FrameDecoder(this.lengthPrefixed);
  }

  encode(payload: Uint8Array): Uint8Array {
    return encodeFrame(payload, this.lengthPrefixed);
  }
}
