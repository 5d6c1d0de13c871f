/**
 * One node of bench/cluster_scale.ts, in a process of its own so that its
 * memory and CPU are its own: `deno run -A --v8-flags=--expose-gc
 * bench/_scale_node.ts nats|redis URL EXPECTED SECONDS`. It joins the
 * cluster with no connection of its own, prints how long until its
 * `server.size` reads EXPECTED (the late join), then holds for SECONDS and
 * prints its CPU and memory over that time as one JSON line.
 *
 * @module
 */
import process from "node:process";
import { claimNode, joinCluster, memoryTransport, serve, silentLogger } from "../mod.ts";
import { connectNatsBus } from "../src/edges/nats/nats.ts";
import { connectRedisBus } from "../src/edges/redis/redis.ts";

const [engine, url, expectedText, secondsText] = process.argv.slice(2);
const expected = Number(expectedText);
const seconds = Number(secondsText);
const gc = (globalThis as { gc?: () => void }).gc;

function heapMb(): number {
  gc?.();
  return process.memoryUsage().heapUsed / 1e6;
}

const bus = engine === "nats"
  ? await connectNatsBus({ servers: url!, logger: silentLogger })
  : await connectRedisBus({ url: url!, logger: silentLogger });
const node = await claimNode(bus);
const heapBefore = heapMb();
const started = performance.now();
const cluster = joinCluster({ bus, node, logger: silentLogger });
const server = await serve({ port: 0, logger: silentLogger, cluster, transport: memoryTransport() }, async () => {});
while (server.size !== expected) {
  if (performance.now() - started > 60_000) throw new Error(`size ${server.size}, not ${expected}, after 60 s`);
  await new Promise((resolve) => setTimeout(resolve, 1));
}
const joinMs = performance.now() - started;
const cpuBefore = process.cpuUsage();
const wallBefore = performance.now();
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
const cpu = process.cpuUsage(cpuBefore);
const wall = performance.now() - wallBefore;
console.log(JSON.stringify({
  node,
  joinMs,
  size: server.size,
  nodes: cluster.nodes().length,
  cpuPercent: ((cpu.user + cpu.system) / 1000) / wall * 100,
  heapMb: heapMb() - heapBefore,
  rssMb: process.memoryUsage().rss / 1e6,
  busReceived: bus.stats.received,
}));
await server.shutdown({ timeout: 1 });
await bus.close();
process.exit(0);
