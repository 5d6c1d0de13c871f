/**
 * What a framed connection reports: the head (which connection, and when),
 * the counters of its parts, why it ended, who the peer is, and the session
 * wire's counters. A snapshot: later traffic changes nothing in it.
 *
 * Invariants:
 * 1. Every counter comes from the part that counts it (the inbox, the outbox,
 *    the sender): nothing is counted twice or here.
 * 2. `identity` and `session` are present only when there is one; `session`
 *    is a copy.
 *
 * @module
 */
import type { ConnectionStats } from "../stats.ts";
import { statsHead } from "../stats_head.ts";
import type { Address, SessionCounts } from "../../transport/types.ts";
import type { ConnectionParts } from "./connection_parts.ts";
import type { Lifecycle } from "./lifecycle.ts";

/** The connection a snapshot is of. */
export interface StatsOwner {
  readonly id: number;
  readonly remoteAddr: Address;
  readonly localAddr: Address;
  readonly identity: string | undefined;
}

/** A snapshot of `conn`'s stats, from its parts and its end; `closedAt` undefined while it is open. */
export function framedStats(
  conn: StatsOwner,
  parts: ConnectionParts,
  life: Lifecycle,
  session: SessionCounts | undefined,
  openedAt: number,
  closedAt: number | undefined,
): ConnectionStats {
  const { inbox, outbox, sender } = parts;
  return {
    ...statsHead(conn, openedAt, closedAt),
    bytesIn: inbox.bytesIn,
    bytesOut: outbox.written,
    framesIn: inbox.framesIn,
    framesOut: sender.framesOut,
    framesDropped: sender.framesDropped,
    messagesIn: inbox.messagesIn,
    messagesDropped: inbox.messagesDropped,
    outboxBytes: outbox.bytes,
    outboxPeak: outbox.peak,
    closeReason: life.reason,
    error: life.error,
    ...(conn.identity === undefined ? undefined : { identity: conn.identity }),
    ...(session === undefined ? undefined : { session: { ...session } }),
  };
}
