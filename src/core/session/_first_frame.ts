/**
 * The first frame of a socket, read before it is a connection (for the
 * authentication step), and the socket that gives the bytes after it first.
 * Memory is bounded by `maxFrameSize`: a header announcing more fails at once.
 *
 * @module
 */
import { FrameTooLargeError, TruncatedFrameError } from "../errors.ts";
import { type Framing, readLength } from "../framing/length_prefixed.ts";
import { concat } from "./wire/session_wire.ts";

/** What pushing a chunk gave: nothing yet, or the frame and the bytes after it. */
export type FirstFrameStep = { done: false } | { done: true; frame: Uint8Array; rest: Uint8Array };

/** Collects the bytes of one length-prefixed frame. */
export class FirstFrameReader {
  readonly #framing: Framing;
  #parts: Uint8Array[] = [];
  #bytes = 0;

  constructor(framing: Framing) {
    this.#framing = framing;
  }

  /** Bytes received so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Adds a chunk.
   * @throws {FrameTooLargeError} the header announces more than `maxFrameSize`.
   */
  push(chunk: Uint8Array): FirstFrameStep {
    this.#parts.push(chunk);
    this.#bytes += chunk.length;
    const packet = this.#framing.packet;
    if (this.#bytes < packet) return { done: false };
    const all = this.#parts.length === 1 ? chunk : concat(this.#parts);
    this.#parts = [all];
    const length = readLength(all, 0, packet);
    if (length > this.#framing.maxFrameSize) {
      throw new FrameTooLargeError("decode frame", length, this.#framing.maxFrameSize);
    }
    if (all.length < packet + length) return { done: false };
    // Copied: the frame outlives the chunk, which the connection's decoder will own.
    return { done: true, frame: all.slice(packet, packet + length), rest: all.subarray(packet + length) };
  }

  /** The error for a peer that closed before the frame was whole. */
  truncated(): TruncatedFrameError {
    const packet = this.#framing.packet;
    if (this.#bytes < packet) return new TruncatedFrameError(this.#bytes);
    return new TruncatedFrameError(this.#bytes - packet, readLength(this.#parts[0]!, 0, packet));
  }
}
