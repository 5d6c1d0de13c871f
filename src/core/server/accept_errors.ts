/**
 * What the accept loop does after an accept error: the same rule on every
 * runtime, decided here and nowhere else (ranch's acceptor loop). Adapters
 * report each error and wait as long as {@linkcode AcceptErrors.onError} says.
 *
 * 1. An error that belongs to one connection (the peer reset or aborted it
 *    before it was accepted, a protocol error on it) is counted, and the loop
 *    accepts again at once: no pause, no log line per error. A port scanner
 *    or a reset storm must not slow the accepting of good clients.
 * 2. Resource exhaustion (out of file descriptors, buffers or memory) pauses
 *    accepting for {@linkcode ACCEPT_PAUSE_MS}: accepting more cannot work
 *    until something is freed, so spinning on the error only burns the core.
 *    Logged at most once a second, with the count.
 * 3. Anything else is counted and logged the same way; the loop goes on at
 *    once, unless such errors keep coming with no accept between them, then
 *    it pauses as in 2, so that a listener broken for good does not spin.
 *
 * @module
 */
import { LogLimiter } from "../log_limiter.ts";
import type { Logger } from "../logger.ts";

/** How long accepting pauses after resource exhaustion, in milliseconds (as ranch). */
export const ACCEPT_PAUSE_MS = 100;

// Unknown errors in a row, with no accept between them, before the loop pauses.
const OTHER_ERRORS_BEFORE_PAUSE = 16;

/** The kinds of accept error, by what the loop should do about them. */
export type AcceptErrorKind = "connection" | "exhaustion" | "other";

const CONNECTION_CODES = new Set(["ENOTCONN", "ECONNABORTED", "ECONNRESET", "EPROTO", "EPIPE", "ETIMEDOUT"]);
const EXHAUSTION_CODES = new Set(["EMFILE", "ENFILE", "ENOBUFS", "ENOMEM"]);
// Linux errno numbers, for errors that carry only "(os error N)" in their message.
const ERRNO: Record<number, string> = {
  12: "ENOMEM",
  23: "ENFILE",
  24: "EMFILE",
  32: "EPIPE",
  71: "EPROTO",
  103: "ECONNABORTED",
  104: "ECONNRESET",
  105: "ENOBUFS",
  107: "ENOTCONN",
  110: "ETIMEDOUT",
};

/**
 * The errno code of an error ("ENOTCONN"): its `code` where the runtime sets
 * one (Node, Bun, Deno), else the number in an "(os error N)" message; the
 * error's name when neither is there.
 */
export function errorCode(error: unknown): string {
  if (error !== null && typeof error === "object") {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && code !== "") return code;
    const errno = /\(os error (\d+)\)/.exec(String((error as { message?: unknown }).message));
    if (errno !== null) return ERRNO[Number(errno[1])] ?? `errno ${errno[1]}`;
    const name = (error as { name?: unknown }).name;
    if (typeof name === "string") return name;
  }
  return "unknown";
}

/** Which kind of accept error `error` is. */
export function acceptErrorKind(error: unknown): AcceptErrorKind {
  const code = errorCode(error);
  if (CONNECTION_CODES.has(code)) return "connection";
  if (EXHAUSTION_CODES.has(code)) return "exhaustion";
  return "other";
}

/**
 * One listener's accept errors: counts by code, pauses, and the log lines.
 *
 * @example A reset before accept: counted, no pause; out of descriptors: a pause
 * ```ts
 * import assert from "node:assert/strict";
 * import { AcceptErrors } from "./accept_errors.ts";
 * import { silentLogger } from "spawnkit";
 * const errors = new AcceptErrors(silentLogger);
 * assert.equal(errors.onError(Object.assign(new Error("reset"), { code: "ECONNRESET" })), 0);
 * assert.equal(errors.onError(new Error("Too many open files (os error 24)")), 100);
 * assert.deepEqual(errors.counts, { ECONNRESET: 1, EMFILE: 1 });
 * assert.equal(errors.pauses, 1);
 * ```
 */
export class AcceptErrors {
  readonly #log: LogLimiter;
  readonly #counts: Record<string, number> = {};
  #otherInARow = 0;
  /** How many times accepting paused. */
  pauses = 0;

  constructor(logger: Logger, now?: () => number) {
    // One line a second per code is enough to see a problem, and bounded whatever the peers do.
    this.#log = new LogLimiter(logger, { burst: 1, now });
  }

  /** Accept errors so far, by code. */
  get counts(): Readonly<Record<string, number>> {
    return { ...this.#counts };
  }

  /** An accept succeeded. */
  onAccept(): void {
    this.#otherInARow = 0;
  }

  /** Counts `error`, logs it within the limit, and returns how long to wait before accepting again (ms). */
  onError(error: unknown): number {
    const code = errorCode(error);
    this.#counts[code] = (this.#counts[code] ?? 0) + 1;
    const kind = acceptErrorKind(error);
    if (kind === "connection") {
      this.#log.write(
        code,
        "debug",
        "accept failed for one connection: {code}",
        { code },
        "{count} more accepts failed with " + code + " in the last second",
      );
      return 0;
    }
    const pause = kind === "exhaustion" || ++this.#otherInARow >= OTHER_ERRORS_BEFORE_PAUSE;
    if (pause) {
      this.pauses++;
      this.#otherInARow = 0;
    }
    this.#log.write(
      code,
      "warn",
      pause ? "accept failed: {code}: {message}; pausing accepts for {ms} ms" : "accept failed: {code}: {message}",
      { code, message: messageOf(error), ms: ACCEPT_PAUSE_MS },
      "{count} more accepts failed with " + code + " in the last second",
    );
    return pause ? ACCEPT_PAUSE_MS : 0;
  }

  /** Writes the counts of past seconds (called by the server's ticker). */
  flush(): void {
    this.#log.flush();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
