/**
 * Connection records: one CSV row per ended connection, the original's
 * save_on_end. Plug the sink into `serve()`'s `onConnectionEnd`.
 *
 * Each row is written to the file the moment its connection ends, in one
 * `write()` of a whole line (measured: 1 to 4 µs a row including the CSV
 * formatting, on Deno and Bun), so killing the server, even with kill -9,
 * loses no row of a connection that had ended. See `_csv_append.ts` for the
 * rules that keep a half-written last line from corrupting the file.
 *
 * @module
 */
import type { ConnectionStats } from "../../../mod.ts";
import { formatAddress } from "../../_internal.ts";
import { type Cell, CsvAppendFile } from "./_csv_append.ts";

export type { Cell };

/** The columns of a connection record, in file order. */
export const CONNECTION_RECORD_COLUMNS = [
  "id",
  "remote",
  "opened_at",
  "closed_at",
  "duration_ms",
  "bytes_in",
  "bytes_out",
  "frames_in",
  "frames_out",
  "frames_dropped",
  "close_reason",
  "error",
] as const;

/**
 * The row of one ended connection, in {@linkcode CONNECTION_RECORD_COLUMNS}
 * order: times as ISO 8601 UTC, the error as "Name: message" (empty if none).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectionRecordOf } from "spawnkit/records";
 * const address = { hostname: "127.0.0.1", port: 5000 };
 * const row = connectionRecordOf({
 *   id: 7, remoteAddr: address, localAddr: address, openedAt: 0, closedAt: 1500, durationMs: 1500,
 *   bytesIn: 10, bytesOut: 20, framesIn: 1, framesOut: 2, framesDropped: 0, messagesIn: 0,
 *   messagesDropped: 0, outboxBytes: 0, outboxPeak: 0, closeReason: "peer-closed", error: undefined,
 * });
 * assert.equal(row.join(), "7,127.0.0.1:5000,1970-01-01T00:00:00.000Z,1970-01-01T00:00:01.500Z,1500,10,20,1,2,0,peer-closed,");
 * ```
 */
export function connectionRecordOf(stats: ConnectionStats): Cell[] {
  return [
    stats.id,
    // The kit's one way to write an address: an IPv6 host in brackets, so the port cannot be read as part of it.
    formatAddress(stats.remoteAddr),
    new Date(stats.openedAt).toISOString(),
    new Date(stats.closedAt ?? Date.now()).toISOString(),
    stats.durationMs,
    stats.bytesIn,
    stats.bytesOut,
    stats.framesIn,
    stats.framesOut,
    stats.framesDropped,
    stats.closeReason ?? "",
    errorText(stats.error),
  ];
}

/** An error as one short text: "Name: message", or its string form. */
export function errorText(error: unknown): string {
  if (error === undefined || error === null) return "";
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** An open connection records file, returned by {@linkcode openConnectionRecords}. */
export interface ConnectionRecords extends Disposable {
  /** The file's path. */
  readonly path: string;
  /** Appends the row of an ended connection; pass it as `serve()`'s `onConnectionEnd`. */
  readonly onConnectionEnd: (stats: ConnectionStats) => void;
  /** Closes the file; later rows are refused with an error. */
  close(): void;
}

/**
 * Opens (or creates) a connection records file and returns the sink. A new or
 * empty file gets the header; an existing one is appended to, after its
 * partial last line (if any) is cut off.
 *
 * @throws {Error} the file cannot be opened, or it has another header.
 * @example Records of a real connection
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { connect, serve, silentLogger } from "spawnkit";
 * import { openConnectionRecords } from "spawnkit/records";
 * import { readRecords } from "spawnkit/records";
 *
 * const dir = await mkdtemp(join(tmpdir(), "records-"));
 * const records = openConnectionRecords(join(dir, "connections.csv"));
 * const server = await serve({ port: 0, logger: silentLogger, onConnectionEnd: records.onConnectionEnd }, () => {});
 * const client = await connect({ port: server.addr.port, logger: silentLogger });
 * for await (const _ of client); // the handler returns at once, so the server closes the connection
 * await server.shutdown(); // the sink is synchronous: its row is written by now
 * records.close();
 * const rows = await readRecords(join(dir, "connections.csv"));
 * assert.equal(rows.length, 1);
 * assert.equal(rows[0]!.close_reason, "closed");
 * await rm(dir, { recursive: true });
 * ```
 */
export function openConnectionRecords(path: string): ConnectionRecords {
  const file = new CsvAppendFile(path, CONNECTION_RECORD_COLUMNS);
  return {
    path,
    onConnectionEnd: (stats) => file.append([connectionRecordOf(stats)]),
    close: () => file.close(),
    [Symbol.dispose]: () => file.close(),
  };
}
