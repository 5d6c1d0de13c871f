/**
 * The flush of replies sent while an event is being handled, bounded to one
 * turn of the event loop: flush point F4 of flush_policy.ts. A connection's outbox goes out at its loop's flush
 * point (the handler asks for the next event and none is queued), which comes
 * at once for a handler that replies and asks again, but not for one that
 * awaits slow work first (a database call): its replies, and broadcasts to it,
 * would wait for that work. So an outbox that got bytes while its handler was
 * busy is also flushed by one macrotask per server and turn of the event loop
 * (not one per connection), which runs after the microtasks in which the
 * frames of one read are handled: those still go out together.
 *
 * Invariants:
 * 1. At most one macrotask is scheduled at a time; it flushes every outbox
 *    added since it was scheduled, once each.
 * 2. An outbox is in the list at most once (its `deferred` flag).
 *
 * @module
 */

/** What the deferred flush needs of an outbox. */
export interface DeferredOutbox {
  /** Set while the outbox waits in a deferred flush's list. */
  deferred: boolean;
  flush(): void;
}

type Schedule = (run: () => void) => unknown;

// setImmediate runs once the event loop has polled for I/O (Deno, Bun and Node have it); a browser, with the
// memory transport, has setTimeout.
const schedule: Schedule = (globalThis as { setImmediate?: Schedule }).setImmediate ??
  ((run) => setTimeout(run, 0));

/** One server's deferred flush (a client's connections share one). */
export class DeferredFlush {
  #outboxes: DeferredOutbox[] = [];
  #scheduled = false;
  /** Macrotasks run so far: the tests count them. */
  runs = 0;

  /** Flushes `outbox` at the end of this turn of the event loop, unless it is already waiting. */
  add(outbox: DeferredOutbox): void {
    if (outbox.deferred) return;
    outbox.deferred = true;
    this.#outboxes.push(outbox);
    if (!this.#scheduled) {
      this.#scheduled = true;
      schedule(this.#run);
    }
  }

  readonly #run = (): void => {
    this.#scheduled = false;
    this.runs++;
    const outboxes = this.#outboxes;
    this.#outboxes = [];
    for (const outbox of outboxes) {
      outbox.deferred = false;
      outbox.flush();
    }
  };
}
