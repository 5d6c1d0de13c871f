/**
 * A connection's outbound side: frames into the outbox, in order, under the
 * water marks, with the flush points of the connection loop.
 *
 * Invariants:
 * 1. Bytes in the outbox never exceed `highWaterMark`, except by one frame
 *    larger than the mark itself (which goes alone into an empty outbox; one
 *    over half of `maxFrameSize` too is written from the caller's buffer, and
 *    its send settles once it is written).
 * 2. A send that had to wait keeps its place: later sends queue behind it.
 * 3. A send made while no event is being handled is flushed at the end of the
 *    current microtask run (no flush point is coming); never on a timer.
 *
 * @module
 */
import { checkOutgoing, type Framing, headerCapacity } from "../framing/length_prefixed.ts";
import type { Outbox } from "./outbox.ts";
import type { WaterMarks } from "./water_marks.ts";

const RESOLVED = Promise.resolve();

/** What a broadcast frame met: queued, dropped at a full outbox. */
export type Delivery = "queued" | "full";

/** The outbound side of one connection. */
export class Sender {
  readonly outbox: Outbox;
  readonly #framing: Framing;
  readonly #marks: WaterMarks;
  readonly #input: { readonly processing: boolean };
  readonly #limit: number;
  readonly #alone: number;
  #flushScheduled = false;
  #chain: Promise<void> = RESOLVED;
  #waiting = 0;
  framesOut = 0;
  framesDropped = 0;

  /**
   * `input.processing` tells whether the connection's loop is handling an event (a flush point is coming).
   * Read from the connection's inbox itself: no closure per connection.
   */
  constructor(outbox: Outbox, framing: Framing, marks: WaterMarks, input: { readonly processing: boolean }) {
    this.outbox = outbox;
    this.#framing = framing;
    this.#marks = marks;
    this.#input = input;
    this.#limit = Math.min(framing.maxFrameSize, headerCapacity(framing.packet));
    // Frames over the mark and over half the largest are written from the caller's buffer (see #writeAlone). Up to
    // half, a copy costs less than the second write the header then needs: with every frame over the mark written
    // that way, the bench's 64 KiB echo lost 14% of its bandwidth on Bun and 22% on Deno.
    this.#alone = Math.max(marks.high, framing.packet + (framing.maxFrameSize >>> 1));
  }

  /**
   * Queues one frame; settles at once under the high-water mark, else once there is room.
   * `check` runs again before a waiting frame is queued (the connection may have closed meanwhile).
   * @throws {FrameTooLargeError} over the limit; nothing is queued.
   */
  send(payload: Uint8Array, check: () => void): Promise<void> {
    if (payload.length > this.#limit) checkOutgoing(payload.length, this.#framing);
    const size = this.#framing.packet + payload.length;
    if (this.#waiting === 0 && this.#fits(size)) {
      if (size > this.#alone) return this.#writeAlone(payload);
      this.#append(payload);
      return RESOLVED;
    }
    return this.#sendWhenRoom(payload, size, check);
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

  // A large frame goes alone into the empty outbox, written from the caller's buffer rather than copied: a peer
  // that does not read then holds the one frame its handler sends, not also a copy of it.
  #writeAlone(payload: Uint8Array): Promise<void> {
    this.framesOut++;
    return this.outbox.writeFrame(payload, this.#framing.packet);
  }

  #afterAppend(): void {
    const outbox = this.outbox;
    if (outbox.bytes >= this.#marks.high) outbox.flush();
    else if (!this.#input.processing && !this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => {
        this.#flushScheduled = false;
        this.outbox.flush();
      });
    }
  }

  async #sendWhenRoom(payload: Uint8Array, size: number, check: () => void): Promise<void> {
    this.#waiting++;
    // A handler that waits here asks for no input meanwhile: a runtime that pushes bytes stops reading until it
    // does, rather than read ahead (up to 512 KiB on Bun) for a peer that may not be reading its replies.
    this.outbox.holdReads();
    const previous = this.#chain;
    let release!: () => void;
    this.#chain = new Promise((resolve) => release = resolve);
    try {
      await previous;
      const outbox = this.outbox;
      while (!this.#fits(size)) {
        outbox.flush();
        // Room means down to the low mark; a frame too big even for that waits for an empty outbox.
        await (this.#marks.hasRoom(outbox.bytes) ? outbox.drain() : outbox.whenRoom());
      }
      check();
      if (size > this.#alone) await this.#writeAlone(payload);
      else this.#append(payload);
    } finally {
      this.#waiting--;
      release();
    }
  }
}
