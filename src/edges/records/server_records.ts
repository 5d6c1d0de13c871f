/**
 * Server records: one CSV row with the server's figures every N seconds (and
 * one last row at close), appended as connection records are (see
 * `_csv_append.ts`).
 *
 * @module
 */
import { setInterval } from "node:timers";
import { escapingLogger, type Logger, type Server } from "../../../mod.ts";
import { type Cell, CsvAppendFile } from "./_csv_append.ts";

/** The columns of a server record, in file order. */
export const SERVER_RECORD_COLUMNS = [
  "time",
  "active",
  "accepted",
  "closed",
  "closed_by_reason",
  "refused",
  "bytes_in",
  "bytes_out",
  "frames_dropped",
] as const;

/** The default `every`, in seconds between rows. */
const DEFAULT_RECORD_INTERVAL = 10;

/** Options of {@linkcode openServerRecords}. */
export interface ServerRecordsOptions {
  /** Seconds between rows once `watch()` is called. @default {10} */
  every?: number;
  /** Where a failed write is logged (the row is lost, the next one is tried). @default warnings and errors to the console */
  logger?: Logger;
}

/** An open server records file, returned by {@linkcode openServerRecords}. */
export interface ServerRecords extends Disposable {
  /** The file's path. */
  readonly path: string;
  /** Starts writing a row of `server.stats` every `every` seconds (a server, or a set of workers). */
  watch(server: Pick<Server, "stats">): void;
  /** Writes a row now. @throws {Error} not watching a server, or closed. */
  record(): void;
  /** Writes a last row (when watching), stops the timer and closes the file. */
  close(): void;
}

/** Counts as "reason=count" pairs, sorted by reason, space-separated. */
function countsText(counts: Readonly<Record<string, number | undefined>>): string {
  return Object.entries(counts).filter(([, n]) => n).sort(([a], [b]) => a < b ? -1 : 1)
    .map(([reason, n]) => `${reason}=${n}`).join(" ");
}

// The longest period, in seconds: setInterval holds at most 2^31 - 1 milliseconds.
const MAX_EVERY = 2_147_483;

/**
 * Opens (or creates) a server records file. Call `watch(server)` once the
 * server listens; rows come every `every` seconds until `close()`. Each row
 * reads `server.stats`, which walks the open connections for their live bytes:
 * O(open connections) every `every` seconds.
 *
 * @throws {RangeError} `every` is not a positive number of seconds.
 * @throws {Error} the file cannot be opened, or it has another header.
 * @example One row about a server
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { serve, silentLogger } from "spawnkit";
 * import { readRecords } from "spawnkit/records";
 * import { openServerRecords } from "spawnkit/records";
 *
 * const dir = await mkdtemp(join(tmpdir(), "stats-"));
 * const records = openServerRecords(join(dir, "stats.csv"), { every: 60 });
 * const server = await serve({ port: 0, logger: silentLogger }, () => {});
 * records.watch(server);
 * records.close(); // writes the last row
 * await server.shutdown();
 * const rows = await readRecords(join(dir, "stats.csv"));
 * assert.equal(rows.length, 1);
 * assert.equal(rows[0]!.accepted, "0");
 * await rm(dir, { recursive: true });
 * ```
 */
export function openServerRecords(path: string, options: ServerRecordsOptions = {}): ServerRecords {
  const every = options.every ?? DEFAULT_RECORD_INTERVAL;
  // setInterval holds at most 2^31 - 1 ms: a longer period would write a row every millisecond.
  if (!(every > 0) || !(every <= MAX_EVERY)) {
    throw new RangeError(
      `Cannot write server records every ${every} seconds: must be a positive number of seconds up to ${MAX_EVERY}`,
    );
  }
  const file = new CsvAppendFile(path, SERVER_RECORD_COLUMNS);
  let server: Pick<Server, "stats"> | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;

  const row = (watched: Pick<Server, "stats">): Cell[] => {
    const stats = watched.stats;
    const closed = Object.values(stats.closedByReason).reduce((sum: number, n) => sum + (n ?? 0), 0);
    return [
      new Date().toISOString(),
      stats.active,
      stats.accepted,
      closed,
      countsText(stats.closedByReason),
      countsText(stats.refused),
      stats.bytesIn,
      stats.bytesOut,
      stats.framesDropped,
    ];
  };
  const record = () => {
    if (server === undefined) throw new Error(`Cannot write a server record to ${path}: no server watched`);
    file.append([row(server)]);
  };
  const close = () => {
    if (!file.open) return;
    clearInterval(timer);
    if (server !== undefined) record();
    file.close();
  };

  return {
    path,
    watch(watched) {
      server = watched;
      clearInterval(timer);
      timer = setInterval(() => {
        try {
          record();
        } catch (error) {
          // A failing disk must not take the server down; the row is lost and the next tick tries again.
          escapingLogger(options.logger).error("server records: {error}", { error });
        }
      }, every * 1000);
      // The records never keep a process alive by themselves.
      timer.unref();
    },
    record,
    close,
    [Symbol.dispose]: close,
  };
}
