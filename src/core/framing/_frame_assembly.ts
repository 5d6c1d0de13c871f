/**
 * A frame assembled in a buffer of its own as its bytes arrive, for the frame
 * decoder (frame_decoder.ts): the buffer follows the bytes that arrived, not
 * the length the header announced (Netty's cumulator). It is made twice as big
 * as what has arrived (and a header), and grows by doubling, never past the
 * announced length, so a peer that announces 256 KiB and sends 2 bytes makes
 * the decoder hold a few bytes, and each byte is copied a bounded number of
 * times.
 *
 * ```text
 *  arrived:   ████░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░  (announced length)
 *  reserved:  ████████
 *  arrived:   ████████████░░░░░░░░░░░░░░░░░░░░░░░░░░░░░
 *  reserved:  ████████████████  (doubled, the bytes copied once)
 * ```
 *
 * @module
 */
import { type PacketSize, writeHeader } from "./length_prefixed.ts";
import type { ReadHolds } from "../../transport/types.ts";

/** One frame being assembled: its header, then the bytes of its payload that arrived. Reused by its decoder. */
export class FrameAssembly {
  readonly #packet: PacketSize;
  // The header, then the #fill bytes of the payload that arrived; undefined between frames.
  #framed: Uint8Array | undefined;
  #fill = 0;
  #length = 0;
  // The buffer of the latest frame done() handed out; and one whose frame's lifetime ended (a lent frame, handled):
  // the next frame is assembled in it.
  #handedOut: Uint8Array | undefined;
  #spare: Uint8Array | undefined;

  constructor(packet: PacketSize) {
    this.#packet = packet;
  }

  /** True while a frame is being assembled. */
  get active(): boolean {
    return this.#framed !== undefined;
  }

  /** Bytes of the payload that arrived. */
  get fill(): number {
    return this.#fill;
  }

  /** The payload length the header announced. */
  get length(): number {
    return this.#length;
  }

  /** Bytes of memory held for the frame, its header included. */
  get reserved(): number {
    return this.#framed?.length ?? 0;
  }

  /**
   * Starts a frame of `length` announced bytes whose first bytes are `head`, with `incoming` more bytes in the chunk
   * at hand: room for what is here and coming in that chunk, the header in front, the head copied in.
   */
  begin(head: Uint8Array, length: number, incoming: number): void {
    this.#length = length;
    this.#fill = 0;
    const framed = this.#reserve(head.length + Math.min(incoming, length - head.length));
    writeHeader(framed, 0, length, this.#packet);
    framed.set(head, this.#packet);
    this.#fill = head.length;
  }

  /**
   * The frame `done()` handed out last was lent and handled: unless `held` (a write still reads it), the next frame
   * is assembled in its buffer, with no new memory. With `trim` (an idle connection), no buffer is kept.
   */
  recycle(held: ReadHolds, trim: boolean): void {
    const framed = this.#handedOut;
    this.#handedOut = undefined;
    if (trim) this.#spare = undefined;
    else if (framed !== undefined && !held.holds(framed)) this.#spare = framed;
  }

  /**
   * Takes the payload's next bytes from `chunk` at `at`. Returns where it stopped; once the frame is whole, `done()`
   * gives it.
   */
  append(chunk: Uint8Array, at: number): number {
    const take = Math.min(this.#length - this.#fill, chunk.length - at);
    const framed = this.#reserve(this.#fill + take);
    framed.set(chunk.subarray(at, at + take), this.#packet + this.#fill);
    this.#fill += take;
    return at + take;
  }

  /** The whole frame (its header, then its payload), and the assembly free for the next; undefined until whole. */
  done(): Uint8Array | undefined {
    const framed = this.#framed;
    if (framed === undefined || this.#fill < this.#length) return undefined;
    this.#framed = undefined;
    this.#handedOut = framed;
    this.#fill = 0;
    // Grown to the announced length exactly by now: nothing past the payload.
    return framed;
  }

  /**
   * The buffer, with room for `payloadBytes` of the payload. Made at twice what it must hold, grown to twice its
   * size (or to what it must hold, when more), never past the announced frame. The header's bytes are added on top:
   * reads come in powers of two (64 KiB on Node), and a frame's header would otherwise leave a doubled buffer those
   * few bytes short of the frame, to be copied once more for them.
   */
  #reserve(payloadBytes: number): Uint8Array {
    const packet = this.#packet;
    const old = this.#framed;
    const need = packet + payloadBytes;
    if (old !== undefined && old.length >= need) return old;
    const spare = this.#spare;
    // A buffer recycled from a frame that arrived whole: no bigger than this frame, so it is never cut short.
    if (old === undefined && spare !== undefined && spare.length >= need && spare.length <= packet + this.#length) {
      this.#spare = undefined;
      return this.#framed = spare;
    }
    const doubled = old === undefined ? 2 * need : Math.max(need, 2 * old.length);
    const framed = new Uint8Array(Math.min(packet + this.#length, doubled + packet));
    if (old !== undefined) framed.set(old.subarray(0, packet + this.#fill));
    return this.#framed = framed;
  }
}

/** `rest`, then `chunk`: one view when they are one piece of memory, else a copy of both. */
export function joined(rest: Uint8Array, chunk: Uint8Array): Uint8Array {
  if (chunk.length === 0) return rest;
  if (rest.buffer === chunk.buffer && rest.byteOffset + rest.length === chunk.byteOffset) {
    return new Uint8Array(rest.buffer, rest.byteOffset, rest.length + chunk.length);
  }
  const both = new Uint8Array(rest.length + chunk.length);
  both.set(rest);
  both.set(chunk, rest.length);
  return both;
}
