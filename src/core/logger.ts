/**
 * The logger interface the core writes to. A LogTape logger satisfies it, and
 * so does `console`; the core itself imports no logging library.
 *
 * @module
 */
import { escapeControlCharacters, escapeLogValue } from "./log_escape.ts";

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
 * closed". Strings go in as they are, errors as "Name: message", other values
 * as JSON; then every control character of the line is escaped (line breaks as
 * `\n`, ESC as `\u001b`: see `escapeControlCharacters`), so a peer's bytes
 * cannot forge a line or drive a terminal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderMessage } from "./logger.ts";
 * assert.equal(renderMessage("listening on {address}", { address: "127.0.0.1:7000" }), "listening on 127.0.0.1:7000");
 * assert.equal(renderMessage("{error}", { error: new RangeError("too big") }), "RangeError: too big");
 * assert.equal(renderMessage("room {room}", { room: "a\nb\x1b[2J\u2028" }), "room a\\nb\\u001b[2J\\u2028");
 * ```
 */
export function renderMessage(template: string, properties: LogProperties = {}): string {
  return escapeControlCharacters(template.replace(/\{(\w+)\}/g, (whole, key: string) => {
    if (!(key in properties)) return whole;
    const value = properties[key];
    return typeof value === "string"
      ? value
      : value instanceof Error
      ? `${value.name}: ${value.message}`
      : JSON.stringify(value) ?? String(value);
  }));
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
    // The stack follows the line: its message is escaped too (a copy, when it needs it).
    if (error instanceof Error) console.error(renderMessage(message, properties), escapeLogValue(error));
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

function escapeProperties(properties: LogProperties | undefined): LogProperties | undefined {
  if (properties === undefined) return undefined;
  return escapeLogValue(properties) as LogProperties;
}

const ESCAPING = Symbol("spawnkit.escapingLogger");
const wrapped = new WeakMap<Logger, Logger>();

/**
 * The logger the kit writes to: `logger` (the console's warnings and errors
 * when none is given) with every message and property escaped as
 * {@linkcode escapeControlCharacters} says, before it reaches the logger. The
 * kit's own loggers escape already and come back as they are; wrapping twice
 * gives the same wrapper. A logger that throws is ignored (the line is lost,
 * the connection or server it was about goes on).
 *
 * @example A logger that would print a peer's ESC as is
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapingLogger } from "../../mod.ts";
 * const lines: string[] = [];
 * const raw = { debug() {}, info() {}, warn: (m: string, p?: Record<string, unknown>) => void lines.push(`${m} ${p?.room}`), error() {} };
 * escapingLogger(raw).warn("room {room} is full", { room: "\x1b]0;owned\x07" });
 * assert.deepEqual(lines, ["room {room} is full \\u001b]0;owned\\u0007"]);
 * ```
 */
export function escapingLogger(logger: Logger = consoleWarnLogger): Logger {
  if (logger === silentLogger || logger === consoleWarnLogger || ESCAPING in logger) return logger;
  let safe = wrapped.get(logger);
  if (safe === undefined) {
    const write = (level: keyof Logger, message: string, properties: LogProperties | undefined): void => {
      try {
        logger[level](escapeControlCharacters(message), escapeProperties(properties));
      } catch {
        // A logger that throws must not end the connection or the server it writes about; nothing else to tell.
      }
    };
    safe = {
      [ESCAPING]: true,
      debug: (message, properties) => write("debug", message, properties),
      info: (message, properties) => write("info", message, properties),
      warn: (message, properties) => write("warn", message, properties),
      error: (message, properties) => write("error", message, properties),
    } as Logger;
    wrapped.set(logger, safe);
  }
  return safe;
}
