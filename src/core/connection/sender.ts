/**
 * A connection's outbound side: frames into the outbox, in order, under the
 * water marks, with the flush points of the connection loop.
 *
 * Invariants:
 * 1. Bytes in the outbox never exceed `highWaterMark`, except by one frame
 *    larger than the mark itself (which goes alone into an empty outbox; a
 *    frame of the latest read is written from the read buffer, one over half
 *    of `maxFrameSize` from the caller's, and their sends settle once
 *    written).
 * 2. A send that had to wait keeps its place: later sends queue behind it.
 * 3. A send made while no event is being handled is flushed at the end of the
 *    current microtask run (no flush point is coming); one made while an event
 *    is being handled, at the loop's next flush point or at the deferred flush
 *    of this turn of the event loop, whichever comes first (flush_policy.ts).
 * 4. A send that waits for room stops the runtime's read-ahead (the socket
 *    reads nothing more until the connection's reader asks again), never the
 *    reader itself: a reader that asks for its next frame gets it while a send
 *    from another task waits, or a peer that echoes, whose own writes are
 *    blocked, would stop reading too and both ends would wait for good. A
 *    handler that awaits its sends is held by its own await, which is what
 *    bounds a peer that sends and never reads.
 *
 * @module
 */
import type { FrameDecoder } from "../framing/frame_decoder.ts";
import { checkOutgoing, type Framing, headerCapacity } from "../framing/length_prefixed.ts";
import { FlushPolicy } from "./flush_policy.ts";
import type { Outbox } from "./outbox.ts";
import { SendWaits } from "./send_waits.ts";
import type { WaterMarks } from "./water_marks.ts";

/** What `send()` returns when the frame is queued at once: a callback may return it and go on synchronously. */
export const RESOLVED: Promise<void> = Promise.resolve();

/** What the sender asks of the connection's inbound side. */
export interface SenderInput {
  /** True while the connection's loop is handling an event (a flush point is coming). */
  readonly processing: boolean;
  /** Finds the bytes a frame the kit read came in, with its header in front of it (FrameDecoder.framedIn). */
  readonly decoder?: Pick<FrameDecoder, "framedIn" | "framedAt">;
}

/** What a broadcast frame met: queued, dropped at a full outbox. */
export type Delivery = "queued" | "full";

/** The outbound side of one connection. */
export class Sender {
  readonly outbox: Outbox;
  readonly #framing: Framing;
  readonly #marks: WaterMarks;
  readonly #input: SenderInput;
  readonly #flushes: FlushPolicy;
  readonly #limit: number;
  readonly #alone: number;
  #chain: Promise<void> = RESOLVED;
  #waiting = 0;
  /** Bytes of the sends waiting for room now, and how many may wait at once. */
  #waitingBytes = 0;
  readonly maxPending: number;
  framesOut = 0;
  framesDropped = 0;
  /** How long sends have waited for the peer (the send timeout's clock). */
  readonly waits: SendWaits = new SendWaits();

  /**
   * `input` is the connection's inbox itself (no closure per connection); `flushes`, the connection's flush points.
   */
  constructor(outbox: Outbox, framing: Framing, marks: WaterMarks, input: SenderInput, flushes?: FlushPolicy) {
    this.outbox = outbox;
    this.#flushes = flushes ?? new FlushPolicy(outbox, marks);
    this.#framing = framing;
    this.#marks = marks;
    this.#input = input;
    this.#limit = Math.min(framing.maxFrameSize, headerCapacity(framing.packet));
    // Frames over the mark and over half the largest are written from the caller's buffer (see #sendLarge). Up to
    // half, a copy costs less than the second write the header then needs: with every frame over the mark written
    // that way, the bench's 64 KiB echo lost 14% of its bandwidth on Bun and 22% on Deno.
    this.#alone = Math.max(marks.high, framing.packet + (framing.maxFrameSize >>> 1));
    this.maxPending = marks.maxPending;
  }

  /**
   * Queues one frame; settles at once under the high-water mark, else once there is room.
   * `check` runs again before a waiting frame is queued (the connection may have closed meanwhile).
   * @throws {FrameTooLargeError} over the limit; nothing is queued.
   */
  send(payload: Uint8Array, check: () => void): Promise<void> {
    if (payload.length > this.#limit) checkOutgoing(payload.length, this.#framing);
    if (this.#framing.format !== undefined) return this.#sendEncoded(this.#framing.format.encode(payload), check);
    const size = this.#framing.packet + payload.length;
    if (this.#waiting === 0 && this.#fits(size)) {
      if (size > this.#marks.high) return this.#sendLarge(payload, size);
      this.#append(payload);
      return RESOLVED;
    }
    return this.#sendWhenRoom(payload, size, check, undefined, 0);
  }

  /**
   * Queues one frame whose bytes the caller hands over: a frame the kit read
   * (its header in front of it in the read buffer) is queued where it is,
   * joining the frame before it when they are adjacent, and not copied; any
   * other payload goes as with {@linkcode send}. Settles as `send()` does for
   * a copied frame.
   * @throws {FrameTooLargeError} over the limit; nothing is queued.
   */
  sendOwned(payload: Uint8Array, check: () => void): Promise<void> {
    if (this.#framing.format !== undefined) return this.send(payload, check);
    const decoder = this.#input.decoder;
    const bytes = decoder?.framedIn(payload);
    // Not a frame the kit read (or the decoder did not keep its chunk's frames yet): as a send.
    if (bytes === undefined) return this.send(payload, check);
    const at = decoder!.framedAt;
    const size = this.#framing.packet + payload.length;
    if (this.#waiting === 0 && this.#fits(size)) {
      this.#appendOwned(bytes, at, size);
      return RESOLVED;
    }
    return this.#sendWhenRoom(payload, size, check, bytes, at);
  }

  // A wire format of its own (framing.format) encodes a frame into a buffer of its own: queued where it is.
  #sendEncoded(bytes: Uint8Array, check: () => void): Promise<void> {
    if (this.#waiting === 0 && this.#fits(bytes.length)) {
      this.#appendOwned(bytes, 0, bytes.length);
      return RESOLVED;
    }
    return this.#sendWhenRoom(bytes, bytes.length, check, bytes, 0);
  }

  /** True when the sends waiting for room hold more than `maxPending` bytes (the connection should close). */
  get overflowing(): boolean {
    return this.#waitingBytes > this.maxPending;
  }

  /** Flushes, then settles once the runtime took every byte; a wait for the peer counts as a waiting send. */
  drain(): Promise<void> {
    const drained = this.#flushes.drain();
    return this.outbox.bytes === 0 ? drained : this.waits.track(drained);
  }

  /** Queues already-encoded frames (a broadcast) if they fit under the high-water mark. */
  deliverEncoded(bytes: Uint8Array): Delivery {
    if (!this.#fits(bytes.length)) {
      this.framesDropped++;
      return "full";
    }
    this.outbox.appendEncoded(bytes);
    this.framesOut++;
    this.#afterAppend();
    return "queued";
  }

  #fits(size: number): boolean {
    return this.#marks.fits(this.outbox.bytes, size);
  }

  #append(payload: Uint8Array): void {
    this.outbox.appendFrame(payload, this.#framing.packet);
    this.framesOut++;
    this.#afterAppend();
  }

  #appendOwned(bytes: Uint8Array, at: number, size: number): void {
    this.outbox.appendOwned(bytes, at, at + size);
    this.framesOut++;
    this.#afterAppend();
  }

  // Over the mark, alone in the empty outbox: a frame the kit read goes from the read buffer with the header in
  // front of it, in one write; one over half of maxFrameSize, from the caller's buffer after a header of its own;
  // others are copied. Not copied, a peer that does not read holds the one frame its handler sends, not also a
  // copy of it; those sends settle once written.
  #sendLarge(payload: Uint8Array, size: number): Promise<void> {
    const decoder = this.#input.decoder;
    const bytes = decoder?.framedIn(payload);
    const packet = this.#framing.packet;
    if (bytes !== undefined) {
      this.framesOut++;
      const at = decoder!.framedAt;
      return this.waits.track(this.outbox.writeFrame(payload, packet, bytes.subarray(at, at + size)));
    }
    if (size > this.#alone) {
      this.framesOut++;
      return this.waits.track(this.outbox.writeFrame(payload, packet));
    }
    this.#append(payload);
    return RESOLVED;
  }

  #afterAppend(): void {
    this.#flushes.appended(this.#input.processing);
  }

  /** Waits for room, in order with other waiting sends; `owned` is the frame's bytes when it is queued so. */
  async #sendWhenRoom(
    payload: Uint8Array,
    size: number,
    check: () => void,
    owned: Uint8Array | undefined,
    at: number,
  ): Promise<void> {
    // A runtime that pushes bytes stops reading ahead (up to 512 KiB on Bun) for a peer that may not be reading
    // its replies; the reader, if it asks, still reads (invariant 4).
    this.#waiting++;
    this.#waitingBytes += size;
    this.outbox.holdReads();
    const stamp = this.waits.begin();
    const previous = this.#chain;
    let release!: () => void;
    this.#chain = new Promise((resolve) => release = resolve);
    try {
      await previous;
      const outbox = this.outbox;
      while (!this.#fits(size)) {
        this.#flushes.now();
        // Room means down to the low mark; a frame too big even for that waits for an empty outbox.
        await (this.#marks.hasRoom(outbox.bytes) ? this.#flushes.drain() : outbox.whenRoom());
      }
      check();
      if (owned !== undefined) this.#appendOwned(owned, at, size);
      else if (size > this.#marks.high) await this.#sendLarge(payload, size);
      else this.#append(payload);
    } finally {
      this.#waiting--;
      this.#waitingBytes -= size;
      this.waits.end(stamp);
      release();
    }
  }
}
