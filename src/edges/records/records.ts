/**
 * Records, an edge of spawnkit (`spawnkit/records`): one CSV row per ended
 * connection, a periodic CSV row of server figures, and a reader for both.
 * Written and read with csv-stringify / csv-parse; mod.ts never imports it.
 *
 * @example Connection and server records for one server
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { serve, silentLogger } from "spawnkit";
 * import { openConnectionRecords, openServerRecords, readRecords } from "spawnkit/records";
 *
 * const dir = await mkdtemp(join(tmpdir(), "records-"));
 * const connections = openConnectionRecords(join(dir, "connections.csv"));
 * const stats = openServerRecords(join(dir, "stats.csv"), { every: 1 });
 * const server = await serve(
 *   { port: 0, logger: silentLogger, onConnectionEnd: connections.onConnectionEnd },
 *   () => {},
 * );
 * stats.watch(server);
 * await server.shutdown();
 * stats.close();
 * connections.close();
 * assert.equal((await readRecords(join(dir, "stats.csv"))).length, 1);
 * await rm(dir, { recursive: true });
 * ```
 *
 * @module
 */
export * from "./connection_records.ts";
export * from "./server_records.ts";
export * from "./read_records.ts";
