/**
 * The reconnecting client's back-off: exponential, capped, with full jitter.
 *
 * ```text
 * retry n (0, 1, 2, ...) waits  random(0, min(maxDelay, baseDelay * 2^n))
 *
 * baseDelay 0.1 s, maxDelay 10 s:  n = 0: [0, 0.1)  1: [0, 0.2)  2: [0, 0.4) ... 6: [0, 6.4)  7 and on: [0, 10)
 * ```
 *
 * Why full jitter: when a server restarts, every client loses its connection
 * in the same instant and would redial in lockstep. Marc Brooker's simulation
 * in "Exponential Backoff And Jitter" (AWS Architecture Blog, 2015,
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/)
 * found plain exponential back-off the clear loser, "equal" jitter behind the
 * other two, and full and decorrelated jitter close: full did less work
 * (fewer calls), decorrelated took a little less time. We take full jitter
 * for its fewer dials at the server that is coming back, and because each
 * wait depends on the retry number only (no state carried between retries),
 * so its bounds are simple to state and to test.
 *
 * @module
 */

/** The back-off's settings, in seconds. */
export interface Backoff {
  /** The ceiling of the first wait; each retry doubles it. */
  readonly baseDelay: number;
  /** The ceiling no wait goes above. */
  readonly maxDelay: number;
}

/**
 * The wait before retry number `retry` (0 for the first), in seconds:
 * `random() * min(maxDelay, baseDelay * 2^retry)`. `random` returns a number
 * in [0, 1), as `Math.random` does.
 *
 * @example The ceiling doubles and stops at maxDelay
 * ```ts
 * import assert from "node:assert/strict";
 * import { backoffDelay } from "./backoff.ts";
 * const ceiling = () => 1; // the top of each range, for the example
 * const delays = [0, 1, 2, 3, 4].map((retry) => backoffDelay(retry, { baseDelay: 0.5, maxDelay: 3 }, ceiling));
 * assert.deepEqual(delays, [0.5, 1, 2, 3, 3]);
 * assert.equal(backoffDelay(2, { baseDelay: 0.5, maxDelay: 3 }, () => 0.25), 0.5);
 * ```
 */
export function backoffDelay(retry: number, backoff: Backoff, random: () => number): number {
  // 2^60 is past any cap already; a larger exponent would only make Infinity.
  const ceiling = Math.min(backoff.maxDelay, backoff.baseDelay * 2 ** Math.min(retry, 60));
  return ceiling * random();
}

/**
 * Waits `seconds`; true when the time is up, false as soon as `signal`
 * aborts (the timer is cleared then: nothing is left behind).
 *
 * @example Aborting stops the wait at once
 * ```ts
 * import assert from "node:assert/strict";
 * import { sleep } from "./backoff.ts";
 * const controller = new AbortController();
 * const waiting = sleep(3600, controller.signal);
 * controller.abort();
 * assert.equal(await waiting, false);
 * assert.equal(await sleep(0.001, controller.signal), false, "an aborted signal does not wait");
 * ```
 */
export function sleep(seconds: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, seconds * 1000);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
