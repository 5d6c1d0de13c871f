/**
 * Per-connection rate limits, in one place: the options, the token buckets,
 * and the check the inbox makes after each read. Refilled by the server's
 * shared ticker: no clock is read per frame.
 *
 * Invariants:
 * 1. A bucket starts full and holds at most one second's budget (`rate`
 *    tokens), so a peer may burst up to `rate` units in any one second and
 *    sustain `rate` units per second.
 * 2. Spending may drive the balance below zero: a negative balance is "over
 *    the limit" until enough ticks refill it.
 * 3. A read is charged to both buckets, its bytes and the frames it
 *    completed; over either, the verdict is `"pause"` or a `rate-limit`
 *    GuardError naming the limit that tripped (bytes when both did). Frames
 *    already read when the budget runs out are still handled.
 * 4. Every connection has a budget of its own.
 * 5. The frame budget holds within one read: the inbox decodes at most
 *    `frameLimit` frames of a read and keeps the rest of its bytes undecoded,
 *    so a peer that packs 65 536 frames in one write gets the budget's worth
 *    handled, then the close (or the pause), not 65 536 handler calls.
 *
 * @module
 */
import { GuardError } from "../errors.ts";
import { checkChoice, checkNumber } from "../options.ts";

/** The rate limit options, part of `ServeOptions`. */
export interface RateLimitOptions {
  /** Bytes per second a connection may send (token bucket, one second of burst). @default {undefined} off */
  maxBytesPerSecond?: number;
  /** Frames per second a connection may send (token bucket, one second of burst). @default {undefined} off */
  maxFramesPerSecond?: number;
  /** Over a rate limit: `"close"` the connection (`rate-limit`), or `"pause"` reading until the budget refills. @default {"close"} */
  rateLimitPolicy?: "close" | "pause";
}

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

/** What a read cost: within budget, pause reading, or close with this error. */
export type RateVerdict = "ok" | "pause" | GuardError;

/** One connection's rate budget; made only when a limit is set. */
export class RateLimits {
  readonly #bytes: TokenBucket | undefined;
  readonly #frames: TokenBucket | undefined;
  readonly #policy: "close" | "pause";

  constructor(
    maxBytesPerSecond: number | undefined,
    maxFramesPerSecond: number | undefined,
    policy: "close" | "pause",
  ) {
    this.#bytes = maxBytesPerSecond === undefined ? undefined : new TokenBucket(maxBytesPerSecond);
    this.#frames = maxFramesPerSecond === undefined ? undefined : new TokenBucket(maxFramesPerSecond);
    this.#policy = policy;
  }

  /** True while a budget is overdrawn. */
  get over(): boolean {
    return (this.#bytes?.over ?? false) || (this.#frames?.over ?? false);
  }

  /**
   * Frames the next decode may hand out (invariant 5): the whole frames left
   * in the budget, and one more under `"close"`, the frame that passes it;
   * Infinity with no frame limit. 0 under `"pause"` once the budget is spent.
   */
  get frameLimit(): number {
    const frames = this.#frames;
    if (frames === undefined) return Infinity;
    const left = Math.max(0, Math.floor(frames.tokens));
    return this.#policy === "close" ? left + 1 : left;
  }

  /** Charges one read of `bytes` that completed `frames`. */
  charge(bytes: number, frames: number): RateVerdict {
    const bytesOk = this.#bytes?.spend(bytes) ?? true;
    const framesOk = this.#frames?.spend(frames) ?? true;
    if (bytesOk && framesOk) return "ok";
    if (this.#policy === "pause") return "pause";
    const [what, bucket] = bytesOk ? ["frames", this.#frames!] : ["bytes", this.#bytes!];
    return new GuardError(
      "rate-limit",
      `over ${bucket.rate} ${what} per second, ${-bucket.tokens} over budget`,
      bucket.rate,
    );
  }

  /** Adds the budget of one tick of `seconds`. */
  refill(seconds: number): void {
    this.#bytes?.refill(seconds);
    this.#frames?.refill(seconds);
  }
}

/** Rate limit options, checked: a factory of per-connection budgets, or undefined when no limit is set. */
export interface RateLimitPlan {
  /** A fresh budget for one connection. */
  budget(): RateLimits;
}

/**
 * Checks the rate limit options.
 *
 * @throws {RangeError} a limit that is not a positive integer.
 * @throws {TypeError} a policy that is not "close" or "pause".
 * @example No limit set: no budget to make per connection
 * ```ts
 * import assert from "node:assert/strict";
 * import { rateLimitsOf } from "./rate_limit.ts";
 * assert.equal(rateLimitsOf({}), undefined);
 * const budget = rateLimitsOf({ maxFramesPerSecond: 2 })!.budget();
 * assert.equal(budget.charge(100, 2), "ok");
 * assert.equal(budget.charge(100, 1).toString(), "GuardError: Cannot continue: rate-limit: over 2 frames per second, 1 over budget");
 * ```
 */
export function rateLimitsOf(options: RateLimitOptions): RateLimitPlan | undefined {
  const bytes = checkNumber("maxBytesPerSecond", options.maxBytesPerSecond);
  const frames = checkNumber("maxFramesPerSecond", options.maxFramesPerSecond);
  const policy = checkChoice("rateLimitPolicy", options.rateLimitPolicy);
  if (bytes === undefined && frames === undefined) return undefined;
  return { budget: () => new RateLimits(bytes, frames, policy) };
}
