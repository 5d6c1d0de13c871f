/**
 * The RPC bench: JSON-RPC round trips per second through `rpcHandler()` and
 * `rpcClient()`, JSON and MessagePack, on one connection (one call in
 * flight) and on 100 (16 in flight each), each as a ratio to the bare echo
 * of the same request bytes by the same driver in the same run. The server
 * runs on core 0, the driver (bench/_rpc_load.ts, on Bun) on core 1.
 * Prints a table and writes bench/RPC_RESULTS.md.
 *
 *   bun bench/rpc.ts                       # or: deno run -A bench/rpc.ts
 *   bun bench/rpc.ts --runs 1 --seconds 1 --runtimes bun
 *
 * @module
 */
import { existsSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { BENCH_DIR, findRuntime, ROOT, versionOf } from "./_prepare.ts";
import { PINNING, runLoad, startServer } from "./_processes.ts";

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: {
    runs: { type: "string", default: "3" },
    seconds: { type: "string", default: "2" },
    runtimes: { type: "string", default: "deno,bun,node" },
    out: { type: "string", default: BENCH_DIR },
  },
  strict: true,
});
const runs = Number(flags.runs);
const seconds = Number(flags.seconds);
if (!Number.isInteger(runs) || runs < 1 || !(seconds > 0)) {
  console.error("bench/rpc: --runs must be a positive integer and --seconds a positive number");
  process.exit(2);
}

const bun = await findRuntime("bun");
if (bun === undefined) {
  throw new Error("Cannot run the RPC bench: bun not found (run npm install); the driver runs on it");
}
const deno = await findRuntime("deno");
const node = join(ROOT, "node_modules", "node24", "bin", "node");
const servers = join(BENCH_DIR, "servers");

/** How each runtime starts a server file. */
const RUNTIMES: Record<string, ((file: string, ...args: string[]) => string[]) | undefined> = {
  deno: deno === undefined ? undefined : (file, ...args) => [deno, "run", "-A", file, ...args],
  bun: (file, ...args) => [bun, file, ...args],
  node: existsSync(node) ? (file, ...args) => [node, "--import", "tsx", file, ...args] : undefined,
};
const SCENARIOS = [
  { id: "1 conn", conns: 1, depth: 1 },
  { id: "100 conns", conns: 100, depth: 16 },
];
const CODECS = ["json", "msgpack"];

interface Figure {
  echo: number[];
  rpc: number[];
  ratio: number[];
  serverCpu: number[];
  /** Server CPU microseconds per round trip, echo and RPC: steadier than rates on a shared machine. */
  echoCost: number[];
  rpcCost: number[];
  costRatio: number[];
}
const figures = new Map<string, Figure>();
const notes: string[] = [];

// Other processes (test suites, say) skew a figure: one taken while they used more than this many cores is
// taken again, up to ATTEMPTS times, and noted if it never ran alone (as bench/run.ts does).
const CONTENDED_CORES = 0.25;
const ATTEMPTS = 5;

async function measure(label: string, argv: string[], mode: string, codec: string, conns: number, depth: number) {
  for (let attempt = 1;; attempt++) {
    const load = await measureOnce(argv, mode, codec, conns, depth);
    if (!(load.other_cpu > CONTENDED_CORES)) return load;
    if (attempt === ATTEMPTS) {
      notes.push(
        `${label}, ${mode}, ${codec}: other processes used ${load.other_cpu.toFixed(2)} cores`,
      );
      return load;
    }
    console.error(`  other processes used ${load.other_cpu.toFixed(2)} cores meanwhile: measuring again`);
  }
}

async function measureOnce(argv: string[], mode: string, codec: string, conns: number, depth: number) {
  const server = await startServer(argv);
  try {
    const load = await runLoad(bun!, [
      join(BENCH_DIR, "_rpc_load.ts"),
      ...["--port", `${server.port}`, "--server-pid", `${server.pid}`, "--mode", mode, "--codec", codec],
      ...["--conns", `${conns}`, "--depth", `${depth}`, "--seconds", `${seconds}`],
    ]);
    if (load.errors !== 0) notes.push(`${argv.slice(1).join(" ")}, ${mode}, ${codec}: ${load.errors} wrong answers`);
    return load as { round_trips_per_s: number; server_cpu: number; other_cpu: number };
  } finally {
    await server.stop();
  }
}

const runtimes = flags.runtimes.split(",").filter((name) => {
  if (RUNTIMES[name] !== undefined) return true;
  notes.push(`${name}: not found or unknown, skipped`);
  return false;
});
for (let run = 1; run <= runs; run++) {
  for (const runtime of runtimes) {
    const start = RUNTIMES[runtime]!;
    for (const scenario of SCENARIOS) {
      for (const codec of CODECS) {
        const key = `${runtime}|${scenario.id}|${codec}`;
        console.error(`run ${run}/${runs}: ${runtime}, ${scenario.id}, ${codec}`);
        const label = `${runtime}, ${scenario.id}`;
        const echo = await measure(
          label,
          start(join(servers, "spawnkit_echo.ts")),
          "echo",
          codec,
          scenario.conns,
          scenario.depth,
        );
        const rpc = await measure(
          label,
          start(join(servers, "spawnkit_rpc.ts"), codec),
          "rpc",
          codec,
          scenario.conns,
          scenario.depth,
        );
        const figure = figures.get(key) ??
          { echo: [], rpc: [], ratio: [], serverCpu: [], echoCost: [], rpcCost: [], costRatio: [] };
        const echoCost = (echo.server_cpu * 1e6) / echo.round_trips_per_s;
        const rpcCost = (rpc.server_cpu * 1e6) / rpc.round_trips_per_s;
        figure.echoCost.push(echoCost);
        figure.rpcCost.push(rpcCost);
        figure.costRatio.push(rpcCost / echoCost);
        figure.echo.push(echo.round_trips_per_s);
        figure.rpc.push(rpc.round_trips_per_s);
        figure.ratio.push(rpc.round_trips_per_s / echo.round_trips_per_s);
        figure.serverCpu.push(rpc.server_cpu);
        figures.set(key, figure);
      }
    }
  }
}

const median = (values: number[]) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)]!;
const rows = [...figures].map(([key, figure]) => {
  const [runtime, scenario, codec] = key.split("|");
  const cells = [
    runtime,
    scenario,
    codec,
    Math.round(median(figure.echo)),
    Math.round(median(figure.rpc)),
    median(figure.ratio).toFixed(2),
    `${Math.round(median(figure.serverCpu) * 100)} %`,
    median(figure.echoCost).toFixed(1),
    median(figure.rpcCost).toFixed(1),
    median(figure.costRatio).toFixed(2),
  ];
  return `| ${cells.join(" | ")} |`;
});
const versions = [
  `bun ${await versionOf(bun)}`,
  deno === undefined ? "" : await versionOf(deno),
  existsSync(node) ? `node ${await versionOf(node)}` : "",
].filter((v) => v !== "");
const report = [
  "# RPC bench",
  "",
  `Written by \`bench/rpc.ts\` on ${new Date().toISOString().slice(0, 10)}: median of ${runs} runs, ${seconds} s each`,
  `after 0.5 s of warm-up; ${cpus().length} cores (${cpus()[0]?.model ?? "unknown"}), ${
    PINNING === undefined ? "not pinned" : "server on core 0, driver (Bun) on core 1"
  }; ${versions.join(", ")}.`,
  "",
  "Round trips per second of one small call (`echo` of about 64 bytes of params), through `rpcHandler()` and",
  "`rpcClient()`, against the bare echo server (`bench/servers/spawnkit_echo.ts`) fed the very same request bytes by",
  "the same driver, which decodes each echo with the same codec. `1 conn`: one call in flight; `100 conns`: 16 in",
  "flight on each. Ratio: RPC ÷ echo, the median of the runs' ratios. Server CPU: the RPC server's, in the window.",
  "Server µs per call: the server's CPU time per round trip, echo and RPC, and RPC ÷ echo: the cost of the RPC layer",
  "on the server, a steadier figure than rates when other processes share the cores.",
  "",
  "| server runtime | connections | codec | echo round trips/s | RPC round trips/s | RPC ÷ echo | server CPU | echo µs/call | RPC µs/call | RPC ÷ echo (CPU) |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ...rows,
  ...(notes.length > 0 ? ["", ...notes.map((note) => `- ${note}`)] : []),
  "",
].join("\n");
console.log(report);
writeFileSync(join(flags.out, "RPC_RESULTS.md"), report);
process.exit(0);
