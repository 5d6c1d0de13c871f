/**
 * The server's log of connections: one line per close, with the connection
 * id, the remote address, the reason and the figure that tripped (a frame's
 * length and the limit, a rate and its limit). A close the peer or a guard
 * caused is a normal event on the internet: no stack, `info` for a guard or a
 * protocol fault, `debug` for a plain close or reset. Stacks only for faults
 * of the server's own code (a handler that throws), at `error`. Lines of one
 * reason beyond a few a second are counted and summed up in one line, so a
 * hostile peer cannot fill the disk through the log.
 *
 * @module
 */
import { type CloseReason, FrameTooLargeError, GuardError, SessionError, TruncatedFrameError } from "../errors.ts";
import { ProxyHeaderError } from "./proxy/header.ts";
import { errorCode } from "./accept_errors.ts";
import { formatAddress } from "../address.ts";
import { DEFAULT_LOG_BURST, type LogLevel, LogLimiter } from "../log_limiter.ts";
import { consoleWarnLogger, type Logger, type LogProperties, silentLogger } from "../logger.ts";
import type { ConnectionStats } from "../stats.ts";
import type { Address } from "../../transport/types.ts";

/** The level of each close reason's line (a Record, so a reason added to the list must be given one). */
const LEVELS: Record<CloseReason, LogLevel> = {
  "peer-closed": "debug",
  closed: "debug",
  "socket-error": "debug",
  shutdown: "debug",
  aborted: "debug",
  // The handler's error line, with its stack, says what went wrong; the close line is detail.
  "handler-error": "debug",
  "frame-too-large": "info",
  "truncated-frame": "info",
  "idle-timeout": "info",
  "first-frame-timeout": "info",
  "rate-limit": "info",
  "slow-consumer": "info",
  "bad-proxy-header": "info",
  "tls-handshake-timeout": "info",
  "send-timeout": "info",
  "unsupported-data": "info",
  "ping-timeout": "info",
  unauthenticated: "info",
  // A newer login of the same identity: a normal event (a player on a second device).
  replaced: "debug",
  "heartbeat-timeout": "info",
  "resume-refused": "info",
};

/** Where the server writes about its connections. */
export class CloseLog {
  readonly #logger: Logger;
  readonly #limiter: LogLimiter;
  /** False for the kit's own loggers, which drop debug lines: then no debug line is built at all. */
  readonly debug: boolean;

  constructor(logger: Logger) {
    this.#logger = logger;
    this.#limiter = new LogLimiter(logger, { burst: DEFAULT_LOG_BURST });
    this.debug = logger !== silentLogger && logger !== consoleWarnLogger;
  }

  /** A connection was accepted (debug). */
  opened(id: number, remote: Address): void {
    if (!this.debug) return;
    this.#limiter.write(
      "opened",
      "debug",
      "connection {id} from {remote} opened",
      { id, remote: formatAddress(remote) },
      "{count} more connections opened in the last second",
    );
  }

  /** A connection ended: its line, and the handler's error with its stack when it threw. */
  closed(stats: ConnectionStats): void {
    const reason = stats.closeReason ?? "closed";
    if (reason === "handler-error") {
      this.#limiter.write(
        "handler-error",
        "error",
        "connection {id} handler failed: {error}",
        { id: stats.id, remote: formatAddress(stats.remoteAddr), error: stats.error },
        "{count} more handlers failed in the last second",
      );
    }
    const level = LEVELS[reason];
    if (level === "debug" && !this.debug) return;
    const properties: LogProperties = { id: stats.id, remote: formatAddress(stats.remoteAddr), reason };
    // Who it was, once authenticated: escaped with every other property by the server's logger.
    if (stats.identity !== undefined) properties.identity = stats.identity;
    const detail = describeClose(stats.error, properties);
    this.#limiter.write(
      reason,
      level,
      detail === undefined
        ? "connection {id} from {remote} closed: {reason}"
        : "connection {id} from {remote} closed: {reason} ({detail})",
      detail === undefined ? properties : { ...properties, detail },
      `{count} more connections closed with ${reason} in the last second`,
    );
  }

  /** A new connection was closed at once by a limit. */
  refused(remote: Address, reason: string): void {
    this.#limiter.write(
      `refused ${reason}`,
      "info",
      "refused connection from {remote}: {reason}",
      { remote: formatAddress(remote), reason },
      `{count} more connections refused with ${reason} in the last second`,
    );
  }

  /** `onConnectionEnd` failed for a connection: peers decide how often connections end, so this is limited too. */
  endHookFailed(stats: ConnectionStats, error: unknown): void {
    this.#limiter.write(
      "end-hook",
      "error",
      "onConnectionEnd failed for connection {id} from {remote}: {error}",
      { id: stats.id, remote: formatAddress(stats.remoteAddr), error },
      "{count} more onConnectionEnd calls failed in the last second",
    );
  }

  /** Writes the counts of lines held back in past seconds (the server's ticker calls it). */
  flush(): void {
    this.#limiter.flush();
  }
}

/**
 * The figure behind a close, in words, with its numbers added to `properties`
 * (for JSON logs); undefined when there is nothing to add to the reason.
 */
export function describeClose(error: unknown, properties: LogProperties = {}): string | undefined {
  if (error === undefined || error === null) return undefined;
  if (error instanceof FrameTooLargeError) {
    properties.length = error.length;
    properties.limit = error.limit;
    return `${error.length} bytes announced, limit ${error.limit}`;
  }
  if (error instanceof TruncatedFrameError) {
    properties.received = error.received;
    if (error.expected === undefined) return `ended after ${error.received} bytes of a header`;
    properties.expected = error.expected;
    return `ended after ${error.received} of ${error.expected} bytes`;
  }
  if (error instanceof GuardError) {
    if (error.limit !== undefined) properties.limit = error.limit;
    return error.detail;
  }
  if (error instanceof ProxyHeaderError || error instanceof SessionError) return error.detail;
  // A reset, a broken pipe, a failed handshake, an abort reason: the code says enough.
  return errorCode(error);
}
