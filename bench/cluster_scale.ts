/**
 * The cluster at scale: what one node pays for the rest of the fleet, and how
 * long a node that joins late takes to count it. Writes its section of
 * bench/CLUSTER.md (after bench/cluster.ts's).
 *
 *   deno run -A bench/cluster_scale.ts [--engines nats,redis] [--fleet 0,10,50,100] [--per-node 100000]
 *     [--deltas 20] [--late 19200,100000] [--seconds 5]
 *
 * - The fleet: the node measured (bench/_scale_node.ts, a process of its own,
 *   Deno) joins an engine beside K simulated nodes of `--per-node`
 *   connections each, which say hello, answer snapshot requests (a count and
 *   10 rooms), report every second and publish `--deltas` count changes a
 *   second each (a node's accepts and ends, one delta per event-loop turn).
 *   The node's CPU (user + system, % of one core) and heap (after a GC, above
 *   what it held before joining) over `--seconds`.
 * - The late join: a node of this process holds N real connections (memory
 *   transport); the measured node starts afterwards; the time from its
 *   `joinCluster()` until its `server.size` reads N.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import {
  type Bus,
  claimNode,
  joinCluster,
  memoryTransport,
  type RawSocket,
  serve,
  type ServerStats,
  silentLogger,
} from "../mod.ts";
import { connectNatsBus } from "../src/edges/nats/nats.ts";
import { connectRedisBus } from "../src/edges/redis/redis.ts";
import { type ClusterMessage, encodeMessage } from "../src/core/cluster/messages.ts";
import { BENCH_DIR, findRuntime, ROOT, versionOf } from "./_prepare.ts";
import { startEngine } from "./_engine.ts";
import { withScaleSection } from "./_scale_section.ts";

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: {
    engines: { type: "string", default: "nats,redis" },
    fleet: { type: "string", default: "0,10,50,100" },
    "per-node": { type: "string", default: "100000" },
    deltas: { type: "string", default: "20" },
    late: { type: "string", default: "19200,100000" },
    seconds: { type: "string", default: "5" },
    out: { type: "string", default: join(BENCH_DIR, "CLUSTER.md") },
  },
  strict: true,
});
const engines = flags.engines.split(",") as ("nats" | "redis")[];
const fleet = flags.fleet.split(",").map(Number);
const perNode = Number(flags["per-node"]);
const deltasPerSecond = Number(flags.deltas);
const lateSizes = flags.late.split(",").map(Number);
const seconds = Number(flags.seconds);
const deno = (await findRuntime("deno"))!;

interface NodeFigures {
  readonly joinMs: number;
  readonly cpuPercent: number;
  readonly heapMb: number;
  readonly rssMb: number;
  readonly busReceived: number;
}

/** Runs bench/_scale_node.ts until it prints its figures. */
function measureNode(engine: string, url: string, expected: number, holdSeconds: number): Promise<NodeFigures> {
  const child = spawn(
    deno,
    ["run", "-A", "--v8-flags=--expose-gc", "bench/_scale_node.ts", engine, url, String(expected), String(holdSeconds)],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (chunk) => output += chunk);
  child.stderr.on("data", (chunk) => output += chunk);
  return new Promise((resolve, reject) =>
    child.on("exit", (code) => {
      const line = output.split("\n").find((l) => l.startsWith("{"));
      if (code !== 0 || line === undefined) reject(new Error(`_scale_node.ts exited ${code}: ${output}`));
      else resolve(JSON.parse(line));
    })
  );
}

function connectBus(engine: string, url: string): Promise<Bus> {
  return engine === "nats"
    ? connectNatsBus({ servers: url, logger: silentLogger })
    : connectRedisBus({ url, logger: silentLogger });
}

const STATS: ServerStats = {
  accepted: 0,
  active: 0,
  refused: {},
  closedByReason: {},
  framesDropped: 0,
  bytesIn: 0,
  bytesOut: 0,
  messagesDropped: 0,
  acceptErrors: {},
  acceptPauses: 0,
};

/** K simulated nodes of `perNode` connections on one bus: hello, snapshots, reports, deltas. Returns a stop. */
function simulateFleet(bus: Bus, count: number): () => void {
  const rooms = Array.from({ length: 10 }, (_, i) => [`room-${i}`, Math.floor(perNode / 10)] as const);
  const nodes = Array.from({ length: count }, (_, i) => ({ node: 800_000 + i, seq: 0, active: perNode }));
  const publish = (from: number, message: ClusterMessage) => bus.publish("spawnkit.all", encodeMessage(from, message));
  const unsubscribe = nodes.map((sim) =>
    bus.subscribe(`spawnkit.node.${sim.node}`, (_payload, delivery) => {
      const snapshot: ClusterMessage = { kind: "snapshot", seq: sim.seq, active: sim.active, rooms };
      delivery.reply?.(encodeMessage(sim.node, snapshot));
    })
  );
  for (const sim of nodes) publish(sim.node, { kind: "hello" });
  const report = setInterval(() => {
    for (const sim of nodes) {
      publish(sim.node, { kind: "report", seq: sim.seq, stats: { ...STATS, accepted: perNode, active: sim.active } });
    }
  }, 1000);
  // Accepts and ends: the count moves by one, back and forth, `deltasPerSecond` times a second per node.
  const churn = setInterval(() => {
    for (const sim of nodes) {
      sim.active = sim.active === perNode ? perNode + 1 : perNode;
      publish(sim.node, { kind: "delta", seq: ++sim.seq, active: sim.active });
      sim.active = perNode; // the next one ends it: the size the measured node waits for stays K × perNode
      publish(sim.node, { kind: "delta", seq: ++sim.seq, active: sim.active });
    }
  }, 2000 / Math.max(deltasPerSecond, 1));
  return () => {
    clearInterval(report);
    clearInterval(churn);
    for (const off of unsubscribe) off();
  };
}

/** What the figures mean, and the fleet on paper (they hold for this run's order of magnitude). */
const PAPER = `
**Before, for comparison**: the directory these counts replaced held every remote connection on every node, about 400
bytes and 5–11 µs each (measured with 100 000): 10 other nodes of 100 000 connections each cost a node about 400 MB,
and a node whose snapshot passed 1 MiB (about 18 000 connections) could not be joined late at all. Now the heap a node
holds for 100 other nodes of 100 000 connections each is under 1 MB above a node alone, about 5 KB per other node (its
last figures, its count, its rooms' sizes), whatever their connections; its CPU grows with the messages it reads (about
10 µs each here: 2 000 a second cost 2% of a core), not with the connections behind them. A late join reads one
snapshot per node (a count and the rooms), so 19 200 and 100 000 connections elsewhere take the same few milliseconds.

**Broadcast and post across nodes**: see the table above (bench/cluster.ts, 2 nodes on one machine): a broadcast
crosses once per node and is framed there for its own connections; a post is one message to one node.

**On paper: 20 machines of 16 cores, 1 000 000 connections.** With \`serveWorkers({ engine })\`, 320 nodes of about 3 125
connections each. What each node holds for the rest: 319 counts, figures and room-size tables, about 1.6 MB at the 5
KB per node above, plus about 100 bytes per (room, other node hosting it) pair: 1 000 rooms each spread over every node
would be about 32 MB, the one figure that grows with the fleet's shape rather than its size. What the engine carries,
with each node reporting every second (\`reportInterval\` 1) and sending at most 20 count deltas a second (one per 50 ms,
\`MIN_DELTA_GAP_MS\`, however fast it accepts; fewer when it accepts little), all on \`spawnkit.all\`:

| traffic                                    | published per second             | delivered per second (× 319 nodes) | bytes delivered per second |
| ------------------------------------------ | -------------------------------- | ---------------------------------- | -------------------------- |
| reports (about 400 B each)                 | 320                              | 102 000                            | about 41 MB                |
| count deltas at full churn (about 60 B)    | 6 400 (20 per node)              | 2.0 M                              | about 120 MB               |
| count deltas, 10 000 accepts/s fleet-wide  | at most 6 400 (31 accepts/node/s) | at most 2.0 M                      | at most 120 MB             |
| broadcast to all, B/s of P bytes           | B                                | 320 B (one per node)               | 320 × B × (P + 14)         |
| post or send to one connection             | 1 per post                       | 1                                  | P + 17                     |

So a broadcast of 200 bytes ten times a second costs the engine 3 200 deliveries and about 700 KB a second, and each
node writes it to its 3 125 connections itself. Each node reads about 6 700 messages a second of counts and reports at
full churn: about 7% of a core at the 10 µs per message measured above. The fan-out of counts (every node's changes to
every node) is the one cost that grows with the square of the nodes: for much larger fleets, raise \`reportInterval\` and
the delta gap, or group nodes under one cluster name per region (\`joinCluster({ name })\`).
`;

const fleetRows: string[] = [];
const lateRows: string[] = [];
for (const engine of engines) {
  const running = await startEngine(engine);
  try {
    for (const count of fleet) {
      const bus = await connectBus(engine, running.url);
      const stop = simulateFleet(bus, count);
      await bus.flush();
      const figures = await measureNode(engine, running.url, count * perNode, seconds);
      stop();
      await bus.close();
      console.log(engine, count, figures);
      fleetRows.push(
        `| ${engine} | ${count} | ${(count * perNode).toLocaleString("en")} | ${figures.cpuPercent.toFixed(1)} | ${
          figures.heapMb.toFixed(2)
        } | ${figures.rssMb.toFixed(0)} | ${(figures.busReceived / (seconds + figures.joinMs / 1000)).toFixed(0)} |`,
      );
    }
    for (const size of lateSizes) {
      const bus = await connectBus(engine, running.url);
      const transport = memoryTransport();
      const cluster = joinCluster({ bus, node: await claimNode(bus), logger: silentLogger });
      const server = await serve({ port: 0, logger: silentLogger, cluster, transport }, async (conn) => {
        for await (const _ of conn) { /* idle: reads, answers nothing */ }
      });
      const sockets: RawSocket[] = [];
      while (sockets.length < size) {
        const batch = Math.min(1000, size - sockets.length);
        const dial = () => transport.connect({ hostname: "127.0.0.1", port: server.addr.port });
        sockets.push(...await Promise.all(Array.from({ length: batch }, dial)));
      }
      while (server.size !== size) await new Promise((resolve) => setTimeout(resolve, 10));
      const figures = await measureNode(engine, running.url, size, 0);
      console.log(engine, "late join", size, figures);
      lateRows.push(
        `| ${engine} | ${size.toLocaleString("en")} | ${figures.joinMs.toFixed(0)} | ${figures.busReceived} |`,
      );
      for (const socket of sockets) socket.close();
      await server.shutdown({ timeout: 1, quietPeriod: 0 });
      await bus.close();
    }
  } finally {
    await running.stop();
  }
}

const section = `## At scale: what a node pays for the fleet

\`deno run -A bench/cluster_scale.ts\` on ${cpus().length} cores (${cpus()[0]?.model.trim()}), load average ${
  loadavg()[0]!.toFixed(2)
} at the start; the measured node on ${await versionOf(deno)}.

**The rest of the fleet.** The node measured joins beside K simulated nodes of ${perNode.toLocaleString("en")}
connections each, every one of which reports every second and publishes ${deltasPerSecond} count changes a second (its
accepts and ends); the node has no connection of its own. CPU is the node's process (user + system, % of one core),
heap is what it holds after a GC above what it held before joining, and messages are those its bus received a second.

| engine | other nodes | their connections | node CPU (%) | heap (MB) | RSS (MB) | messages/s |
| ------ | ----------: | ----------------: | -----------: | --------: | -------: | ---------: |
${fleetRows.join("\n")}

**A late join.** A node of N real connections (memory transport) runs; a node that starts afterwards counts them (its
\`server.size\` reads N) after the time below, from its \`joinCluster()\`, with the messages it received by then.

| engine | connections elsewhere | until size is right (ms) | messages received |
| ------ | --------------------: | -----------------------: | ----------------: |
${lateRows.join("\n")}
${PAPER}`;
writeFileSync(flags.out, withScaleSection(flags.out, section));
console.log(section);
process.exit(0);
