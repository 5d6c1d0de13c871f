/**
 * Where a frame the decoder handed out came in, header and all: the owned
 * send's half of the decoder (a reply goes out from the read buffer with no
 * copy). {@linkcode FrameDecoder} drives it; nothing else does.
 *
 * @module
 */
import type { PacketSize } from "./length_prefixed.ts";

/**
 * The frames of the latest chunk, kept in order with the bytes they came in,
 * and the latest frame assembled in a buffer of its own. Off until the first
 * {@linkcode FramedIn.find}: a connection that never sends a frame it read
 * keeps nothing.
 */
export class FramedIn {
  readonly #packet: PacketSize;
  #tracking = false;
  // The latest chunk's bytes, its frames (views into it, headers in front), and where the frame after the last
  // one found starts: a search only for a frame sent out of order.
  #region: Uint8Array | undefined;
  #frames: Uint8Array[] = [];
  #next = 0;
  #nextAt = 0;
  // The latest frame assembled in a buffer of its own, and that buffer (its header, then the frame).
  #assembled: Uint8Array | undefined;
  #assembledFramed: Uint8Array | undefined;
  /** Where the header starts in the bytes the last successful {@linkcode find} returned. */
  at = 0;

  /** Keeps frames for `packet`-byte headers. */
  constructor(packet: PacketSize) {
    this.#packet = packet;
  }

  /** The list the decoder pushes a chunk's frames on, emptied; undefined until the first {@linkcode find}. */
  frames(): Uint8Array[] | undefined {
    if (!this.#tracking) return undefined;
    this.#frames.length = 0;
    return this.#frames;
  }

  /** The frames just pushed came in `chunk`, the first one's header at `from`. */
  region(chunk: Uint8Array, from: number): void {
    this.#region = chunk;
    this.#next = 0;
    this.#nextAt = from;
  }

  /** `payload` was assembled in `framed`, its header in front of it. */
  assembled(payload: Uint8Array, framed: Uint8Array): void {
    this.#assembled = payload;
    this.#assembledFramed = framed;
  }

  /** The bytes `payload` came in (its header at {@linkcode at}), or undefined: see `FrameDecoder.framedIn`. */
  find(payload: Uint8Array): Uint8Array | undefined {
    this.#tracking = true;
    if (payload === this.#assembled) {
      this.at = 0;
      return this.#assembledFramed;
    }
    const frames = this.#frames;
    let i = this.#next;
    let at = this.#nextAt;
    if (frames[i] !== payload) {
      // Out of order: found by a search, its place by its offset.
      i = frames.indexOf(payload);
      if (i < 0) return undefined;
      at = payload.byteOffset - this.#region!.byteOffset - this.#packet;
    }
    this.#next = i + 1;
    this.#nextAt = at + this.#packet + payload.length;
    this.at = at;
    return this.#region;
  }

  /** Forgets the latest chunk and the latest assembled frame. */
  release(): void {
    this.#region = this.#assembled = this.#assembledFramed = undefined;
    this.#frames.length = 0;
  }
}
