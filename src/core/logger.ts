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
 * import type { Logger } from "spawnkit";
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

/**
 * A message template with its properties filled in, on one line:
 * `renderMessage("connection {id} closed", { id: 7 })` is "connection 7
 * closed". Strings go in as they are (line breaks escaped, so a peer's bytes
 * cannot forge a line), errors as "Name: message", other values as JSON.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderMessage } from "spawnkit";
 * assert.equal(renderMessage("listening on {address}", { address: "127.0.0.1:7000" }), "listening on 127.0.0.1:7000");
 * assert.equal(renderMessage("{error}", { error: new RangeError("too big") }), "RangeError: too big");
 * ```
 */
export function renderMessage(template: string, properties: LogProperties = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => {
    if (!(key in properties)) return whole;
    const value = properties[key];
    const text = typeof value === "string"
      ? value
      : value instanceof Error
      ? `${value.name}: ${value.message}`
      : JSON.stringify(value) ?? String(value);
    return text.replace(/\r/g, "\\r").replace(/\n/g, "\\n");
  });
}

/**
 * The default logger: warnings and errors to the console as one line each,
 * nothing below. An error in `properties.error` (a handler that threw) follows
 * its line with its stack.
 */
export const consoleWarnLogger: Logger = {
  debug() {},
  info() {},
  warn: (message, properties) => console.warn(renderMessage(message, properties)),
  error: (message, properties) => {
    const error = properties?.error;
    if (error instanceof Error) console.error(renderMessage(message, properties), error);
    else console.error(renderMessage(message, properties));
  },
};

/**
 * A logger that writes nothing.
 *
 * @example
 * ```ts
 * import { silentLogger } from "spawnkit";
 * silentLogger.error("never shown");
 * ```
 */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
