/**
 * How long a connection's sends have waited for its peer, in ticks of the
 * server's shared ticker: the clock behind `sendTimeout` (timeouts.ts), as
 * ranch's `send_timeout`. A send that waits for room in the outbox, a large
 * frame written from the caller's buffer and a `flush()` that waits for the
 * peer each take a stamp when they begin to wait and give it back when they
 * settle; the oldest stamp says how long the connection has been stuck.
 *
 * Invariants:
 * 1. Stamps are taken in tick order, so the first one kept is the oldest.
 * 2. `tick()` counts only whole ticks waited: a send that began to wait just
 *    before a tick has waited none at it, so a brief wait is never taken for
 *    a stuck peer.
 * 3. No clock is read: a connection whose sends never wait costs nothing here.
 *
 * @module
 */

/** The waiting sends of one connection, by the tick each began to wait. */
export class SendWaits {
  #ticks = 0;
  readonly #since: number[] = [];

  /** A send begins to wait: returns its stamp, to give back to {@linkcode end}. */
  begin(): number {
    this.#since.push(this.#ticks);
    return this.#ticks;
  }

  /** The send that took `stamp` settled. */
  end(stamp: number): void {
    const at = this.#since.indexOf(stamp);
    if (at >= 0) this.#since.splice(at, 1);
  }

  /** Settles as `waiting` does, counted as a waiting send until then. */
  track(waiting: Promise<void>): Promise<void> {
    const stamp = this.begin();
    return waiting.finally(() => this.end(stamp));
  }

  /**
   * One tick of the server's ticker; returns the whole ticks the oldest send
   * still waiting has waited (0 when none waits).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SendWaits } from "./send_waits.ts";
   * const waits = new SendWaits();
   * const stamp = waits.begin();
   * assert.equal(waits.tick(), 0, "the tick it began in is not a whole tick");
   * assert.equal(waits.tick(), 1);
   * waits.end(stamp);
   * assert.equal(waits.tick(), 0);
   * ```
   */
  tick(): number {
    this.#ticks++;
    const oldest = this.#since[0];
    return oldest === undefined ? 0 : this.#ticks - oldest - 1;
  }
}
