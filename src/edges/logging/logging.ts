/**
 * Logging setup on LogTape (`@logtape/logtape`): console output, `pretty` for
 * people and `json` lines for machines. An edge: the core logs through its
 * four-method `Logger` interface and imports no library.
 *
 * The kit's connection log lines carry the connection's `id` and `remote`
 * address as properties: in `json` they are fields of `properties`, in
 * `pretty` they are in the message text.
 *
 * @module
 */
import process from "node:process";
import type { Logger } from "../../../mod.ts";
// @logtape/logtape is an optional peer dependency of the npm package: without it, say which package to install.
const { configure, getAnsiColorFormatter, getConsoleSink, getJsonLinesFormatter, getLogger, getTextFormatter } =
  await import("@logtape/logtape").catch((cause: Error) => {
    throw new Error(
      `Cannot import spawnkit/logging: it needs the package @logtape/logtape (npm install @logtape/logtape): ${cause.message}`,
      { cause },
    );
  });

/** A record's level, as LogTape names them, lowest first. */
export type LogLevel = "trace" | "debug" | "info" | "warning" | "error" | "fatal";

/** How log records are written. */
export type LogFormat = "pretty" | "json";

/** The levels, lowest first. */
export const LOG_LEVELS: readonly LogLevel[] = ["trace", "debug", "info", "warning", "error", "fatal"];

/** The formats. */
export const LOG_FORMATS: readonly LogFormat[] = ["pretty", "json"];

/** Options of {@linkcode configureLogging}. */
export interface LoggingOptions {
  /** The lowest level written. @default {"info"} */
  level?: LogLevel;
  /**
   * `pretty`: one line per record, time, level, category and message (with
   * colors when `color` is on). `json`: one JSON object per line, with
   * `@timestamp`, `level`, `message` (the template, such as "connection {id}
   * closed: {reason}"), `logger` and `properties` (errors with name, message
   * and stack).
   * @default {"pretty"}
   */
  format?: LogFormat;
  /** ANSI colors in `pretty`. @default {true when stdout is a terminal and NO_COLOR is unset} */
  color?: boolean;
  /** The category configured (and returned as a logger); give it to `serve({ logger })`. @default {"spawnkit"} */
  category?: string;
}

/**
 * Configures LogTape to write the `category` logger (and its children) to the
 * console, and returns that logger. Records of `info` and below go to stdout,
 * `warning` and above to stderr (console.info / console.warn). Calling it again
 * replaces the configuration.
 *
 * @throws {TypeError} an unknown level or format.
 * @example JSON lines with the connection's id and remote address
 * ```ts
 * import assert from "node:assert/strict";
 * import { configureLogging } from "spawnkit/logging";
 * import { reset } from "@logtape/logtape";
 * const lines: string[] = [];
 * const info = console.info;
 * console.info = (line: string) => void lines.push(line);
 * try {
 *   const logger = await configureLogging({ level: "debug", format: "json" });
 *   logger.info("connection {id} from {remote} opened", { id: 1, remote: "127.0.0.1:5000" });
 * } finally {
 *   console.info = info;
 *   await reset();
 * }
 * const record = JSON.parse(lines[0]!);
 * assert.equal(record.properties.id, 1);
 * assert.equal(record.properties.remote, "127.0.0.1:5000");
 * ```
 */
export async function configureLogging(options: LoggingOptions = {}): Promise<Logger> {
  const level = options.level ?? "info";
  const format = options.format ?? "pretty";
  const category = options.category ?? "spawnkit";
  if (!LOG_LEVELS.includes(level)) {
    throw new TypeError(`Cannot configure logging: level "${level}" is not one of ${LOG_LEVELS.join(", ")}`);
  }
  if (!LOG_FORMATS.includes(format)) {
    throw new TypeError(`Cannot configure logging: format "${format}" is not one of ${LOG_FORMATS.join(", ")}`);
  }
  const color = options.color ?? (process.stdout.isTTY === true && !process.env.NO_COLOR);
  const formatter = format === "json"
    // The template, not the rendered text, as the message: it stays the same for every record of its kind (group by
    // it), the values are in `properties`, and an error rendered into the text would read "{}".
    ? getJsonLinesFormatter({ message: "template" })
    // Strings bare ("listening on 127.0.0.1:7000", not quoted), their line breaks escaped so that no
    // peer's bytes can forge a line; other values as the runtime inspects them.
    : color
    ? getAnsiColorFormatter({ timestamp: "date-time-tz", value: "bare" })
    : getTextFormatter({ timestamp: "date-time-tz", value: "bare" });
  await configure({
    reset: true,
    sinks: { console: getConsoleSink({ formatter }) },
    loggers: [
      { category: [category], lowestLevel: level, sinks: ["console"] },
      // LogTape's own notices (a sink failing, say); its "configured" notice is info and stays quiet.
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["console"] },
    ],
  });
  return getLogger([category]);
}
