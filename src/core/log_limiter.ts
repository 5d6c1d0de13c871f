/**
 * A log that a hostile peer cannot flood: lines of one kind (a close reason,
 * an accept error code) are written at most `burst` times per window; the rest
 * are counted, and the count is written as one line when the window has
 * passed ("37 more connections closed with rate-limit in the last second").
 *
 * Kinds come from fixed lists (close reasons, errno codes), so the table of
 * kinds stays small whatever the peers do.
 *
 * @module
 */
import type { Logger, LogProperties } from "./logger.ts";

/** A log level of the kit's {@linkcode Logger}. */
export type LogLevel = "debug" | "info" | "warn" | "error";

interface Window {
  start: number;
  written: number;
  suppressed: number;
  level: LogLevel;
  summary: string;
}

/** The default `burst`: lines of one kind per window before the rest are counted. */
export const DEFAULT_LOG_BURST = 5;
/** The default `windowMs`, in milliseconds. */
export const DEFAULT_LOG_WINDOW_MS = 1000;

/** Options of {@linkcode LogLimiter}. */
export interface LogLimiterOptions {
  /** Lines of one kind written per window before the rest are only counted. @default {5} */
  burst?: number;
  /** The window, in milliseconds. @default {1000} */
  windowMs?: number;
  /** The clock, in milliseconds. @default {Date.now} */
  now?: () => number;
}

/**
 * Writes lines through `logger`, at most `burst` of each kind per window.
 *
 * @example Ten resets in a burst: three lines, then one that counts the rest
 * ```ts
 * import assert from "node:assert/strict";
 * import { LogLimiter } from "./log_limiter.ts";
 * const lines: string[] = [];
 * const logger = { debug() {}, info: (m: string, p?: Record<string, unknown>) => void lines.push(`${m} ${p?.count ?? ""}`), warn() {}, error() {} };
 * let now = 0;
 * const limiter = new LogLimiter(logger, { burst: 3, now: () => now });
 * for (let i = 0; i < 10; i++) {
 *   limiter.write("reset", "info", "closed {id}", { id: i }, "{count} more closed in the last second");
 * }
 * now = 1000;
 * limiter.flush();
 * assert.deepEqual(lines, ["closed {id} ", "closed {id} ", "closed {id} ", "{count} more closed in the last second 7"]);
 * ```
 */
export class LogLimiter {
  readonly #logger: Logger;
  readonly #burst: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, Window>();

  /** Writes to `logger`, at most `options.burst` lines of a kind per window; the rest are counted for a summary. */
  constructor(logger: Logger, options: LogLimiterOptions = {}) {
    this.#logger = logger;
    this.#burst = options.burst ?? DEFAULT_LOG_BURST;
    this.#windowMs = options.windowMs ?? DEFAULT_LOG_WINDOW_MS;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Writes `message` at `level`, unless `kind` has had `burst` lines in this
   * window; then it is counted, and `summary` (a template with `{count}`) is
   * written with the count once the window has passed. Returns whether the
   * line was written.
   */
  write(kind: string, level: LogLevel, message: string, properties: LogProperties, summary: string): boolean {
    const now = this.#now();
    let window = this.#windows.get(kind);
    if (window !== undefined && now - window.start >= this.#windowMs) {
      this.#close(window);
      window = undefined;
    }
    if (window === undefined) {
      window = { start: now, written: 0, suppressed: 0, level, summary };
      this.#windows.set(kind, window);
    }
    if (window.written < this.#burst) {
      window.written++;
      this.#logger[level](message, properties);
      return true;
    }
    window.suppressed++;
    window.level = level;
    window.summary = summary;
    return false;
  }

  /** Writes the counts of windows that have passed (the server's ticker calls it), and forgets them. */
  flush(): void {
    const now = this.#now();
    for (const [kind, window] of this.#windows) {
      if (now - window.start < this.#windowMs) continue;
      this.#close(window);
      this.#windows.delete(kind);
    }
  }

  #close(window: Window): void {
    if (window.suppressed > 0) this.#logger[window.level](window.summary, { count: window.suppressed });
  }
}
