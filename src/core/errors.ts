/**
 * The typed errors of spawnkit. Each condition a caller may want to catch has
 * a class of its own; each carries a `code` that also names the close reason
 * in a connection's final stats.
 *
 * @module
 */

/**
 * Every close reason, the one list: a connection's final stats, the log, the
 * records and `server.stats.closedByReason` all use these names.
 */
export const CLOSE_REASONS = [
  "peer-closed",
  "closed",
  "frame-too-large",
  "truncated-frame",
  "handler-error",
  "socket-error",
  "shutdown",
  "aborted",
  "idle-timeout",
  "first-frame-timeout",
  "rate-limit",
  "slow-consumer",
  "bad-proxy-header",
  "tls-handshake-timeout",
  "send-timeout",
  "unsupported-data",
  "ping-timeout",
  "unauthenticated",
  "replaced",
  "heartbeat-timeout",
  "resume-refused",
] as const;

/** Why a connection ended, as written in its final stats and in the log. */
export type CloseReason = (typeof CLOSE_REASONS)[number];

/** The guards that end a connection, each with its close reason as `code`. */
export type GuardReason =
  | "idle-timeout"
  | "first-frame-timeout"
  | "rate-limit"
  | "slow-consumer"
  | "tls-handshake-timeout"
  | "send-timeout"
  | "heartbeat-timeout";

/**
 * Why a new connection was refused at once (counted in `server.stats.refused`):
 * a limit, or, with `proxyProtocol`, a source that is not a trusted proxy.
 */
export type RefusalReason = "max-connections" | "max-connections-per-address" | "untrusted-proxy-source";

/**
 * An announced or outgoing frame length is over the limit: the decoder's
 * `maxFrameSize`, or what the header of `packet` bytes can express.
 *
 * @example Catching an oversize send
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeFrame, FrameTooLargeError } from "spawnkit";
 * assert.throws(() => encodeFrame(new Uint8Array(300), { packet: 1 }), (error) => {
 *   assert.ok(error instanceof FrameTooLargeError);
 *   assert.equal(error.length, 300);
 *   assert.equal(error.limit, 255);
 *   return true;
 * });
 * ```
 */
export class FrameTooLargeError extends RangeError {
  /** The close reason this error causes. */
  readonly code = "frame-too-large" as const;
  /** The frame length, in bytes, that was announced or asked for. */
  readonly length: number;
  /** The largest length allowed, in bytes. */
  readonly limit: number;

  /** Builds the error; `action` completes "Cannot <action>". */
  constructor(action: string, length: number, limit: number) {
    super(`Cannot ${action}: frame of ${length} bytes is over the limit of ${limit} bytes`);
    this.name = "FrameTooLargeError";
    this.length = length;
    this.limit = limit;
  }
}

/**
 * The byte stream ended inside a frame: after part of a header, or before the
 * whole payload the header announced.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TruncatedFrameError } from "spawnkit";
 * const error = new TruncatedFrameError(3, 10);
 * assert.equal(error.received, 3);
 * assert.equal(error.message, "Cannot decode frame: stream ended after 3 bytes of a 10-byte frame");
 * ```
 */
export class TruncatedFrameError extends Error {
  /** The close reason this error causes. */
  readonly code = "truncated-frame" as const;
  /** Bytes of the unfinished frame (header included) that arrived. */
  readonly received: number;
  /** Bytes the unfinished frame needed (header included); unknown inside a header. */
  readonly expected: number | undefined;

  /** Builds the error from the bytes received and the bytes the frame needed. */
  constructor(received: number, expected?: number) {
    super(
      `Cannot decode frame: stream ended after ${received} bytes of ` +
        (expected === undefined ? "a header" : `a ${expected}-byte frame`),
    );
    this.name = "TruncatedFrameError";
    this.received = received;
    this.expected = expected;
  }
}

/**
 * The connection is closed: `send()` after the end, or a pending `send()`
 * when the connection ended. `reason` says why it ended.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConnectionClosedError } from "spawnkit";
 * const error = new ConnectionClosedError("peer-closed");
 * assert.equal(error.reason, "peer-closed");
 * ```
 */
export class ConnectionClosedError extends Error {
  /** Why the connection ended. */
  readonly reason: CloseReason;

  /** Builds the error; `cause` is the error that closed the connection, if any. */
  constructor(reason: CloseReason, options?: { cause?: unknown }) {
    super(`Cannot send: connection is closed (${reason})`, options);
    this.name = "ConnectionClosedError";
    this.reason = reason;
  }
}

/**
 * `connect()` found no connection within its `connectTimeout`: the TCP
 * connect, and over TLS the handshake, took longer (a host that drops the
 * SYN, a server that accepts and never answers the TLS hello). The socket
 * under way is closed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConnectTimeoutError } from "spawnkit";
 * const error = new ConnectTimeoutError("127.0.0.1:7000", 10);
 * assert.equal(error.code, "connect-timeout");
 * assert.equal(error.message, "Cannot connect to 127.0.0.1:7000: no connection within 10 seconds (connectTimeout)");
 * ```
 */
export class ConnectTimeoutError extends Error {
  /** Says what went wrong, as the close reasons do. */
  readonly code = "connect-timeout" as const;
  /** The `connectTimeout` that passed, in seconds. */
  readonly seconds: number;

  /** Builds the error for a dial to `target` ("host:port") that took over `seconds`. */
  constructor(target: string, seconds: number) {
    super(`Cannot connect to ${target}: no connection within ${seconds} seconds (connectTimeout)`);
    this.name = "ConnectTimeoutError";
    this.seconds = seconds;
  }
}

/**
 * The abort reason the server gives its connections when it shuts down.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ShutdownError } from "spawnkit";
 * const controller = new AbortController();
 * controller.abort(new ShutdownError());
 * assert.ok(controller.signal.reason instanceof ShutdownError);
 * ```
 */
export class ShutdownError extends Error {
  /** The close reason this error causes. */
  readonly code = "shutdown" as const;

  /** Builds the error; `cause` is the parent signal's abort reason when a parent started the shutdown. */
  constructor(message = "Cannot continue: server is shutting down", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ShutdownError";
  }
}

/**
 * A guard ended the connection: the abort reason on `conn.signal` and the
 * error in its final stats. `code` is the close reason.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GuardError } from "spawnkit";
 * const error = new GuardError("idle-timeout", "no frame for 30 seconds");
 * assert.equal(error.message, "Cannot continue: idle-timeout: no frame for 30 seconds");
 * ```
 */
export class GuardError extends Error {
  /** The close reason this error causes. */
  readonly code: GuardReason;
  /** Which limit was passed, in words ("over 1000 bytes per second"). */
  readonly detail: string;
  /** The limit that was passed (bytes or frames per second, seconds, bytes), when it is a number. */
  readonly limit: number | undefined;

  /** Builds the error; `detail` says which limit was passed, `limit` is that limit. */
  constructor(code: GuardReason, detail: string, limit?: number) {
    super(`Cannot continue: ${code}: ${detail}`);
    this.name = "GuardError";
    this.code = code;
    this.detail = detail;
    this.limit = limit;
  }
}

/**
 * Why the session layer ended or refused a connection, its close reason as
 * `code`: `unauthenticated` (the authentication step refused it, threw, or
 * did not answer in time; `detail` says which), `replaced` (a newer login of
 * the same identity took its place over `maxSessionsPerIdentity`),
 * `resume-refused` (a session token unknown, used already, or past its
 * window, or bytes the other side no longer holds: a gap that cannot be filled).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SessionError } from "spawnkit";
 * const error = new SessionError("unauthenticated", "refused: bad token");
 * assert.equal(error.code, "unauthenticated");
 * assert.equal(error.message, "Cannot open session: unauthenticated: refused: bad token");
 * ```
 */
export class SessionError extends Error {
  /** The close reason this error causes. */
  readonly code: "unauthenticated" | "replaced" | "resume-refused";
  /** What happened, in words. */
  readonly detail: string;

  /** Builds the error; `cause` is the hook's own error, if it threw. */
  constructor(code: SessionError["code"], detail: string, options?: { cause?: unknown }) {
    super(`Cannot open session: ${code}: ${detail}`, options);
    this.name = "SessionError";
    this.code = code;
    this.detail = detail;
  }
}

/** Maps an error (an abort reason, a decode error, a thrown error) to its close reason. */
export function closeReasonOf(error: unknown, fallback: CloseReason): CloseReason {
  if (error !== null && typeof error === "object" && "code" in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === "string" && CLOSE_REASON_SET.has(code)) return code as CloseReason;
  }
  return fallback;
}

const CLOSE_REASON_SET: ReadonlySet<string> = new Set(CLOSE_REASONS);
