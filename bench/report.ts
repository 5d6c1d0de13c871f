/**
 * Writes RESULTS.md and chart.svg again from a results.json of bench/run.ts,
 * without measuring: for a change to the report's format.
 *
 *   deno run -A bench/report.ts [DIR]     (default: this folder)
 *   deno run -A bench/report.ts DIR --chart-only
 *
 * --chart-only writes chart.svg alone, for a RESULTS.md that has sections
 * written by hand after the generated ones.
 *
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { chart } from "./_chart.ts";
import { scenarios, SERVERS } from "./_matrix.ts";
import { BENCH_DIR } from "./_prepare.ts";
import { markdown, type Summary } from "./_report.ts";

const args = process.argv.slice(2);
const chartOnly = args.includes("--chart-only");
const dir = args.find((arg) => !arg.startsWith("--")) ?? BENCH_DIR;
const saved = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as {
  environment: string[];
  runs: number;
  seconds?: number;
  skipped?: Array<{ label: string; reason: string }>;
  medians: Record<string, Record<string, number | undefined>>;
  notes: string[];
};
const servers = SERVERS.filter((server) => saved.medians[server.id] !== undefined);
const metrics = scenarios(saved.seconds ?? 2).flatMap((s) => s.metrics).filter((metric) =>
  servers.some((server) => saved.medians[server.id]?.[metric.id] !== undefined)
);
const summary: Summary = { ...saved, skipped: saved.skipped ?? [], servers, metrics };
if (!chartOnly) writeFileSync(join(dir, "RESULTS.md"), markdown(summary));
writeFileSync(join(dir, "chart.svg"), chart(summary));
console.error(`wrote ${chartOnly ? "" : `${join(dir, "RESULTS.md")} and `}${join(dir, "chart.svg")}`);
