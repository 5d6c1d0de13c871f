/**
 * The figures of a set of servers as one: counters added, counts by reason
 * merged by reason.
 *
 * @module
 */
import type { ServerStats } from "../stats.ts";

/**
 * The sum of `all`.
 *
 * @example Two nodes' figures as one
 * ```ts
 * import assert from "node:assert/strict";
 * import { sumServerStats } from "./summed_stats.ts";
 * const node = {
 *   accepted: 3, active: 1, refused: {}, closedByReason: { "peer-closed": 2 }, framesDropped: 0,
 *   bytesIn: 10, bytesOut: 10, messagesDropped: 0, acceptErrors: {}, acceptPauses: 0,
 * };
 * const sum = sumServerStats([node, { ...node, closedByReason: { "idle-timeout": 1 } }]);
 * assert.equal(sum.accepted, 6);
 * assert.deepEqual(sum.closedByReason, { "peer-closed": 2, "idle-timeout": 1 });
 * ```
 */
export function sumServerStats(all: Iterable<ServerStats>): ServerStats {
  let accepted = 0, active = 0, framesDropped = 0, bytesIn = 0, bytesOut = 0, messagesDropped = 0, acceptPauses = 0;
  const refused: Record<string, number> = {};
  const closedByReason: Record<string, number> = {};
  const acceptErrors: Record<string, number> = {};
  for (const stats of all) {
    accepted += stats.accepted;
    active += stats.active;
    framesDropped += stats.framesDropped;
    bytesIn += stats.bytesIn;
    bytesOut += stats.bytesOut;
    messagesDropped += stats.messagesDropped;
    acceptPauses += stats.acceptPauses;
    merge(refused, stats.refused);
    merge(closedByReason, stats.closedByReason);
    merge(acceptErrors, stats.acceptErrors);
  }
  return {
    accepted,
    active,
    refused,
    closedByReason,
    framesDropped,
    bytesIn,
    bytesOut,
    messagesDropped,
    acceptErrors,
    acceptPauses,
  };
}

function merge(into: Record<string, number>, counts: Readonly<Record<string, number | undefined>>): void {
  // Own keys only: a reason named like a property of Object.prototype ("constructor") starts from 0 too.
  for (const [key, count] of Object.entries(counts)) {
    into[key] = (Object.hasOwn(into, key) ? into[key]! : 0) + (count ?? 0);
  }
}
