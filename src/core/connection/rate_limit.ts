/**
 * A token bucket for the per-connection rate limits, refilled by the server's
 * shared ticker (no clock read per frame).
 *
 * The bucket holds at most one second's budget (`rate` tokens) and starts
 * full, so a peer may burst up to `rate` units in any one second and sustain
 * `rate` units per second. Spending is allowed to drive the balance below
 * zero: a negative balance is "over the limit" until enough ticks refill it.
 *
 * @module
 */

/** A token bucket of `rate` units per second. */
export class TokenBucket {
  readonly rate: number;
  #tokens: number;

  /** @param rate units per second, and the burst size. */
  constructor(rate: number) {
    this.rate = rate;
    this.#tokens = rate;
  }

  /** Tokens left; negative when over the limit. */
  get tokens(): number {
    return this.#tokens;
  }

  /** True while the balance is negative. */
  get over(): boolean {
    return this.#tokens < 0;
  }

  /** Spends `units`; returns true while the balance stays non-negative. */
  spend(units: number): boolean {
    this.#tokens -= units;
    return this.#tokens >= 0;
  }

  /** Adds the budget of `seconds`, up to one second's worth. */
  refill(seconds: number): void {
    this.#tokens = Math.min(this.rate, this.#tokens + this.rate * seconds);
  }
}
