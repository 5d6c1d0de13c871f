/**
 * The figures of several connections added up, for a reconnecting
 * connection's `stats`.
 *
 * @module
 */
import type { ConnectionStats } from "../stats.ts";

/** The figures that add up across connections. */
export type StatsSums = Pick<
  ConnectionStats,
  "bytesIn" | "bytesOut" | "framesIn" | "framesOut" | "framesDropped" | "outboxPeak"
>;

/** The sums of no connection. */
export const NO_STATS: StatsSums = {
  bytesIn: 0,
  bytesOut: 0,
  framesIn: 0,
  framesOut: 0,
  framesDropped: 0,
  outboxPeak: 0,
};

/** `sums` plus the figures of `stats` (the largest outbox peak of the two). */
export function sumStats(sums: StatsSums, stats: StatsSums): StatsSums {
  return {
    bytesIn: sums.bytesIn + stats.bytesIn,
    bytesOut: sums.bytesOut + stats.bytesOut,
    framesIn: sums.framesIn + stats.framesIn,
    framesOut: sums.framesOut + stats.framesOut,
    framesDropped: sums.framesDropped + stats.framesDropped,
    outboxPeak: Math.max(sums.outboxPeak, stats.outboxPeak),
  };
}
