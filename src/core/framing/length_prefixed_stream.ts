/**
 * The framing of length_prefixed.ts as web TransformStreams, for pipelines
 * outside the connection loop (files, other transports, tests).
 *
 * @module
 */
import { encodeFrame, FrameDecoder, framingOf, type FramingOptions } from "./length_prefixed.ts";

/**
 * A TransformStream from bytes in any chunking to whole frames.
 *
 * @example Piping bytes to frames
 * ```ts
 * import { FrameDecoderStream } from "../../../mod.ts";
 * const frames = ReadableStream.from([new Uint8Array([0, 0]), new Uint8Array([0, 1, 42])])
 *   .pipeThrough(new FrameDecoderStream());
 * const all = await Array.fromAsync(frames);
 * if (all.length !== 1 || all[0]![0] !== 42) throw new Error();
 * ```
 */
export class FrameDecoderStream extends TransformStream<Uint8Array, Uint8Array> {
  /** @throws {RangeError} bad options, as {@linkcode framingOf}. */
  constructor(options?: FramingOptions) {
    const decoder = new FrameDecoder(options);
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
 * import { FrameEncoderStream } from "../../../mod.ts";
 * const out = ReadableStream.from([new Uint8Array([42])]).pipeThrough(new FrameEncoderStream({ packet: 2 }));
 * const [bytes] = await Array.fromAsync(out);
 * if (bytes!.join() !== "0,1,42") throw new Error();
 * ```
 */
export class FrameEncoderStream extends TransformStream<Uint8Array, Uint8Array> {
  /** @throws {RangeError} bad options, as {@linkcode framingOf}. */
  constructor(options?: FramingOptions) {
    const framing = framingOf(options);
    super({
      transform(payload, controller) {
        controller.enqueue(encodeFrame(payload, framing));
      },
    });
  }
}
