/**
 * The figures the kit keeps, per connection and per server.
 *
 * @module
 */
import type { CloseReason, RefusalReason } from "./errors.ts";
import type { Address, SessionCounts } from "../transport/types.ts";

/**
 * A connection's figures: live while it runs, final in the end hook (the
 * original's save_on_end).
 */
export interface ConnectionStats {
  /** The connection's id, unique within its server. */
  readonly id: number;
  /** The peer's address. */
  readonly remoteAddr: Address;
  /** The local address. */
  readonly localAddr: Address;
  /** When the connection was accepted or opened, in milliseconds since the epoch. */
  readonly openedAt: number;
  /** When it ended, in milliseconds since the epoch; undefined while it runs. */
  readonly closedAt: number | undefined;
  /** Milliseconds from opening to the end (or to now, while it runs). */
  readonly durationMs: number;
  /** Bytes received. */
  readonly bytesIn: number;
  /** Bytes taken by the socket (headers included). */
  readonly bytesOut: number;
  /** Frames decoded from the peer. */
  readonly framesIn: number;
  /** Frames sent or broadcast into the outbox. */
  readonly framesOut: number;
  /** Broadcast frames dropped because the outbox was over its high-water mark. */
  readonly framesDropped: number;
  /** Messages posted into the mailbox and delivered. */
  readonly messagesIn: number;
  /** Messages refused because the mailbox was full or the connection ending. */
  readonly messagesDropped: number;
  /** Bytes in the outbox now (queued plus in flight). */
  readonly outboxBytes: number;
  /** The most bytes the outbox ever held. */
  readonly outboxPeak: number;
  /** Why it ended; undefined while it runs. */
  readonly closeReason: CloseReason | undefined;
  /** The error behind the close reason, if any (a handler's throw, a decode error, an abort reason). */
  readonly error: unknown;
  /** Who the peer is, as the server's `authenticate` named it; absent without authentication. */
  readonly identity?: string;
  /** The session wire's counters (heartbeat, resumes), on a connection under `sessions()` or with `heartbeat`. */
  readonly session?: SessionCounts;
}

/** A server's figures, read from `server.stats`. */
export interface ServerStats {
  /** Connections accepted since the server started. */
  readonly accepted: number;
  /** Connections open now. */
  readonly active: number;
  /** Connections closed at once because a limit was reached, counted by limit. */
  readonly refused: Readonly<Partial<Record<RefusalReason, number>>>;
  /** Ended connections, counted by close reason. */
  readonly closedByReason: Readonly<Partial<Record<CloseReason, number>>>;
  /** Broadcast frames dropped across all connections (slow consumers). */
  readonly framesDropped: number;
  /** Bytes received, over ended and open connections. */
  readonly bytesIn: number;
  /** Bytes written, over ended and open connections. */
  readonly bytesOut: number;
  /** Posted messages dropped, over ended and open connections (full mailboxes, nowhere to go). */
  readonly messagesDropped: number;
  /**
   * Accept errors, by errno code (`ENOTCONN` for a peer that reset before it
   * was accepted, `EMFILE` when out of file descriptors).
   */
  readonly acceptErrors: Readonly<Record<string, number>>;
  /** How many times accepting paused after resource exhaustion (100 ms each). */
  readonly acceptPauses: number;
}
