/**
 * The logger interface the core writes to. A LogTape logger satisfies it, and
 * so does `console`; the core itself imports no logging library.
 *
 * @module
 */

/** Structured properties of a log record. */
export type LogProperties = Record<string, unknown>;

/**
 * What the kit needs of a logger: four levels, a message and structured properties.
 *
 * @example A LogTape logger, or console
 * ```ts
 * import type { Logger } from "../mod.ts";
 * const logger: Logger = console;
 * logger.debug("connection {id} opened", { id: 1 });
 * ```
 */
export interface Logger {
  /** Detail for people debugging the kit. */
  debug(message: string, properties?: LogProperties): void;
  /** Normal events: listening, shutting down. */
  info(message: string, properties?: LogProperties): void;
  /** A connection ended for a reason worth a look (oversize frame, slow consumer). */
  warn(message: string, properties?: LogProperties): void;
  /** A handler threw; `properties.error` holds the error with its stack. */
  error(message: string, properties?: LogProperties): void;
}

/** The default logger: warnings and errors to the console, nothing below. */
export const consoleWarnLogger: Logger = {
  debug() {},
  info() {},
  warn: (message, properties) => console.warn(message, properties ?? ""),
  error: (message, properties) => console.error(message, properties ?? ""),
};

/**
 * A logger that writes nothing.
 *
 * @example
 * ```ts
 * import { silentLogger } from "../mod.ts";
 * silentLogger.error("never shown");
 * ```
 */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
