/**
 * When a connection's outbox goes to the socket: every flush point of the
 * frame path (drawn at the top of framed_connection.ts), decided here and
 * nowhere else. The outbox (outbox.ts) only knows how to write what it holds;
 * the deferred flush (deferred_flush.ts) is the one macrotask per server that
 * point F4 uses.
 *
 * | point | when                                                               | how                              |
 * | ----- | ------------------------------------------------------------------ | -------------------------------- |
 * | F1    | the handler asks for its next event and none is queued (the loop's | at once, before the read starts  |
 * |       | flush point: replies to one read's frames go out as one write)     |                                  |
 * | F2    | a send brings the outbox to the high-water mark                    | at once                          |
 * | F3    | a send made while no event is being handled (no F1 is coming)      | at the end of the microtask run  |
 * | F4    | a send made while an event is being handled, and F1 is late (the   | at the end of the event loop's   |
 * |       | handler awaits slow work first)                                    | turn, one macrotask per server   |
 * | F5    | a send waits for room; the handler stops reading (a `break`)       | at once                          |
 * | F6    | `flush()`, `closeWrite()` and the close: the outbox drains         | at once, then waits for the peer |
 * | F7    | the ticker, a safety net for replies F1 to F4 missed               | at once, every tick              |
 *
 * And inside the outbox, not a decision: a write that settles with more
 * queued writes that at once (at most one write is pending).
 *
 * Never on a timer of its own: a flush is always one of these points.
 *
 * @module
 */
import type { DeferredOutbox } from "./deferred_flush.ts";
import type { Outbox } from "./outbox.ts";
import type { WaterMarks } from "./water_marks.ts";

/** Flushes outboxes once per turn of the event loop (deferred_flush.ts). */
export interface FlushLater {
  add(outbox: DeferredOutbox): void;
}

/** The flush points of one connection. */
export class FlushPolicy {
  readonly #outbox: Outbox;
  readonly #marks: WaterMarks;
  readonly #later: FlushLater | undefined;
  #scheduled = false;
  // Made on the first F3, then reused: no closure per send, none for a connection that never needs one.
  #flushScheduled: (() => void) | undefined;

  /** `later` is the server's deferred flush (F4); without it, replies of a busy handler wait for F1. */
  constructor(outbox: Outbox, marks: WaterMarks, later?: FlushLater) {
    this.#outbox = outbox;
    this.#marks = marks;
    this.#later = later;
  }

  /** F1: the loop is about to wait for input. */
  loopWaits(): void {
    this.#outbox.flush();
  }

  /** F2, F3 or F4: a frame was appended; `processing` while the loop is handling an event. */
  appended(processing: boolean): void {
    const outbox = this.#outbox;
    if (outbox.bytes >= this.#marks.high) outbox.flush();
    else if (processing) this.#later?.add(outbox);
    else if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(
        this.#flushScheduled ??= () => {
          this.#scheduled = false;
          this.#outbox.flush();
        },
      );
    }
  }

  /** F5: a send waits for room, or the handler stopped reading: nothing else would flush soon. */
  now(): void {
    this.#outbox.flush();
  }

  /** F6: flushes, then settles once the runtime took every byte. */
  drain(): Promise<void> {
    return this.#outbox.drain();
  }

  /** F7: one tick of the server's ticker; then the outbox lets go of idle buffers. */
  tick(): void {
    this.#outbox.flush();
    this.#outbox.trim();
  }
}
