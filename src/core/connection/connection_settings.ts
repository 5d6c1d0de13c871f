/**
 * What a server or a client gives each of its connections (framed_connection.ts):
 * the framing, the water marks, the mailbox's capacity, the timeouts, the rate
 * limits, the deferred flush and the hooks the connection calls. Built once
 * and shared by every connection of a server, so that a connection gets only
 * its id and socket.
 *
 * @module
 */
import type { Framing } from "../framing/length_prefixed.ts";
import type { Connection } from "./connection.ts";
import type { DeferredFlush } from "./deferred_flush.ts";
import type { RateLimitPlan } from "./rate_limit.ts";
import type { TimeoutSettings } from "./timeouts.ts";
import type { WaterMarks } from "./water_marks.ts";
import type { ConnectionStats } from "../stats.ts";

/** What the server or client gives its connections, built once and shared. */
export interface ConnectionSettings extends TimeoutSettings {
  readonly framing: Framing;
  readonly waterMarks: WaterMarks;
  readonly mailboxCapacity: number;
  /** Poison borrowed frames once their lifetime ends (read_loans.ts). */
  readonly debugBorrowedFrames?: boolean;
  /** Handles a posted message met while the handler iterates frames only. */
  // deno-lint-ignore no-explicit-any -- the server's Message type; a connection carries it only through
  readonly onMessage?: (conn: Connection<any>, message: any) => void | Promise<void>;
  /** Called once with the final stats, just before `finished` settles (the server's registry). */
  readonly onEnd?: (conn: Connection, stats: ConnectionStats) => void;
  /** Close the socket as soon as input ends (a client, which has no handler to return). */
  readonly finishOnEnd?: boolean;
  /** Makes each connection's rate budget; absent when no rate limit is set. */
  readonly rateLimits?: RateLimitPlan;
  /** Flushes, once per turn of the event loop, what was sent while a handler was busy (one per server). */
  readonly deferredFlush?: DeferredFlush;
}
