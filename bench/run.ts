/**
 * The bench: builds the load generator, starts every server of the matrix in
 * turn (pinned to core 0, the load generator to core 1), runs every scenario
 * against each, takes the median of the runs, and writes bench/RESULTS.md,
 * bench/chart.svg and bench/results.json. See bench/README.md.
 *
 *   deno task bench            # or: npm run bench (the same script on Bun)
 *   deno run -A bench/run.ts --runs 1 --seconds 1 --servers raw-bun,spawnkit-bun --scenarios small,idle
 *
 * @module
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, release } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { chart } from "./_chart.ts";
import { type Scenario, scenarios, SERVERS, type ServerSpec } from "./_matrix.ts";
import {
  BENCH_DIR,
  buildLoadGenerator,
  ensureErlang,
  erlangRelease,
  findRuntime,
  ROOT,
  versionOf,
} from "./_prepare.ts";
import { PINNING, run, runLoad, startServer } from "./_processes.ts";
import { markdown, type Summary } from "./_report.ts";

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: {
    runs: { type: "string", default: "3" },
    seconds: { type: "string", default: "2" },
    servers: { type: "string" },
    scenarios: { type: "string" },
    "no-install": { type: "boolean", default: false },
    out: { type: "string", default: BENCH_DIR },
  },
  strict: true,
});
const runs = Number(flags.runs);
const seconds = Number(flags.seconds);
if (!Number.isInteger(runs) || runs < 1 || !(seconds > 0)) {
  console.error("bench: --runs must be a positive integer and --seconds a positive number");
  process.exit(2);
}
const pick = <T extends { id: string; optional?: boolean }>(all: readonly T[], list: string | undefined): T[] =>
  list === undefined ? all.filter((item) => !item.optional) : all.filter((item) => list.split(",").includes(item.id));

const loadGenerator = await buildLoadGenerator();
const bin = { deno: await findRuntime("deno"), bun: await findRuntime("bun"), node: await findRuntime("node") };
const skipped: Array<{ label: string; reason: string }> = [];
const erlangSkip = pick(SERVERS, flags.servers).some((s) => s.runtime === "erlang")
  ? await ensureErlang(!flags["no-install"])
  : undefined;
const servers = pick(SERVERS, flags.servers).filter((server) => {
  const reason = server.runtime === "erlang"
    ? erlangSkip
    : bin[server.runtime] === undefined
    ? `${server.runtime} not found (${server.runtime === "node" ? "install Node.js" : "run npm install"})`
    : undefined;
  if (reason !== undefined) {
    skipped.push({ label: server.label, reason });
    console.error(`skipping ${server.label}: ${reason}`);
  }
  return reason === undefined;
});
const chosen = pick(scenarios(seconds), flags.scenarios);
if (PINNING === undefined) console.error("one core only: server and load generator are not pinned apart");

// Other processes on the machine (test suites, say) skew a figure: a steady measurement during which they
// used more than this many cores is taken again, up to ATTEMPTS times, and noted if it never ran alone.
const CONTENDED_CORES = 0.25;
const ATTEMPTS = 3;

async function measure(server: ServerSpec, scenario: Scenario) {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const result = await measureOnce(server, scenario.id, scenario.args);
    if (result === undefined) return;
    const others = result.load.other_cpu;
    if (scenario.steady && typeof others === "number" && others > CONTENDED_CORES) {
      if (attempt < ATTEMPTS) {
        console.error(`  other processes used ${others.toFixed(2)} cores meanwhile: measuring again`);
        continue;
      }
      notes.push(
        `${server.label}, ${scenario.id}: other processes used ${others.toFixed(2)} cores during the last run`,
      );
    }
    for (const metric of scenario.metrics) {
      const value = metric.pick(result);
      if (value !== undefined) ((values[server.id] ??= {})[metric.id] ??= []).push(value);
    }
    return;
  }
}

/** The machine's 1-minute load average now (other engineers' work shares it): recorded beside each figure. */
function loadAverage(): number | undefined {
  try {
    return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
  } catch {
    return undefined;
  }
}

async function measureOnce(server: ServerSpec, scenario: string, args: readonly string[]) {
  const load1 = loadAverage();
  if (load1 !== undefined) (((loads[server.id] ??= {})[scenario]) ??= []).push(load1);
  let running;
  try {
    running = await startServer(server.argv(binaries));
  } catch (error) {
    notes.push(`${server.label}, ${scenario}: ${(error as Error).message.split("\n")[0]}`);
    return undefined;
  }
  try {
    const load = await runLoad(loadGenerator, [...args, "--port", `${running.port}`, "--server-pid", `${running.pid}`]);
    // The shutdown figure is the server's own line, printed just before it exits.
    if (scenario === "shutdown") await Promise.race([running.exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (typeof load.errors === "number" && load.errors > 0) {
      notes.push(`${server.label}, ${scenario}: the load generator saw errors ${JSON.stringify(load.error_kinds)}`);
    }
    return { load, serverLines: running.lines };
  } catch (error) {
    notes.push(`${server.label}, ${scenario}: ${(error as Error).message.split("\n")[0]}`);
    return undefined;
  } finally {
    await running.stop();
  }
}

function median(list: number[] | undefined): number | undefined {
  if (list === undefined || list.length === 0) return undefined;
  const sorted = [...list].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// server id → metric id → one value per run
const values: Record<string, Record<string, number[]>> = {};
const notes: string[] = [];
// server id → scenario id → the load average at the start of each measurement (retries included)
const loads: Record<string, Record<string, number[]>> = {};
const binaries = { deno: bin.deno ?? "deno", bun: bin.bun ?? "bun", node: bin.node ?? "node" };
for (let r = 1; r <= runs; r++) {
  for (const scenario of chosen) {
    for (const server of servers) {
      console.error(`[run ${r}/${runs}] ${scenario.id} · ${server.label}`);
      await measure(server, scenario);
    }
  }
}

const metrics = chosen.flatMap((s) => s.metrics);
const medians = Object.fromEntries(
  servers.map((s) => [s.id, Object.fromEntries(metrics.map((m) => [m.id, median(values[s.id]?.[m.id])]))]),
);
const commit = await run("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"]);
const dirty = (await run("git", ["-C", ROOT, "status", "--porcelain", "--", "src", "mod.ts"])).output.trim() !== "";
const cpuModel = cpus()[0]?.model ?? "unknown CPU";
const environment = [
  `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, commit ${commit.output.trim()}${
    dirty ? " with uncommitted changes in src/" : ""
  }`,
  `${cpuModel}, ${cpus().length} cores, Linux ${release()}`,
  `${bin.deno ? await versionOf(bin.deno) : "no Deno"}; Bun ${
    bin.bun ? await versionOf(bin.bun) : "none"
  }; Erlang/OTP ${await erlangRelease() ?? "none"}${
    servers.some((s) => s.runtime === "node") && bin.node ? `; Node ${await versionOf(bin.node)}` : ""
  }`,
  PINNING === undefined
    ? "not pinned (one core)"
    : `server pinned to core ${PINNING.server}, load generator (bench/load, C++, epoll) to core ${PINNING.load}`,
];
const summary: Summary = { servers, skipped, metrics, medians, runs, notes, environment };
const loadRows = chosen.map((scenario) =>
  `| ${scenario.id} | ${
    servers.map((server) => {
      const list = loads[server.id]?.[scenario.id];
      return list === undefined
        ? ""
        : `${median(list)!.toFixed(2)} (${Math.min(...list).toFixed(2)}–${Math.max(...list).toFixed(2)})`;
    }).join(" | ")
  } |`
);
const md = `${markdown(summary)}
## Load average

The machine's 1-minute load average at the start of each measurement (median, and range over the runs and retries):

| scenario | ${servers.map((s) => s.label).join(" | ")} |
| --- | ${servers.map(() => "---").join(" | ")} |
${loadRows.join("\n")}
`;
mkdirSync(flags.out, { recursive: true });
writeFileSync(join(flags.out, "RESULTS.md"), md);
writeFileSync(join(flags.out, "chart.svg"), chart(summary));
writeFileSync(
  join(flags.out, "results.json"),
  JSON.stringify({ environment, runs, seconds, skipped, values, medians, notes, loads }, null, 2),
);
console.log(md);
console.error(`wrote ${join(flags.out, "RESULTS.md")}, chart.svg and results.json`);
