/**
 * Writes RESULTS.md and chart.svg again from a results.json of bench/run.ts,
 * without measuring: for a change to the report's format.
 *
 *   deno run -A bench/report.ts [DIR]     (default: this folder)
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

const dir = process.argv[2] ?? BENCH_DIR;
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
writeFileSync(join(dir, "RESULTS.md"), markdown(summary));
writeFileSync(join(dir, "chart.svg"), chart(summary));
console.error(`wrote ${join(dir, "RESULTS.md")} and chart.svg`);
