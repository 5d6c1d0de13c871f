/**
 * The TypeScript load driver of bench/rpc.ts: C connections, D calls in
 * flight on each, for a warm-up and then a measured window; one JSON line
 * on stdout with the round trips per second and the CPU the server, the
 * driver and the machine's other processes used (from /proc). Run on Bun, pinned to its own core.
 *
 *   bun bench/_rpc_load.ts --port P --mode rpc|echo --codec json|msgpack --conns C --depth D --seconds S [--server-pid PID]
 *
 * `rpc` calls `echo` through `rpcClient()`; `echo` sends the very request
 * bytes as bare frames to an echo server and decodes each echo with the same
 * codec, so both modes do the same client work but the RPC layer's.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import { connect, silentLogger } from "../mod.ts";
import { msgpackCodec } from "../src/edges/msgpack/msgpack.ts";
import { jsonCodec, rpcClient } from "../src/edges/rpc/rpc.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    port: { type: "string" },
    mode: { type: "string", default: "rpc" },
    codec: { type: "string", default: "json" },
    conns: { type: "string", default: "1" },
    depth: { type: "string", default: "1" },
    warmup: { type: "string", default: "0.5" },
    seconds: { type: "string", default: "2" },
    "server-pid": { type: "string" },
  },
  strict: true,
});
const port = Number(values.port);
const conns = Number(values.conns);
const depth = Number(values.depth);
const codec = values.codec === "msgpack" ? msgpackCodec : jsonCodec;
// A small call, about 64 bytes in JSON, like the echo bench's small frames.
const params = ["spawnkit", 42, { x: 1.5, y: -2, ok: true }];

/** CPU seconds a process has used (utime + stime), from /proc; undefined where there is none. */
function cpuSeconds(pid: string | number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks: 100 per second on Linux
  } catch {
    return undefined;
  }
}

/** CPU seconds the whole machine has been busy (every core), from /proc/stat. */
function machineBusySeconds(): number | undefined {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
    const busy = fields[0]! + fields[1]! + fields[2]! + fields[5]! + fields[6]! + (fields[7] ?? 0);
    return busy / 100;
  } catch {
    return undefined;
  }
}

let measuring = false;
let stopped = false;
let count = 0;
let errors = 0;

async function rpcLoop(conn: Awaited<ReturnType<typeof connect>>): Promise<void> {
  const client = rpcClient(conn, { codec, timeout: 30 });
  await Promise.all(Array.from({ length: depth }, async () => {
    while (!stopped) {
      const result = await client.call<unknown[]>("echo", params);
      if (result.length !== 3) errors++;
      if (measuring) count++;
    }
  }));
  client.close();
}

async function echoLoop(conn: Awaited<ReturnType<typeof connect>>): Promise<void> {
  const request = codec.encode({ jsonrpc: "2.0", method: "echo", params, id: 1 });
  for (let i = 0; i < depth; i++) void conn.send(request);
  let inFlight = depth;
  for await (const frame of conn) {
    const echoed = codec.decode(frame, 32) as { params: unknown[] };
    if (echoed.params.length !== 3) errors++;
    if (measuring) count++;
    if (stopped) {
      if (--inFlight === 0) break;
    } else void conn.send(request);
  }
  conn.close();
}

const connections = await Promise.all(Array.from({ length: conns }, () => connect({ port, logger: silentLogger })));
const loops = connections.map((conn) => values.mode === "echo" ? echoLoop(conn) : rpcLoop(conn));
const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));
await sleep(Number(values.warmup));
const serverPid = values["server-pid"];
const server0 = serverPid === undefined ? undefined : cpuSeconds(serverPid);
const self0 = cpuSeconds(process.pid);
const machine0 = machineBusySeconds();
const t0 = performance.now();
measuring = true;
await sleep(Number(values.seconds));
measuring = false;
const elapsed = (performance.now() - t0) / 1000;
const server1 = serverPid === undefined ? undefined : cpuSeconds(serverPid);
const self1 = cpuSeconds(process.pid);
const machine1 = machineBusySeconds();
stopped = true;
await Promise.all(loops);
const share = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? -1 : (b - a) / elapsed;
console.log(JSON.stringify({
  mode: values.mode,
  codec: codec.name,
  conns,
  depth,
  round_trips_per_s: count / elapsed,
  server_cpu: share(server0, server1),
  client_cpu: share(self0, self1),
  // Cores the machine's other processes used meanwhile: a figure taken while they were busy is taken again.
  other_cpu: share(machine0, machine1) - share(server0, server1) - share(self0, self1),
  errors,
}));
process.exit(0);
