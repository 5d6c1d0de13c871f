/**
 * The framing of length_prefixed.ts as web TransformStreams, for pipelines
 * outside the connection loop (files, other transports, tests).
 *
 * @module
 */
import { FrameDecoder } from "./frame_decoder.ts";
import { encodeWith, framingOf, type FramingOptions } from "./length_prefixed.ts";

/**
 * A TransformStream from bytes in any chunking to whole frames.
 *
 * @example Piping bytes to frames
 * ```ts
 * import assert from "node:assert/strict";
 * import { FrameDecoderStream } from "spawnkit";
 * const frames = ReadableStream.from([new Uint8Array([0, 0]), new Uint8Array([0, 1, 42])])
 *   .pipeThrough(new FrameDecoderStream());
 * const all = await Array.fromAsync(frames);
 * assert.deepEqual(all, [new Uint8Array([42])]);
 * ```
 */
export class FrameDecoderStream extends TransformStream<Uint8Array, Uint8Array> {
  /**
   * Builds the stage for `options.packet` headers, refusing frames over `options.maxFrameSize`.
   * @throws {RangeError} bad options, as {@linkcode framingOf}.
   */
  constructor(options?: FramingOptions) {
    const format = framingOf(options).format;
    const decoder = format === undefined ? new FrameDecoder(options) : format.decoder();
    const frames: Uint8Array[] = [];
    super({
      transform(chunk, controller) {
        try {
          decoder.decode(chunk, frames);
        } finally {
          // Frames completed before an error are still delivered, then the error.
          for (const frame of frames) controller.enqueue(frame);
          frames.length = 0;
        }
      },
      flush() {
        decoder.finish();
      },
    });
  }
}

/**
 * A TransformStream from payloads to encoded frames (header prepended).
 * An oversize payload errors the stream with {@linkcode FrameTooLargeError}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FrameEncoderStream } from "spawnkit";
 * const out = ReadableStream.from([new Uint8Array([42])]).pipeThrough(new FrameEncoderStream({ packet: 2 }));
 * const [bytes] = await Array.fromAsync(out);
 * assert.deepEqual(bytes, new Uint8Array([0, 1, 42]));
 * ```
 */
export class FrameEncoderStream extends TransformStream<Uint8Array, Uint8Array> {
  /**
   * Builds the stage for `options.packet` headers, refusing payloads over `options.maxFrameSize`.
   * @throws {RangeError} bad options, as {@linkcode framingOf}.
   */
  constructor(options?: FramingOptions) {
    const framing = framingOf(options);
    super({
      transform(payload, controller) {
        controller.enqueue(encodeWith(payload, framing));
      },
    });
  }
}
