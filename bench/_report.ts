/**
 * The bench's markdown: the figures of every server with their ratios to the
 * raw server on the same runtime and to the Erlang original, then spawnkit
 * against the targets.
 *
 * @module
 */
import type { Metric, ServerSpec } from "./_matrix.ts";

/** Medians of every figure, with what is needed to describe them. */
export interface Summary {
  readonly servers: readonly ServerSpec[];
  readonly skipped: ReadonlyArray<{ label: string; reason: string }>;
  readonly metrics: readonly Metric[];
  /** server id → metric id → median over the runs. */
  readonly medians: Readonly<Record<string, Readonly<Record<string, number | undefined>>>>;
  readonly runs: number;
  /** Errors the load generator saw, and servers that failed to start. */
  readonly notes: readonly string[];
  /** Machine, versions, commit, pinning. */
  readonly environment: readonly string[];
}

/** A figure for a table: 3 significant digits, with k/M for large ones. */
export function formatValue(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "–";
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(1)} k`;
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function formatRatio(ratio: number): string {
  return ratio >= 10 ? `${ratio.toFixed(1)}×` : `${ratio.toFixed(2)}×`;
}

/** The raw server on the same runtime as `server`, if it ran. */
export function rawOf(summary: Summary, server: ServerSpec): ServerSpec | undefined {
  return summary.servers.find((s) => s.baseline && s.runtime === server.runtime && s.runtime !== "erlang");
}

function ratio(summary: Summary, metric: Metric, server: ServerSpec, base: ServerSpec | undefined): number | undefined {
  if (base === undefined || base.id === server.id) return undefined;
  const value = summary.medians[server.id]?.[metric.id];
  const baseline = summary.medians[base.id]?.[metric.id];
  return value === undefined || baseline === undefined || baseline === 0 ? undefined : value / baseline;
}

function cell(summary: Summary, metric: Metric, server: ServerSpec): string {
  const value = formatValue(summary.medians[server.id]?.[metric.id]);
  if (metric.better === "info") return value;
  const erlang = summary.servers.find((s) => s.runtime === "erlang");
  const parts = [
    [ratio(summary, metric, server, rawOf(summary, server)), "raw"],
    [ratio(summary, metric, server, erlang), "erl"],
  ].filter(([r]) => r !== undefined).map(([r, name]) => `${formatRatio(r as number)} ${name}`);
  return parts.length === 0 ? `**${value}**` : `**${value}**<br>${parts.join(" · ")}`;
}

interface Target {
  readonly title: string;
  readonly metric: string;
  /** The limit as a ratio to raw (undefined: an absolute limit). */
  readonly rawRatio?: number;
  readonly better: "higher" | "lower";
  /** An absolute limit in the metric's unit, by runtime. */
  readonly absolute?: Partial<Record<string, number>>;
  /** Only for servers of this handler shape (`-cb-` in the id: callbacks); every server when absent. */
  readonly shape?: "callbacks" | "loop";
}

const TARGETS: readonly Target[] = [
  {
    title: "Small frames ≥ 0.9× raw (callbacks)",
    metric: "small",
    rawRatio: 0.9,
    better: "higher",
    shape: "callbacks",
  },
  { title: "Small frames ≥ 0.7× raw (for await)", metric: "small", rawRatio: 0.7, better: "higher", shape: "loop" },
  { title: "Latency p50 ≤ 1.1× raw", metric: "p50", rawRatio: 1.1, better: "lower" },
  { title: "Latency p99 ≤ 1.2× raw", metric: "p99", rawRatio: 1.2, better: "lower" },
  { title: "Bandwidth ≥ 0.9× raw", metric: "bandwidth", rawRatio: 0.9, better: "higher" },
  { title: "Accept rate ≥ 0.8× raw", metric: "accept", rawRatio: 0.8, better: "higher" },
  { title: "Idle memory ≤ raw", metric: "idle", better: "lower" },
  {
    title: "Broadcast to 10 000 well under 1 s (≤ 500 ms)",
    metric: "broadcast",
    better: "lower",
    absolute: { all: 500 },
  },
  {
    title: "Shutdown of 10 000 well under 1 s (≤ 500 ms)",
    metric: "shutdown",
    better: "lower",
    absolute: { all: 500 },
  },
];

function targetCell(summary: Summary, target: Target, server: ServerSpec): string {
  const metric = summary.metrics.find((m) => m.id === target.metric);
  const value = summary.medians[server.id]?.[target.metric];
  const shape = server.id.includes("-cb-") ? "callbacks" : "loop";
  if (metric === undefined || value === undefined || (target.shape ?? shape) !== shape) return "–";
  const absolute = target.absolute?.[server.runtime] ?? target.absolute?.all;
  const raw = rawOf(summary, server);
  const rawValue = raw === undefined ? undefined : summary.medians[raw.id]?.[target.metric];
  const limit = absolute ?? (rawValue === undefined ? undefined : rawValue * (target.rawRatio ?? 1));
  if (limit === undefined) return `${formatValue(value)} ${metric.unit}`;
  const met = target.better === "higher" ? value >= limit : value <= limit;
  const shown = absolute === undefined && rawValue !== undefined
    ? `${formatRatio(value / rawValue)} raw`
    : `${formatValue(value)} ${metric.unit}`;
  return `${met ? "met" : "**missed**"}: ${shown}`;
}

/** The whole RESULTS.md. */
export function markdown(summary: Summary): string {
  const servers = summary.servers;
  const lines = [
    "# spawnkit bench results",
    "",
    ...summary.environment.map((line) => `- ${line}`),
    "",
    `Median of ${summary.runs} run${summary.runs === 1 ? "" : "s"}. Each spawnkit figure is followed by its ratio`,
    "to the raw server on the same runtime (`raw`) and to the Erlang original (`erl`): figure ÷ baseline, so",
    "above 1 is better for rates and worse for times and memory. kB = 1000 bytes. Reproduce with `deno task bench`",
    "or `npm run bench` (see bench/README.md).",
    "",
    `| | ${servers.map((s) => s.label).join(" | ")} |`,
    `| --- | ${servers.map(() => "---").join(" | ")} |`,
    ...summary.metrics.map((metric) => {
      const hint = metric.better === "info" ? "" : `, ${metric.better} is better`;
      return `| ${metric.title} (${metric.unit}${hint}) | ${
        servers.map((s) => cell(summary, metric, s)).join(" | ")
      } |`;
    }),
    "",
    "![bench chart](chart.svg)",
    "",
  ];
  const kits = servers.filter((s) => !s.baseline && !s.optional);
  if (kits.length > 0) {
    lines.push(
      "## spawnkit against the targets",
      "",
      `| target | ${kits.map((s) => s.label).join(" | ")} |`,
      `| --- | ${kits.map(() => "---").join(" | ")} |`,
      ...TARGETS.map((t) => `| ${t.title} | ${kits.map((s) => targetCell(summary, t, s)).join(" | ")} |`),
      "",
    );
  }
  if (summary.skipped.length > 0 || summary.notes.length > 0) {
    lines.push("## Notes", "");
    for (const { label, reason } of summary.skipped) lines.push(`- ${label} skipped: ${reason}`);
    for (const note of summary.notes) lines.push(`- ${note}`);
    lines.push("");
  }
  return lines.join("\n");
}
