/**
 * The server's one shared ticker: a single interval for all connections (not
 * a timer per connection), the original's 1-second `timer_sec`. The server
 * stops it at shutdown.
 *
 * @module
 */

/** A running ticker. */
export interface Ticker {
  /** Stops it. Idempotent. */
  stop(): void;
}

/** Calls `onTick` every `seconds` until stopped. */
export function startTicker(seconds: number, onTick: () => void): Ticker {
  const timer = setInterval(onTick, seconds * 1000);
  return { stop: () => clearInterval(timer) };
}
