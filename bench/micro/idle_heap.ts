/**
 * What holds the JS heap of an idle connection on Deno: serves the echo (the
 * `for await` loop, or with `--callbacks` the callback shape) in this
 * process, opens N idle connections from a child process (each echoed once,
 * _idle_clients.ts), and diffs two V8 heap snapshots (after a GC, before and
 * with the connections) by constructor: count and bytes per connection.
 * External memory (ArrayBuffer backing stores) and RSS per connection are
 * printed beside it.
 *
 *   deno run -A --v8-flags=--expose-gc bench/micro/idle_heap.ts [--callbacks] [--conns 2000]
 *
 * @module
 */
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import process from "node:process";
import { createInterface } from "node:readline";
import v8 from "node:v8";
import { type CallbackHandler, type Connection, serve, silentLogger } from "../../mod.ts";

const callbacks = process.argv.includes("--callbacks");
const at = process.argv.indexOf("--conns");
const conns = at < 0 ? 2000 : Number(process.argv[at + 1]);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("Cannot collect garbage: run with --v8-flags=--expose-gc");

const echo: CallbackHandler = { frame: (conn, frame) => conn.sendOwned(frame) };
const loop = async (conn: Connection) => {
  for await (const frame of conn) await conn.send(frame);
};
const server = await serve({ port: 0, logger: silentLogger }, callbacks ? echo : loop);

/** Self size and count by node type and name, from a heap snapshot taken now (after a GC). */
function census(): Map<string, { count: number; bytes: number }> {
  gc!();
  gc!();
  const file = v8.writeHeapSnapshot(`/tmp/idle_heap_${process.pid}.heapsnapshot`);
  const snapshot = JSON.parse(readFileSync(file, "utf8"));
  rmSync(file);
  const fields: string[] = snapshot.snapshot.meta.node_fields;
  const types: string[] = snapshot.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ["type", "name", "self_size"].map((f) => fields.indexOf(f));
  const nodes: number[] = snapshot.nodes;
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < nodes.length; i += fields.length) {
    const type = types[nodes[i + typeAt!]!]!;
    const name = type === "object" || type === "closure" || type === "native"
      ? snapshot.strings[nodes[i + nameAt!]!]
      : "";
    const key = `${type} ${String(name).slice(0, 60)}`;
    const entry = out.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += nodes[i + sizeAt!]!;
    out.set(key, entry);
  }
  return out;
}

function memory() {
  gc!();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external, rss: m.rss };
}

const child = spawn(Deno.execPath(), [
  "run",
  "-A",
  new URL("./_idle_clients.ts", import.meta.url).pathname,
  `${server.addr.port}`,
  "1",
], { stdio: ["pipe", "pipe", "inherit"] });
await new Promise((resolve) => createInterface({ input: child.stdout! }).once("line", resolve));
child.stdin!.end();
const before = census();
const memBefore = memory();
const clients = spawn(Deno.execPath(), [
  "run",
  "-A",
  new URL("./_idle_clients.ts", import.meta.url).pathname,
  `${server.addr.port}`,
  `${conns}`,
], { stdio: ["pipe", "pipe", "inherit"] });
const line = await new Promise<string>((resolve) => createInterface({ input: clients.stdout! }).once("line", resolve));
if (line !== "ready") throw new Error(`Cannot measure: ${line}`);
// Idle a little, as the bench's idle scenario (the ticker trims outboxes).
await new Promise((resolve) => setTimeout(resolve, 2500));
const after = census();
const memAfter = memory();
const per = (a: number, b: number) => ((b - a) / conns).toFixed(1);
console.log(`${callbacks ? "callbacks" : "for await loop"}, ${conns} idle connections (server.size ${server.size})`);
console.log(
  `per connection: JS heap ${per(memBefore.heap, memAfter.heap)} B, external ${
    per(memBefore.external, memAfter.external)
  } B, RSS ${per(memBefore.rss, memAfter.rss)} B`,
);
const rows = [...after].map(([key, a]) => {
  const b = before.get(key) ?? { count: 0, bytes: 0 };
  return { key, count: (a.count - b.count) / conns, bytes: (a.bytes - b.bytes) / conns };
}).filter((r) => Math.abs(r.bytes) >= 4).sort((x, y) => y.bytes - x.bytes);
let total = 0;
for (const r of rows) total += r.bytes;
console.log(`heap snapshot, grown per connection: ${total.toFixed(0)} B in all`);
for (const r of rows.slice(0, 40)) {
  console.log(`${r.bytes.toFixed(1).padStart(8)} B  ${r.count.toFixed(2).padStart(6)} x  ${r.key}`);
}
clients.stdin!.end();
await server.shutdown({ timeout: 1 });
process.exit(0);
