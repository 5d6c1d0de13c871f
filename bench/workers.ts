/**
 * The workers' bench: the echo server of spawnkit/workers with 1 and with 2
 * workers, in the same run, on Deno, Bun and Node: small frames per second
 * and accepted connections per second, with each worker's CPU (read from
 * /proc/PID/task/TID/stat for the thread id it prints) and the supervisor's
 * (the main thread, which runs the hub). Writes bench/WORKERS.md.
 *
 *   deno run -A bench/workers.ts [--runs 3] [--seconds 2] [--runtimes deno,bun,node]
 *
 * Nothing is pinned: two workers need both cores. On a 2-core machine the
 * load generator shares those cores with the workers, so the figures for 2
 * workers say little about scaling; the CPU each worker spends per frame and
 * per accepted connection is the figure to read (see the table's notes).
 *
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, release } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { BENCH_DIR, buildLoadGenerator, findRuntime, ROOT, versionOf } from "./_prepare.ts";
import { runLoad, startServer } from "./_processes.ts";

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: {
    runs: { type: "string", default: "3" },
    seconds: { type: "string", default: "2" },
    runtimes: { type: "string", default: "deno,bun,node" },
    out: { type: "string", default: join(BENCH_DIR, "WORKERS.md") },
  },
  strict: true,
});
const runs = Number(flags.runs);
const seconds = Number(flags.seconds);
if (!Number.isInteger(runs) || runs < 1 || !(seconds > 0)) {
  console.error("bench/workers: --runs must be a positive integer and --seconds a positive number");
  process.exit(2);
}

const SERVER = join(BENCH_DIR, "servers", "workers_echo.ts");
const NODE = join(ROOT, "node_modules", "node24", "bin", "node");
const bin = { deno: await findRuntime("deno"), bun: await findRuntime("bun") };
const runtimes: Record<string, string[] | undefined> = {
  deno: bin.deno === undefined ? undefined : [bin.deno, "run", "-A", SERVER],
  bun: bin.bun === undefined ? undefined : [bin.bun, SERVER],
  node: [NODE, "--import", "tsx", SERVER],
};
const scenarios = [
  {
    id: "small",
    title: "Small frames (100 conns, depth 16, 64 B)",
    unit: "frames/s",
    args: [
      "--mode",
      "echo",
      "--conns",
      "100",
      "--depth",
      "16",
      "--size",
      "64",
      "--warmup",
      "0.5",
      "--seconds",
      `${seconds}`,
    ],
    figure: (result: Record<string, unknown>) => Number(result.frames_per_s),
    count: (result: Record<string, unknown>) => Number(result.frames),
  },
  {
    id: "accept",
    title: "Accept rate (5000 conns, one echo each)",
    unit: "conns/s",
    args: ["--mode", "accept", "--conns", "5000", "--window", "256"],
    figure: (result: Record<string, unknown>) => Number(result.accepts_per_s),
    count: (result: Record<string, unknown>) => Number(result.accepted),
  },
];
const TICKS = 100; // CLK_TCK on Linux

/** utime + stime of one thread, in seconds. */
function threadCpu(pid: number, tid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

interface Measure {
  readonly figure: number;
  /** CPU of every worker together per unit counted (a frame, an accepted connection), in µs. */
  readonly usPerUnit: number;
  /** Share of a core each worker used, %. */
  readonly workerCpu: number[];
  /** Share of a core the supervisor's thread (the hub) used, %. */
  readonly hubCpu: number;
  readonly loadCpu: number;
  readonly otherCpu: number;
}

async function measure(argv: string[], workers: number): Promise<Measure[]> {
  const server = await startServer([...argv, "--workers", `${workers}`], 60_000, undefined);
  try {
    const tids = server.lines.flatMap((line) => /^worker \d+ tid=(\d+)$/.exec(line)?.slice(1) ?? []).map(Number);
    if (tids.length !== workers) throw new Error(`Cannot find the workers' threads in: ${server.lines.join(" | ")}`);
    const out: Measure[] = [];
    for (const scenario of scenarios) {
      const before = [...tids, server.pid].map((tid) => threadCpu(server.pid, tid));
      const started = performance.now();
      const load = ["--port", `${server.port}`, "--server-pid", `${server.pid}`, ...scenario.args];
      const result = await runLoad(loadGenerator, load, undefined);
      const elapsed = (performance.now() - started) / 1000;
      const spent = [...tids, server.pid].map((tid, i) => threadCpu(server.pid, tid) - before[i]!);
      const hub = spent.pop()!;
      if (Number(result.errors) > 0) throw new Error(`${scenario.id}: ${JSON.stringify(result.error_kinds)}`);
      const count = scenario.count(result);
      out.push({
        figure: scenario.figure(result),
        usPerUnit: spent.reduce((sum, cpu) => sum + cpu, 0) / count * 1e6,
        workerCpu: spent.map((cpu) => cpu / elapsed * 100),
        hubCpu: hub / elapsed * 100,
        loadCpu: Number(result.client_cpu) * 100,
        otherCpu: Number(result.other_cpu) * 100,
      });
    }
    return out;
  } finally {
    await server.stop();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const loadGenerator = await buildLoadGenerator();
const chosen = flags.runtimes.split(",").filter((name) => runtimes[name] !== undefined);
// results[runtime][workers][scenario] = one Measure per run
const results = new Map<string, Map<number, Measure[][]>>();
for (let run = 1; run <= runs; run++) {
  for (const runtime of chosen) {
    for (const workers of [1, 2]) {
      console.error(`run ${run}/${runs}: ${runtime}, ${workers} worker(s)`);
      const measured = await measure(runtimes[runtime]!, workers);
      const byWorkers = results.get(runtime) ?? new Map<number, Measure[][]>();
      results.set(runtime, byWorkers);
      const byScenario = byWorkers.get(workers) ?? scenarios.map(() => []);
      byWorkers.set(workers, byScenario);
      measured.forEach((m, i) => byScenario[i]!.push(m));
    }
  }
}

const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits });
const lines = [
  "# Workers: 1 against 2, in one run",
  "",
  `${cpus()[0]?.model ?? "unknown CPU"}, ${availableParallelism()} cores, Linux ${release()}; ` +
  `${await versionOf(bin.deno ?? "deno")}, Bun ${await versionOf(bin.bun ?? "bun")}, Node ${await versionOf(NODE)}. ` +
  `Median of ${runs} runs; \`deno run -A bench/workers.ts\` wrote this file.`,
  "",
  "Nothing is pinned: the load generator shares the machine's cores with the workers. On 2 cores, 2 workers and the",
  "load generator compete for the same two, so the rate with 2 workers proves little about scaling; the CPU a worker",
  "spends per frame and per accepted connection (µs, summed over workers) is the figure that carries to a bigger",
  "machine. The hub's CPU is the supervisor's thread, which routes the cluster's reports and directory changes.",
  "",
  "| runtime | workers | scenario | rate | 2 ÷ 1 | µs of worker CPU per unit | worker CPU (% of a core, each) | hub CPU % | load generator CPU % | others' CPU % |",
  "| ------- | ------- | -------- | ---- | ----- | ------------------------- | ------------------------------ | --------- | -------------------- | ------------- |",
];
for (const [runtime, byWorkers] of results) {
  scenarios.forEach((scenario, i) => {
    const one = median(byWorkers.get(1)![i]!.map((m) => m.figure));
    for (const workers of [1, 2]) {
      const all = byWorkers.get(workers)![i]!;
      const rate = median(all.map((m) => m.figure));
      const us = median(all.map((m) => m.usPerUnit));
      const each = Array.from({ length: workers }, (_, w) => fmt(median(all.map((m) => m.workerCpu[w]!))));
      lines.push(
        `| ${runtime} | ${workers} | ${scenario.title} | ${fmt(rate)} ${scenario.unit} | ` +
          `${workers === 1 ? "" : `${fmt(rate / one, 2)}×`} | ${fmt(us, 2)} | ${each.join(" / ")} | ` +
          `${fmt(median(all.map((m) => m.hubCpu)))} | ${fmt(median(all.map((m) => m.loadCpu)))} | ` +
          `${fmt(median(all.map((m) => m.otherCpu)))} |`,
      );
    }
  });
}
writeFileSync(flags.out, lines.join("\n") + "\n");
console.log(lines.join("\n"));
