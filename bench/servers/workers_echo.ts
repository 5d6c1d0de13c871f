/**
 * The echo server of bench/workers.ts: `serveWorkers()` with N workers on
 * one port, each printing its thread id, then the bench's ready line.
 *
 *   deno run -A bench/servers/workers_echo.ts --workers 2
 *
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { silentLogger } from "../../mod.ts";
import { serveWorkers } from "../../src/edges/workers/workers.ts";

const { values } = parseArgs({ args: process.argv.slice(2), options: { workers: { type: "string", default: "1" } } });
const set = await serveWorkers({
  module: new URL("./_workers_echo_module.ts", import.meta.url),
  workers: Number(values.workers),
  logger: silentLogger,
});
console.log(`listening on 127.0.0.1:${set.addr.port} pid=${process.pid}`);
process.on("SIGTERM", () => void set.shutdown({ timeout: 1 }).then(() => process.exit(0)));
