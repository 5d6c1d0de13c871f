/**
 * What an idle connection holds on Bun, by JavaScriptCore's own count: serves
 * the echo (the `for await` loop, or with `--callbacks` the callback shape) in
 * this process, opens N idle connections from a child process (each echoed
 * once, _idle_clients.ts), and diffs Bun's `heapStats()` (after a full GC,
 * before and with the connections): live objects by type and heap bytes per
 * connection. The counterpart of idle_heap.ts, which diffs V8 heap snapshots
 * on Deno.
 *
 *   bun bench/micro/idle_objects.ts [--callbacks] [--conns 2000]
 *
 * @module
 */
import { spawn } from "node:child_process";
import process from "node:process";
import { createInterface } from "node:readline";
import { type CallbackHandler, type Connection, serve, silentLogger } from "../../mod.ts";

interface HeapStats {
  heapSize: number;
  objectCount: number;
  objectTypeCounts: Record<string, number>;
}
const bun = (globalThis as { Bun?: { gc(full: boolean): void } }).Bun;
if (bun === undefined) throw new Error("Cannot count objects: run it with bun");
// Named at run time: bun:jsc exists only on Bun, and the type checkers of the other runtimes do not know it.
const jsc = await import(["bun", "jsc"].join(":")) as { heapStats(): HeapStats };

const callbacks = process.argv.includes("--callbacks");
const at = process.argv.indexOf("--conns");
const conns = at < 0 ? 2000 : Number(process.argv[at + 1]);
const echo: CallbackHandler = { frame: (conn, frame) => conn.sendOwned(frame) };
const loop = async (conn: Connection) => {
  for await (const frame of conn) await conn.send(frame);
};
const server = await serve({ port: 0, logger: silentLogger }, callbacks ? echo : loop);

function stats(): HeapStats {
  bun!.gc(true);
  bun!.gc(true);
  return jsc.heapStats();
}

const before = stats();
const clients = spawn(process.execPath, [
  new URL("./_idle_clients.ts", import.meta.url).pathname,
  `${server.addr.port}`,
  `${conns}`,
], { stdio: ["pipe", "pipe", "inherit"] });
const line = await new Promise<string>((resolve) => createInterface({ input: clients.stdout! }).once("line", resolve));
if (line !== "ready") throw new Error(`Cannot measure: ${line}`);
// Idle a little, as the bench's idle scenario (the ticker trims outboxes and spare buffers).
await new Promise((resolve) => setTimeout(resolve, 2500));
const after = stats();
const per = (a: number, b: number) => ((b - a) / conns).toFixed(1);
console.log(`${callbacks ? "callbacks" : "for await loop"}, ${conns} idle connections (server.size ${server.size})`);
console.log(
  `per connection: ${per(before.objectCount, after.objectCount)} live objects, ${
    per(before.heapSize, after.heapSize)
  } B of heap`,
);
const rows = Object.entries(after.objectTypeCounts)
  .map(([type, count]) => ({ type, count: (count - (before.objectTypeCounts[type] ?? 0)) / conns }))
  .filter((row) => Math.abs(row.count) >= 0.5)
  .sort((x, y) => y.count - x.count);
for (const row of rows) console.log(`${row.count.toFixed(2).padStart(8)} x  ${row.type}`);
clients.stdin!.end();
await server.shutdown({ timeout: 1 });
process.exit(0);
