/**
 * The cluster bench: a broadcast to 10 000 connections spread over 2 nodes
 * (processes joined by NATS or Redis), timed until every client has it,
 * against the same broadcast from one node holding all 10 000; and the
 * cross-node post round trip (a post to a connection of the other node,
 * whose handler posts back), p50 and p99, against the same on one node. In
 * the same run, per runtime of the nodes. Writes bench/CLUSTER.md.
 *
 *   deno run -A bench/cluster.ts [--runtimes deno,bun,node] [--connections 10000] [--rounds 10] [--pings 1000]
 *     [--nodes 2]
 *
 * `--nodes 2,4,8` measures the same over each number of nodes, on each engine,
 * with the load average beside each row, and writes it to the file's N-nodes
 * section (the top, 2 nodes on every runtime, stays as it is).
 *
 * It starts its own nats-server and redis-server (Debian's, on free loopback
 * ports; scripts/engines.sh installs them) and stops them after. Nothing is
 * pinned: two nodes, the engine and this client share the machine's cores.
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { connect as netConnect, type Socket } from "node:net";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { BENCH_DIR, findRuntime, ROOT, versionOf } from "./_prepare.ts";
import { type RunningServer, startServer } from "./_processes.ts";
import { type Engine, startEngine } from "./_engine.ts";
import { keepScaleSection, withNodesSection } from "./_scale_section.ts";

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: {
    runtimes: { type: "string", default: "deno,bun,node" },
    connections: { type: "string", default: "10000" },
    rounds: { type: "string", default: "10" },
    pings: { type: "string", default: "1000" },
    nodes: { type: "string", default: "2" },
    out: { type: "string", default: join(BENCH_DIR, "CLUSTER.md") },
  },
  strict: true,
});
const total = Number(flags.connections);
const rounds = Number(flags.rounds);
const pings = Number(flags.pings);
const nodeCounts = flags.nodes.split(",").map(Number);
if (nodeCounts.some((n) => !Number.isInteger(n) || n < 2 || n > 16)) {
  throw new RangeError(`Cannot bench ${flags.nodes} nodes: each count must be an integer from 2 to 16`);
}
const scaling = nodeCounts.length !== 1 || nodeCounts[0] !== 2;

const SERVER = join(BENCH_DIR, "servers", "cluster_node.ts");
const bin = { deno: await findRuntime("deno"), bun: await findRuntime("bun") };
const commands: Record<string, string[] | undefined> = {
  deno: bin.deno === undefined ? undefined : [bin.deno, "run", "-A", SERVER],
  bun: bin.bun === undefined ? undefined : [bin.bun, SERVER],
  node: [join(ROOT, "node_modules", "node24", "bin", "node"), "--import", "tsx", SERVER],
};

/** A framed client over node:net: frames by their 4-byte header, or just bytes counted. */
class Client {
  readonly socket: Socket;
  bytes = 0;
  #buffer = new Uint8Array(0);
  #waiters: Array<(frame: string) => void> = [];
  onBytes: (() => void) | undefined;

  constructor(socket: Socket, framed: boolean) {
    this.socket = socket;
    socket.on("data", (chunk: Uint8Array) => {
      this.bytes += chunk.length;
      if (framed) this.#frames(chunk);
      this.onBytes?.();
    });
  }

  send(text: string): void {
    const body = new TextEncoder().encode(text);
    const frame = new Uint8Array(4 + body.length);
    new DataView(frame.buffer).setUint32(0, body.length);
    frame.set(body, 4);
    this.socket.write(frame);
  }

  next(): Promise<string> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  async ask(text: string): Promise<string> {
    const answer = this.next();
    this.send(text);
    return await answer;
  }

  #frames(chunk: Uint8Array): void {
    const all = new Uint8Array(this.#buffer.length + chunk.length);
    all.set(this.#buffer);
    all.set(chunk, this.#buffer.length);
    let at = 0;
    while (all.length - at >= 4) {
      const length = new DataView(all.buffer, at).getUint32(0);
      if (all.length - at - 4 < length) break;
      const frame = new TextDecoder().decode(all.subarray(at + 4, at + 4 + length));
      at += 4 + length;
      this.#waiters.shift()?.(frame);
    }
    this.#buffer = all.slice(at);
  }
}

function open(port: number, framed: boolean): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: "127.0.0.1", port }, () => resolve(new Client(socket, framed)));
    socket.on("error", reject);
  });
}

/** `count` idle clients, at most 256 connecting at once. */
async function openMany(port: number, count: number): Promise<Client[]> {
  const clients: Client[] = [];
  while (clients.length < count) {
    const batch = Math.min(256, count - clients.length);
    clients.push(...await Promise.all(Array.from({ length: batch }, () => open(port, false))));
  }
  return clients;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

interface Figures {
  readonly broadcastMs: number;
  readonly pingP50Us: number;
  readonly pingP99Us: number;
}

/** One setup: `nodes` servers (1 alone, or more over `engine`), the clients spread over them. */
async function measure(command: string[], engine: Engine | undefined, nodes: number): Promise<Figures> {
  const args = engine === undefined ? ["none"] : [engine.url.split(":")[0]!, engine.url];
  const servers: RunningServer[] = [];
  const clients: Client[] = [];
  try {
    for (let i = 0; i < (engine === undefined ? 1 : nodes); i++) {
      servers.push(await startServer([...command, ...args], 30_000, undefined));
    }
    const controls = await Promise.all(servers.map((server) => open(server.port, true)));
    for (const [i, server] of servers.entries()) {
      clients.push(
        ...await openMany(server.port, Math.round(total / servers.length) + (i === 0 ? total % servers.length : 0)),
      );
    }
    const everyone = total + controls.length;
    console.error(
      `  ${servers.length} node(s): ${clients.length} clients connected; waiting for every node to count ${everyone}`,
    );
    // Every node counts every connection: the directory has them all before the clock starts.
    for (const control of controls) {
      while (Number(await control.ask("~size")) !== everyone) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    console.error("  broadcasting");
    const frameBytes = 4 + "~broadcast".length;
    const times: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const target = frameBytes * round;
      let done = 0;
      const all = new Promise<void>((resolve) => {
        for (const client of clients) {
          client.onBytes = () => {
            if (client.bytes >= target && client.onBytes !== undefined) {
              client.onBytes = undefined;
              if (++done === clients.length) resolve();
            }
          };
        }
      });
      // The control's own copy: waited for from before the send, since a frame that comes with no waiter is dropped.
      const own = controls[0]!.next();
      const started = performance.now();
      controls[0]!.send("~broadcast");
      // Bounded: a broadcast that does not reach every client in 30 s is a fault, reported with who lacks it.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const short = clients.filter((client) => client.bytes < target).length;
          reject(new Error(`broadcast ${round}: ${short} of ${clients.length} clients lack it after 30 s`));
        }, 30_000);
      });
      await Promise.race([all, late]).finally(() => clearTimeout(timer));
      times.push(performance.now() - started);
      await own;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // The post round trip: from the first node's control to the last node's and back.
    const target = Number(await controls.at(-1)!.ask("~id"));
    const trips: number[] = [];
    for (let i = 0; i < pings; i++) {
      const started = performance.now();
      await controls[0]!.ask(`~ping ${target}`);
      trips.push((performance.now() - started) * 1000);
    }
    trips.sort((a, b) => a - b);
    times.sort((a, b) => a - b);
    for (const control of controls) control.socket.destroy();
    return {
      broadcastMs: percentile(times, 0.5),
      pingP50Us: percentile(trips, 0.5),
      pingP99Us: percentile(trips, 0.99),
    };
  } finally {
    for (const client of clients) client.socket.destroy();
    await Promise.all(servers.map((server) => server.stop()));
  }
}

const rows: string[] = [];
const load = loadavg()[0]!.toFixed(2);
const engineName = { nats: "NATS", redis: "Redis" } as const;
/** A table row: the setup's figures, their ratios to one node's, and (N-nodes section) the 1-minute load after it. */
function row(label: string, setup: string, figures: Figures, alone: Figures): string {
  const cells = [
    label,
    setup,
    figures.broadcastMs.toFixed(1),
    (figures.broadcastMs / alone.broadcastMs).toFixed(2),
    figures.pingP50Us.toFixed(0),
    figures.pingP99Us.toFixed(0),
    (figures.pingP50Us / alone.pingP50Us).toFixed(2),
  ];
  if (scaling) cells.push(loadavg()[0]!.toFixed(2));
  return `| ${cells.join(" | ")} |`;
}
for (const runtime of flags.runtimes.split(",")) {
  const command = commands[runtime];
  if (command === undefined) continue;
  // The version number alone (`deno --version` prints a line of build details after it).
  const version = (await versionOf(command[0]!)).match(/\d+\.\d+\.\d+/)?.[0] ?? "?";
  const label = `${runtime} ${version}`;
  const alone = await measure(command, undefined, 1);
  console.error(`${runtime} one node: ${JSON.stringify(alone)}`);
  rows.push(row(label, "one node", alone, alone));
  for (const kind of ["nats", "redis"] as const) {
    const engine = await startEngine(kind);
    try {
      for (const nodes of nodeCounts) {
        const figures = await measure(command, engine, nodes);
        console.error(`${runtime} ${nodes} nodes ${kind}: ${JSON.stringify(figures)}`);
        rows.push(row(label, `${nodes} nodes, ${engineName[kind]}`, figures, alone));
      }
    } finally {
      await engine.stop();
    }
  }
}

const header =
  `| nodes' runtime | setup | broadcast to all (ms) | × one node | post round trip p50 (µs) | p99 (µs) | p50 × one node |${
    scaling ? " load (1 min) |" : ""
  }
| -------------- | ----- | --------------------: | ---------: | -----------------------: | -------: | -------------: |${
    scaling ? " ----------: |" : ""
  }
${rows.join("\n")}
`;
const machine = `${cpus().length} cores (${cpus()[0]?.model ?? "unknown"})`;
const command =
  `deno run -A bench/cluster.ts --runtimes ${flags.runtimes} --connections ${total} --rounds ${rounds} --pings ${pings}`;

if (scaling) {
  const section = `## Over N nodes

\`${command} --nodes ${flags.nodes}\` on ${machine}, load average ${load} at the start and, in the last column, the
1-minute load average after each row. The same measure as the table above, over ${nodeCounts.join(", ")} nodes on each
engine: ${total} idle connections spread evenly over the nodes, a broadcast from a connection of the first node timed
until every client has it (median of ${rounds}), the post round trip from the first node to the last (${pings} in a row).

**Read it with the machine in mind**, more so than above: every node is a process of its own on the same
${cpus().length} cores, so N nodes here are N processes competing for them with the engine and this client; what grows
with N is the cost of sharing the cores as much as the cost of the cluster. On machines of their own, a broadcast's
framing is split over the nodes and runs at once.

${header}`;
  writeFileSync(flags.out, withNodesSection(flags.out, section));
  console.log(section);
  process.exit(0);
}

const report = `# Cluster bench

\`deno run -A bench/cluster.ts\` on ${machine}, load average ${load} at
the start. ${total} idle connections, spread evenly over the nodes; a broadcast is timed from the control frame's write
until every client has read it (median of ${rounds}); the post round trip goes from a connection of the first node to a
connection of the last and back, through both mailboxes (${pings} in a row, p50 and p99). "One node" is the same
server alone, holding every connection; its post round trip stays on the node.

**Read it with the machine in mind**: the two nodes, the engine and this client share two cores with whatever else
runs (nothing is pinned), so the two-node figures include the nodes competing for the same cores, which a cluster of
machines would not, and the one-node figure is the best case for a single core.
The broadcast time also holds this client's reads of all ${total} sockets in one process (node:net), on the same
cores: it bounds what the figure can show of the nodes, so read the ratio, not the milliseconds.

${header}`;
writeFileSync(flags.out, keepScaleSection(flags.out, report));
console.log(report);
process.exit(0);
