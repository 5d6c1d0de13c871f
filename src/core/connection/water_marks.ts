/**
 * The outbox's water marks, in one place: the options, their defaults and
 * checks, and the two questions the outbound side asks of them (may a frame
 * go in now; may a waiting send go on). Shared by servers and clients, built
 * once per server.
 *
 * ```text
 *  bytes in the outbox (queued + being written)
 *  0 ─────────── low ─────────────── high ──────────▶
 *  │ a waiting send goes on │ sends go in │ sends wait, broadcasts meet the slow-consumer policy
 * ```
 *
 * @module
 */
import { checkNumber, DEFAULT_HIGH_WATER_MARK } from "../options.ts";

/**
 * The bound a server puts on a connection's sends waiting for room: a peer
 * that sends and never reads makes a handler that does not await its sends
 * hold what it sent; 16 MiB is far past what a handler that awaits holds (one
 * frame per task) and well short of what a flood would take.
 */
export const DEFAULT_MAX_PENDING_SEND_BYTES = 16 * 1024 * 1024;

/** Outbox bounds, in bytes. */
export interface OutboxOptions {
  /**
   * Bytes a connection's outbox may hold (queued plus being written) before
   * `send()` waits; a broadcast to a connection above it meets the
   * `slowConsumer` policy.
   * @default {65536}
   */
  highWaterMark?: number;
  /** A waiting `send()` goes on once the outbox is down to this many bytes. @default {highWaterMark / 2} */
  lowWaterMark?: number;
  /**
   * Bytes of sends that may wait for room at once (sends a handler did not
   * await, to a peer that does not read). Past it the connection closes as
   * `slow-consumer` and its waiting sends reject; a handler that awaits its
   * sends holds one at a time and never reaches it. A client's sends are its
   * own application's, so `connect()` sets no bound unless asked.
   * @default {16777216} for `serve()`; no bound for `connect()`
   */
  maxPendingSendBytes?: number;
}

/** The water marks of an outbox, checked. */
export class WaterMarks {
  /** Bytes above which sends wait. */
  readonly high: number;
  /** Bytes at or below which a waiting send goes on. */
  readonly low: number;
  /** Bytes of sends that may wait for room at once (Infinity: no bound). */
  readonly maxPending: number;

  /** @throws {RangeError} low above high. */
  constructor(high: number, low: number, maxPending = Infinity) {
    if (low > high) throw new RangeError(`Cannot use lowWaterMark ${low}: above highWaterMark ${high}`);
    this.high = high;
    this.low = low;
    this.maxPending = maxPending;
  }

  /**
   * Whether a frame of `size` bytes may go into an outbox holding `bytes`: up
   * to the high mark, and always into an empty outbox (so a frame larger than
   * the mark itself goes alone rather than never).
   */
  fits(bytes: number, size: number): boolean {
    return bytes === 0 || bytes + size <= this.high;
  }

  /** Whether an outbox holding `bytes` has drained far enough for a waiting send to go on. */
  hasRoom(bytes: number): boolean {
    return bytes <= this.low;
  }
}

/**
 * Applies defaults and checks the water marks.
 *
 * @throws {RangeError} a mark is not a non-negative integer, or low is above high.
 * @example The default low mark is half the high one
 * ```ts
 * import assert from "node:assert/strict";
 * import { waterMarksOf } from "./water_marks.ts";
 * const marks = waterMarksOf({ highWaterMark: 1000 });
 * assert.equal(marks.low, 500);
 * assert.ok(marks.fits(0, 5000), "an empty outbox takes any frame");
 * assert.ok(!marks.fits(900, 200));
 * ```
 */
export function waterMarksOf(options: OutboxOptions, defaultMaxPending = Infinity): WaterMarks {
  const high = checkNumber("highWaterMark", options.highWaterMark) ?? DEFAULT_HIGH_WATER_MARK;
  const low = checkNumber("lowWaterMark", options.lowWaterMark) ?? Math.floor(high / 2);
  return new WaterMarks(
    high,
    low,
    checkNumber("maxPendingSendBytes", options.maxPendingSendBytes) ?? defaultMaxPending,
  );
}
