/**
 * The outbox's water marks, shared by servers and clients.
 *
 * @module
 */
import { checkNumber, DEFAULT_HIGH_WATER_MARK } from "../options.ts";

/** Outbox bounds, in bytes. */
export interface OutboxOptions {
  /**
   * Bytes a connection's outbox may hold (queued plus being written) before
   * `send()` waits; a broadcast to a connection above it is dropped and counted.
   * @default {65536}
   */
  highWaterMark?: number;
  /** A waiting `send()` goes on once the outbox is down to this many bytes. @default {highWaterMark / 2} */
  lowWaterMark?: number;
}

/** Water marks with defaults applied. */
export interface OutboxBounds {
  readonly highWaterMark: number;
  readonly lowWaterMark: number;
}

/**
 * Applies defaults and checks the water marks.
 *
 * @throws {RangeError} a mark is not a non-negative integer, or low is above high.
 */
export function outboxOptionsOf(options: OutboxOptions): OutboxBounds {
  const highWaterMark = checkNumber("highWaterMark", options.highWaterMark) ?? DEFAULT_HIGH_WATER_MARK;
  const lowWaterMark = checkNumber("lowWaterMark", options.lowWaterMark) ?? Math.floor(highWaterMark / 2);
  if (lowWaterMark > highWaterMark) {
    throw new RangeError(`Cannot use lowWaterMark ${lowWaterMark}: above highWaterMark ${highWaterMark}`);
  }
  return { highWaterMark, lowWaterMark };
}
