/**
 * Who waits on an outbox (outbox.ts): sends waiting for room (down to the
 * low-water mark) and drains waiting for every byte to be taken by the
 * runtime. Made on an outbox's first wait: most connections never wait.
 *
 * Invariants:
 * 1. Waiters of each kind are woken all at once, in the order they came.
 * 2. Once rejected (the outbox failed), no waiter is kept.
 *
 * @module
 */

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/** The waiters of one outbox. */
export class OutboxWaiters {
  #room: Waiter[] = [];
  #drain: Waiter[] = [];

  /** True while a send waits for room. */
  get waitingForRoom(): boolean {
    return this.#room.length > 0;
  }

  /** True while someone waits for the outbox to drain. */
  get waitingForDrain(): boolean {
    return this.#drain.length > 0;
  }

  /** Settles when woken by {@linkcode wakeDrain} (`drain`) or {@linkcode wakeRoom}; rejects at {@linkcode rejectAll}. */
  wait(drain: boolean): Promise<void> {
    const waiters = drain ? this.#drain : this.#room;
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  }

  /** The outbox is down to the low-water mark: every send waiting for room goes on. */
  wakeRoom(): void {
    release(this.#room.splice(0));
  }

  /** The outbox is empty: every drain settles. */
  wakeDrain(): void {
    release(this.#drain.splice(0));
  }

  /** Rejects every waiter with the error `error()` gives (asked once per waiter, only if there is one). */
  rejectAll(error: () => unknown): void {
    const waiters = [...this.#room, ...this.#drain];
    this.#room = [];
    this.#drain = [];
    for (const waiter of waiters) waiter.reject(error());
  }
}

function release(waiters: Waiter[]): void {
  for (const waiter of waiters) waiter.resolve();
}
