/**
 * The soak: for a given time, connections churn against spawnkit's echo server
 * (bench/servers/soak_server.ts, pinned to core 0) while the server's RSS, open
 * descriptors, active count and event-loop delay are sampled every second.
 * Writes bench/soak/<runtime>.csv, .svg and .json, prints the verdict, and
 * exits 1 when descriptors or the active count did not come back to their
 * baseline or the churn saw an error. See bench/README.md.
 *
 *   deno run -A bench/soak.ts --runtime deno --minutes 10
 *   deno run -A bench/soak.ts --runtime bun --seconds 60
 *
 * @module
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus, release } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { BENCH_DIR, buildLoadGenerator, findRuntime, ROOT, versionOf } from "./_prepare.ts";
import { PINNING, run, runLoad, startServer } from "./_processes.ts";
import { soakChart } from "./_soak_chart.ts";
import { csv, lastServerLine, machineBusySeconds, type Phase, readProc, type Sample } from "./_soak_sample.ts";
import { describe, summarize } from "./_soak_summary.ts";

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: {
    runtime: { type: "string", default: "deno" },
    minutes: { type: "string", default: "10" },
    seconds: { type: "string" },
    rate: { type: "string", default: "200" },
    "idle-timeout": { type: "string", default: "5" },
    baseline: { type: "string", default: "5" },
    "no-unread-reset": { type: "boolean", default: false },
    out: { type: "string", default: join(BENCH_DIR, "soak") },
  },
  strict: true,
});
const fail = (message: string): never => {
  console.error(`soak: ${message}`);
  process.exit(2);
};
const runtime = flags.runtime;
if (runtime !== "deno" && runtime !== "bun" && runtime !== "node") fail(`--runtime must be deno, bun or node`);
const seconds = flags.seconds === undefined ? Number(flags.minutes) * 60 : Number(flags.seconds);
const rate = Number(flags.rate);
const idleTimeout = Number(flags["idle-timeout"]);
const baselineSeconds = Number(flags.baseline);
if (!(seconds >= 1 && seconds <= 3600)) fail("--minutes or --seconds must give from 1 second to 60 minutes");
if (!Number.isInteger(rate) || rate < 1 || rate > 5000) fail("--rate must be an integer from 1 to 5000");
if (!(idleTimeout > 0 && idleTimeout <= 60)) fail("--idle-timeout must be seconds from 0 to 60");
if (!(baselineSeconds >= 1 && baselineSeconds <= 60)) fail("--baseline must be seconds from 1 to 60");

// Idle connections: half are closed by the client before the server's idle timeout, half wait for it.
const hold = idleTimeout * 0.6;
const idleWait = idleTimeout * 2 + 5;
// After the churn, how long descriptors and the count may take to come back (the kit's close timeout is 5 s).
const SETTLE_S = 30;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function serverArgv(): Promise<string[]> {
  const script = join(BENCH_DIR, "servers", "soak_server.ts");
  const args = [script, "--idle-timeout", `${idleTimeout}`];
  if (runtime === "node") {
    const tsx = join(ROOT, "node_modules", "tsx", "dist", "loader.mjs");
    if (!existsSync(tsx)) fail("tsx not found (run npm install)");
    // The Node running this script, if it is one (the test suite runs it on each supported line).
    const onNode = process.versions.bun === undefined && process.versions.deno === undefined;
    return [onNode ? process.execPath : "node", "--import", pathToFileURL(tsx).href, ...args];
  }
  const bin = await findRuntime(runtime as "deno" | "bun");
  if (bin === undefined) fail(`${runtime} not found (run npm install)`);
  return runtime === "deno" ? [bin!, "run", "-A", ...args] : [bin!, ...args];
}

const loadGenerator = await buildLoadGenerator();
const argv = await serverArgv();
const server = await startServer(argv);
const samples: Sample[] = [];
let phase: Phase = "baseline";
const readyAt = performance.now();
let lastCpu = readProc(server.pid).cpuSeconds;
let lastAt = readyAt;
const sampler = setInterval(() => {
  const now = performance.now();
  try {
    const proc = readProc(server.pid);
    const cpu = ((proc.cpuSeconds - lastCpu) / ((now - lastAt) / 1000)) * 100;
    lastCpu = proc.cpuSeconds;
    lastAt = now;
    const t = Math.round((now - readyAt) / 100) / 10;
    samples.push({ t, phase, ...proc, cpu, server: lastServerLine(server.lines) });
  } catch { /* the server is gone: the verdict will say so */ }
}, 1000);

console.error(`soak on ${runtime}: baseline ${baselineSeconds} s, churn ${seconds} s at ${rate} connections/s`);
// The baseline starts at the server's first figures line (a loaded machine may take a while to print it).
for (let waited = 0; lastServerLine(server.lines) === undefined && waited < 20_000; waited += 100) await sleep(100);
await sleep(baselineSeconds * 1000 + 200);
const churnStart = Math.round((performance.now() - readyAt) / 100) / 10;
phase = "churn";
const churnArgs = ["--mode", "churn", "--port", `${server.port}`, "--seconds", `${seconds}`, "--rate", `${rate}`];
churnArgs.push("--hold", `${hold}`, "--idle-wait", `${idleWait}`, "--timeout", `${seconds + idleWait + 60}`);
if (flags["no-unread-reset"]) churnArgs.push("--unread-reset", "0");
const stopOpening = setTimeout(() => phase = "drain", seconds * 1000);
const busyBefore = machineBusySeconds();
const churn = await runLoad(loadGenerator, churnArgs).catch((error: Error) => {
  console.error(error.message);
  return {} as Record<string, unknown>;
});
const busy = machineBusySeconds() - busyBefore;
clearTimeout(stopOpening);

phase = "settle";
for (let waited = 0; waited < SETTLE_S; waited++) {
  await sleep(1000);
  const last = samples.at(-1);
  const baseline = samples.filter((s) => s.phase === "baseline").at(-1);
  if (last?.server?.active === 0 && baseline !== undefined && last.fds <= baseline.fds) break;
}
phase = "after";
await sleep(baselineSeconds * 1000 + 200);
clearInterval(sampler);
await server.stop();

const commit = (await run("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"])).output.trim();
const environment = [
  `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, commit ${commit}`,
  `${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, Linux ${release()}`,
  `${runtime} ${await versionOf(argv[0]!)}`,
  `churn: ${rate} connections/s, bursts of 16 frames, 4 slow readers, server idle timeout ${idleTimeout} s, ` +
  (flags["no-unread-reset"] ? "no reset before the echoes" : "1 in 10 reset before its echoes"),
  PINNING === undefined ? "not pinned (one core)" : `server on core ${PINNING.server}, churn on core ${PINNING.load}`,
];
const summary = summarize(runtime, environment, samples, churnStart, seconds, churn, busy);
mkdirSync(flags.out, { recursive: true });
writeFileSync(join(flags.out, `${runtime}.csv`), csv(samples));
writeFileSync(join(flags.out, `${runtime}.svg`), soakChart(samples, summary));
writeFileSync(join(flags.out, `${runtime}.json`), JSON.stringify(summary, null, 2) + "\n");
console.log(describe(summary));
console.error(`wrote ${join(flags.out, runtime)}.csv, .svg and .json`);
process.exit(summary.failures.length === 0 ? 0 : 1);
