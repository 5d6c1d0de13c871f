/**
 * The CSV server table: the original's `server_csv:get_my_port()`. One row per
 * server, a header row naming the columns; a loader picks this server's row and
 * turns it into typed options for `serve()`. An edge: the core never imports it.
 *
 * ```
 * id,host,port,packet,max_frame_size,idle_timeout,max_connections
 * gate-1,127.0.0.1,7000,4,262144,30,10000
 * gate-2,0.0.0.0,7001,2,,,
 * ```
 *
 * Every bad value is a {@linkcode ServerTableError} that names the file, line,
 * column and value, raised before anything listens. An empty cell in an
 * optional column means "the default".
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import {
  DEFAULT_HIGH_WATER_MARK,
  describeNumber,
  NUMBER_OPTIONS,
  type NumberOption,
  parseNumber,
} from "../../_internal.ts";
import { ServerTableError } from "./server_table_error.ts";
// csv-parse is an optional peer dependency of the npm package: without it, say which package to install.
const { CsvError, parse } = await import("csv-parse/sync").catch((cause: Error) => {
  throw new Error(
    `Cannot import spawnkit/config: it needs the package csv-parse (npm install csv-parse): ${cause.message}`,
    { cause },
  );
});

export { ServerTableError };

/** What a row of the server table sets: a subset of `ServeOptions` (seconds for timeouts). */
export interface ServerTableOptions {
  /** `port` column: 0 to 65535. */
  port: number;
  /** `host` column: the address to bind. */
  hostname: string;
  /** `packet` column: 1, 2 or 4. */
  packet?: 1 | 2 | 4;
  /** `max_frame_size` column, bytes. */
  maxFrameSize?: number;
  /** `high_water_mark` column, bytes. */
  highWaterMark?: number;
  /** `low_water_mark` column, bytes; not above the high-water mark. */
  lowWaterMark?: number;
  /** `mailbox_capacity` column, messages. */
  mailboxCapacity?: number;
  /** `idle_timeout` column, seconds. */
  idleTimeout?: number;
  /** `first_frame_timeout` column, seconds. */
  firstFrameTimeout?: number;
  /** `max_bytes_per_sec` column. */
  maxBytesPerSecond?: number;
  /** `max_frames_per_sec` column. */
  maxFramesPerSecond?: number;
  /** `max_connections` column. */
  maxConnections?: number;
  /** `max_connections_per_address` column. */
  maxConnectionsPerAddress?: number;
  /** `rate_limit_policy` column: close or pause. */
  rateLimitPolicy?: "close" | "pause";
  /** `slow_consumer` column: disconnect or drop. */
  slowConsumer?: "disconnect" | "drop";
}

/** One server's row. */
export interface ServerTableRow {
  /** The `id` column. */
  readonly id: string;
  /** The line the row starts on (1 is the header). */
  readonly line: number;
  /** The options the row sets. */
  readonly options: ServerTableOptions;
}

/** A loaded table: rows by id, in file order. */
export interface ServerTable {
  /** The file it was read from (or the name given to {@linkcode parseServerTable}). */
  readonly file: string;
  /** The rows, by id. */
  readonly rows: ReadonlyMap<string, ServerTableRow>;
}

type Check = (text: string) => number | string | undefined;

/** A column that sets a numeric option: checked by the core's own rule for that option. */
const numeric = <O extends NumberOption & keyof ServerTableOptions>(
  option: O,
): { option: O; check: Check; expected: string } => ({
  option,
  check: (text) => parseNumber(option, text),
  expected: describeNumber(NUMBER_OPTIONS[option]),
});
const choice = (...choices: string[]): Check => (text) => choices.includes(text) ? text : undefined;

/** Each column: the option it sets, how its text is checked, and what a good value is. */
const COLUMNS: Record<string, { option: keyof ServerTableOptions | "id"; check: Check; expected: string }> = {
  id: { option: "id", check: (text) => text, expected: "a name" },
  host: { option: "hostname", check: (text) => text, expected: "an address" },
  port: numeric("port"),
  packet: { option: "packet", check: (text) => choice("1", "2", "4")(text) && Number(text), expected: "1, 2 or 4" },
  max_frame_size: numeric("maxFrameSize"),
  high_water_mark: numeric("highWaterMark"),
  low_water_mark: numeric("lowWaterMark"),
  mailbox_capacity: numeric("mailboxCapacity"),
  idle_timeout: numeric("idleTimeout"),
  first_frame_timeout: numeric("firstFrameTimeout"),
  max_bytes_per_sec: numeric("maxBytesPerSecond"),
  max_frames_per_sec: numeric("maxFramesPerSecond"),
  max_connections: numeric("maxConnections"),
  max_connections_per_address: numeric("maxConnectionsPerAddress"),
  rate_limit_policy: { option: "rateLimitPolicy", check: choice("close", "pause"), expected: "close or pause" },
  slow_consumer: { option: "slowConsumer", check: choice("disconnect", "drop"), expected: "disconnect or drop" },
};
const REQUIRED = ["id", "host", "port"];

/**
 * Parses a server table from CSV text (a UTF-8 BOM, CRLF line ends, quoted
 * cells and blank lines are fine; cells are trimmed).
 *
 * @param text The CSV text.
 * @param file The name used in error messages.
 * @throws {ServerTableError} an unknown or missing column, a duplicate id, a bad value, bad CSV.
 * @example A table of two servers
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseServerTable } from "spawnkit/config";
 * const table = parseServerTable("id,host,port,idle_timeout\r\na,127.0.0.1,7000,30\r\nb,0.0.0.0,7001,\r\n");
 * const a = table.rows.get("a")!;
 * assert.equal(a.options.port, 7000);
 * assert.equal(a.options.idleTimeout, 30);
 * assert.equal(a.line, 2);
 * assert.ok(!("idleTimeout" in table.rows.get("b")!.options), "an empty cell means the default");
 * ```
 */
export function parseServerTable(text: string, file = "<server table>"): ServerTable {
  let records: Array<{ record: string[]; info: { lines: number; empty_lines: number } }>;
  try {
    records = parse(text, {
      bom: true,
      info: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as unknown as typeof records;
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    throw new ServerTableError({ file, line: error.lines as number }, `bad CSV: ${error.message}`, { cause: error });
  }
  const [head, ...body] = records;
  if (head === undefined) throw new ServerTableError({ file, line: 1 }, "no header row");
  const header = head.record;
  header.forEach((name, index) => {
    const where = { file, line: 1, column: name, columnNumber: index + 1, value: name };
    if (!(name in COLUMNS)) {
      throw new ServerTableError(where, `unknown column "${name}" (known: ${Object.keys(COLUMNS).join(", ")})`);
    }
    if (header.indexOf(name) !== index) throw new ServerTableError(where, `column "${name}" appears twice`);
  });
  for (const name of REQUIRED) {
    if (!header.includes(name)) {
      throw new ServerTableError({ file, line: 1, column: name }, `missing required column "${name}"`);
    }
  }

  const rows = new Map<string, ServerTableRow>();
  let previous = head.info;
  for (const { record, info } of body) {
    // A row starts after the last one ended and after the blank lines skipped since.
    const line = previous.lines + 1 + (info.empty_lines - previous.empty_lines);
    previous = info;
    const row = rowOf(record, header, { file, line });
    const first = rows.get(row.id);
    if (first !== undefined) {
      throw new ServerTableError(
        { file, line, column: "id", columnNumber: header.indexOf("id") + 1, value: row.id },
        `duplicate id "${row.id}" (first on line ${first.line})`,
      );
    }
    rows.set(row.id, row);
  }
  return { file, rows };
}

function rowOf(record: string[], header: string[], at: { file: string; line: number }): ServerTableRow {
  if (record.length > header.length) {
    const value = record[header.length]!;
    throw new ServerTableError(
      { ...at, column: `#${header.length + 1}`, value },
      `"${value}" is past the last column (the header has ${header.length} columns)`,
    );
  }
  const values: Record<string, number | string> = {};
  header.forEach((name, index) => {
    const text = record[index];
    const where = { ...at, column: name, columnNumber: index + 1, value: text };
    if (text === undefined) {
      throw new ServerTableError(where, `missing (the row has ${record.length} of ${header.length} columns)`);
    }
    if (text === "") {
      if (REQUIRED.includes(name)) throw new ServerTableError(where, `"" is empty; ${name} is required`);
      return;
    }
    const { option, check, expected } = COLUMNS[name]!;
    const value = check(text);
    if (value === undefined) throw new ServerTableError(where, `"${text}" is not ${expected}`);
    values[option] = value;
  });
  const { id, ...options } = values as unknown as ServerTableOptions & { id: string };
  const low = options.lowWaterMark;
  const high = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  if (low !== undefined && low > high) {
    const index = header.indexOf("low_water_mark");
    throw new ServerTableError(
      { ...at, column: "low_water_mark", columnNumber: index + 1, value: record[index] },
      `"${low}" is above the high-water mark ${high}`,
    );
  }
  return { id, line: at.line, options };
}

/**
 * Reads and parses a server table file (UTF-8).
 *
 * @throws {ServerTableError} the file cannot be read, or is bad (see {@linkcode parseServerTable}).
 * @example Loading a table from a file
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtemp, rm, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { loadServerTable } from "spawnkit/config";
 * const dir = await mkdtemp(join(tmpdir(), "table-"));
 * await writeFile(join(dir, "servers.csv"), "id,host,port\ngate,127.0.0.1,7000\n");
 * const table = await loadServerTable(join(dir, "servers.csv"));
 * assert.equal(table.rows.get("gate")?.options.port, 7000);
 * await rm(dir, { recursive: true });
 * ```
 */
export async function loadServerTable(path: string): Promise<ServerTable> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ServerTableError({ file: path }, `cannot read it: ${(error as Error).message}`, { cause: error });
  }
  return parseServerTable(text, path);
}

/**
 * Loads the table at `path` and returns the options of server `id`.
 *
 * @throws {ServerTableError} a bad table, or no row with this id.
 * @example Options for one server, flags on top
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtemp, rm, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { serverOptionsFromTable } from "spawnkit/config";
 * const dir = await mkdtemp(join(tmpdir(), "table-"));
 * await writeFile(join(dir, "servers.csv"), "id,host,port,packet\ngate,127.0.0.1,7000,2\n");
 * const options = { ...await serverOptionsFromTable(join(dir, "servers.csv"), "gate"), port: 0 };
 * assert.equal(options.packet, 2);
 * assert.equal(options.port, 0);
 * await rm(dir, { recursive: true });
 * ```
 */
export async function serverOptionsFromTable(path: string, id: string): Promise<ServerTableOptions> {
  const table = await loadServerTable(path);
  const row = table.rows.get(id);
  if (row === undefined) {
    const ids = [...table.rows.keys()].join(", ") || "none";
    throw new ServerTableError({ file: path, column: "id", value: id }, `no row has id "${id}" (ids: ${ids})`);
  }
  return row.options;
}
