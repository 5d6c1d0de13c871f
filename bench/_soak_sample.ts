/**
 * One second of the soak: what /proc says of the server process (RSS, open
 * descriptors, threads, CPU time) and the last figures line the server printed
 * (bench/servers/soak_server.ts: `server.stats`, event-loop delay, log counts).
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";

/** The part of the soak a sample was taken in. */
export type Phase = "baseline" | "churn" | "drain" | "settle" | "after";

/** The server's own line, printed once a second. */
export interface ServerLine {
  readonly active: number;
  readonly accepted: number;
  readonly closed: Readonly<Record<string, number>>;
  readonly refused: Readonly<Record<string, number>>;
  /** Accept errors by errno code, and the accept loop's pauses (resource exhaustion only). */
  readonly acceptErrors?: Readonly<Record<string, number>>;
  readonly acceptPauses?: number;
  /** `process.memoryUsage().heapUsed`: the JS heap in use, garbage not yet collected included. */
  readonly heapUsedKb?: number;
  readonly loop: { readonly p50: number; readonly p99: number; readonly max: number; readonly n: number };
  readonly logged: Readonly<Record<"debug" | "info" | "warn" | "error", number>>;
  readonly lastError?: string;
}

/** One row of the CSV. */
export interface Sample {
  /** Seconds since the server was ready. */
  readonly t: number;
  readonly phase: Phase;
  readonly rssKb: number;
  readonly fds: number;
  readonly threads: number;
  /** Server CPU over the last second, in percent of one core. */
  readonly cpu: number;
  readonly server: ServerLine | undefined;
}

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux build that matters here

/** Reads the process's /proc figures; throws when it is gone. */
export function readProc(pid: number): { rssKb: number; threads: number; fds: number; cpuSeconds: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? NaN);
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The fields after the command name, which may hold spaces: utime and stime are the 14th and 15th of the line.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cpuTicks = Number(rest[11]) + Number(rest[12]);
  return {
    rssKb: field("VmRSS"),
    threads: field("Threads"),
    fds: readdirSync(`/proc/${pid}/fd`).length,
    cpuSeconds: cpuTicks / TICKS_PER_SECOND,
  };
}

/** CPU seconds all cores spent busy since boot (user, nice, system, irq, softirq, steal), from /proc/stat. */
export function machineBusySeconds(): number {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}

/** The last figures line among the server's stdout lines, if any. */
export function lastServerLine(lines: readonly string[]): ServerLine | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (!line.startsWith("{")) continue;
    try {
      return JSON.parse(line) as ServerLine;
    } catch { /* a line cut short: take the one before */ }
  }
  return undefined;
}

/** The total of a by-reason record. */
export function total(record: Readonly<Record<string, number>> | undefined): number {
  return Object.values(record ?? {}).reduce((sum, n) => sum + n, 0);
}

const COLUMNS = [
  "t_s",
  "phase",
  "rss_kb",
  "fds",
  "threads",
  "cpu_pct",
  "active",
  "accepted",
  "closed",
  "loop_p50_ms",
  "loop_p99_ms",
  "loop_max_ms",
  "logged_warn",
  "logged_error",
  "heap_used_kb",
];

/** The samples as CSV, a header line first. */
export function csv(samples: readonly Sample[]): string {
  const rows = samples.map((s) =>
    [
      s.t,
      s.phase,
      s.rssKb,
      s.fds,
      s.threads,
      s.cpu.toFixed(1),
      s.server?.active ?? "",
      s.server?.accepted ?? "",
      s.server === undefined ? "" : total(s.server.closed),
      s.server?.loop.p50 ?? "",
      s.server?.loop.p99 ?? "",
      s.server?.loop.max ?? "",
      s.server?.logged.warn ?? "",
      s.server?.logged.error ?? "",
      s.server?.heapUsedKb ?? "",
    ].join(",")
  );
  return [COLUMNS.join(","), ...rows, ""].join("\n");
}
