/**
 * The head of a connection's stats: which connection, and when. The same for
 * every kind of connection (a framed one, a reconnecting one, a handle on a
 * connection of another node); only their counters differ.
 *
 * @module
 */
import type { ConnectionStats } from "./stats.ts";
import type { Address } from "../transport/types.ts";

/** The fields of {@linkcode ConnectionStats} that say which connection and when. */
export type StatsHead = Pick<
  ConnectionStats,
  "id" | "remoteAddr" | "localAddr" | "openedAt" | "closedAt" | "durationMs"
>;

/** The head of `conn`'s stats: `durationMs` runs to `closedAt`, or to now while it is open. */
export function statsHead(
  conn: { readonly id: number; readonly remoteAddr: Address; readonly localAddr: Address },
  openedAt: number,
  closedAt: number | undefined,
): StatsHead {
  return {
    id: conn.id,
    remoteAddr: conn.remoteAddr,
    localAddr: conn.localAddr,
    openedAt,
    closedAt,
    durationMs: (closedAt ?? Date.now()) - openedAt,
  };
}
