/**
 * The soak's verdict, from its samples and the churn's JSON line: the RSS
 * growth from minute 1 to the end of the churn, whether descriptors and the
 * active count came back to their baseline, the event-loop delay, and what
 * the server counted.
 *
 * @module
 */
import type { Sample } from "./_soak_sample.ts";

/** RSS growth at most this (percent, minute 1 to the end) meets the soak's target. */
export const RSS_TARGET_PCT = 5;

/** What the soak found. */
export interface SoakSummary {
  readonly runtime: string;
  readonly environment: readonly string[];
  /** Seconds of churn. */
  readonly seconds: number;
  /** When the churn began, in the samples' time (seconds since the server was ready). */
  readonly churnStart: number;
  readonly rss: {
    /** Seconds into the churn of the reference figure: 60, or half the churn when it is shorter than 2 minutes. */
    readonly referenceAtS: number;
    /** The reference is the median RSS from this many seconds before it to as many after. */
    readonly halfWindowS: number;
    /** The end is the median RSS over this many last seconds of the churn. */
    readonly endWindowS: number;
    readonly referenceKb: number;
    readonly endKb: number;
    readonly growthPct: number;
    /** Growth over the second half of the churn: from the median around its middle to the end. */
    readonly secondHalfGrowthPct: number;
    /** Least-squares slope over the second half of the churn, kB per minute. */
    readonly trendKbPerMin: number;
    readonly peakKb: number;
    /** After the churn, every connection gone. */
    readonly afterKb: number;
  };
  /**
   * The JS heap's floor, the least `heapUsed` of a window (what a collection left): at minute 1 and at the end, over
   * the same windows as RSS. Unlike RSS, it does not keep the high-water mark a burst of connections left.
   */
  readonly heap: { readonly referenceKb: number; readonly endKb: number; readonly growthPct: number };
  readonly fds: { readonly baseline: number; readonly peak: number; readonly after: number };
  readonly active: { readonly baseline: number; readonly peak: number; readonly after: number };
  /** Event-loop delay over the churn, ms: the worst second's p99, the median second's p99, the longest. */
  readonly loop: { readonly worstP99: number; readonly medianP99: number; readonly max: number };
  /** Mean server CPU during the churn, percent of one core. */
  readonly cpuPct: number;
  /** Cores other processes (neither the server nor the churn) kept busy during the churn, on average. */
  readonly otherCores: number;
  readonly server: {
    readonly accepted: number;
    readonly closed: Readonly<Record<string, number>>;
    readonly refused: Readonly<Record<string, number>>;
    readonly acceptErrors: Readonly<Record<string, number>>;
    readonly acceptPauses: number;
    readonly logged: Readonly<Record<string, number>>;
    readonly lastError: string | undefined;
  };
  /** The churn's own JSON line (bench/load --mode churn). */
  readonly churn: Record<string, unknown>;
  /** Why the soak failed; empty when it passed. */
  readonly failures: readonly string[];
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? NaN : sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function slopePerMinute(points: ReadonlyArray<readonly [number, number]>): number {
  if (points.length < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / points.length;
  const my = points.reduce((s, [, y]) => s + y, 0) / points.length;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 60;
}

// The machine's busy CPU seconds over the churn, less the server's and the churn's own, per second of churn.
function otherCores(busySeconds: number, loaded: readonly Sample[], churn: Record<string, unknown>): number {
  const elapsed = typeof churn.elapsed_s === "number" ? churn.elapsed_s : 0;
  const client = typeof churn.client_cpu === "number" ? churn.client_cpu * elapsed : 0;
  const server = loaded.reduce((sum, s) => sum + s.cpu / 100, 0);
  return elapsed > 0 ? Math.max(0, (busySeconds - client - server) / elapsed) : 0;
}

/**
 * The verdict. `churnStart` is the `t` at which the churn began; `machineBusySeconds`
 * the CPU seconds all cores spent busy while it ran (from /proc/stat).
 */
export function summarize(
  runtime: string,
  environment: readonly string[],
  samples: readonly Sample[],
  churnStart: number,
  seconds: number,
  churn: Record<string, unknown>,
  machineBusySeconds: number,
): SoakSummary {
  const churning = samples.filter((s) => s.phase === "churn");
  const loaded = samples.filter((s) => s.phase === "churn" || s.phase === "drain");
  const baseline = samples.filter((s) => s.phase === "baseline" && s.server !== undefined).at(-1);
  const last = samples.at(-1);
  if (churning.length === 0 || baseline === undefined || last === undefined) {
    throw new Error(`Cannot summarize the soak: ${samples.length} samples, none of the churn or of the baseline`);
  }
  // RSS swings with the GC's sawtooth (±15 % within seconds on Bun): minute 1 is the median of the minute centred
  // on it, the end the median of the last minute (a quarter of a churn shorter than four minutes).
  const referenceAtS = Math.min(60, seconds / 2);
  const halfWindow = Math.min(30, seconds / 8);
  const into = (s: Sample) => s.t - churnStart;
  const around = (centre: number, half: number) => {
    const near = churning.filter((s) => Math.abs(into(s) - centre) <= half);
    const nearest = churning.reduce((a, b) => Math.abs(into(a) - centre) <= Math.abs(into(b) - centre) ? a : b);
    return near.length > 0 ? near : [nearest];
  };
  const medianAround = (centre: number, half: number) => median(around(centre, half).map((s) => s.rssKb));
  const heapFloor = (centre: number, half: number) =>
    Math.min(...around(centre, half).map((s) => s.server?.heapUsedKb ?? Infinity));
  const referenceKb = medianAround(referenceAtS, halfWindow);
  const endWindow = Math.max(1, Math.min(60, seconds / 4));
  const endKb = medianAround(seconds - endWindow / 2, endWindow / 2);
  // A leak climbs all along; a high-water mark (a burst of connections the heap grew for) is a step, then flat.
  const halfwayKb = medianAround(seconds / 2, halfWindow);
  const secondHalf = churning.filter((s) => into(s) >= seconds / 2);
  const trend = slopePerMinute(secondHalf.map((s) => [s.t, s.rssKb] as const));
  const heapStart = heapFloor(referenceAtS, halfWindow);
  const heapEnd = heapFloor(seconds - endWindow / 2, endWindow / 2);
  const p99s = loaded.flatMap((s) => s.server === undefined ? [] : [s.server.loop.p99]);
  const finalLine = [...samples].reverse().find((s) => s.server !== undefined)?.server;

  const fds = { baseline: baseline.fds, peak: Math.max(...samples.map((s) => s.fds)), after: last.fds };
  const active = {
    baseline: baseline.server?.active ?? NaN,
    peak: Math.max(...samples.map((s) => s.server?.active ?? 0)),
    after: last.server?.active ?? NaN,
  };
  const failures: string[] = [];
  if (!(fds.after <= fds.baseline)) {
    failures.push(`open descriptors ${fds.after} after the churn, ${fds.baseline} before`);
  }
  if (!(active.after <= active.baseline)) {
    failures.push(`active count ${active.after} after the churn, ${active.baseline} before`);
  }
  const errors = churn.errors;
  if (typeof errors !== "number") failures.push("the churn printed no result");
  else if (errors > 0) failures.push(`the churn saw ${errors} errors: ${JSON.stringify(churn.error_kinds)}`);
  return {
    runtime,
    environment,
    seconds,
    churnStart,
    rss: {
      referenceAtS,
      halfWindowS: halfWindow,
      endWindowS: endWindow,
      referenceKb,
      endKb,
      growthPct: ((endKb - referenceKb) / referenceKb) * 100,
      secondHalfGrowthPct: ((endKb - halfwayKb) / halfwayKb) * 100,
      trendKbPerMin: trend,
      peakKb: Math.max(...samples.map((s) => s.rssKb)),
      afterKb: last.rssKb,
    },
    heap: { referenceKb: heapStart, endKb: heapEnd, growthPct: ((heapEnd - heapStart) / heapStart) * 100 },
    fds,
    active,
    loop: {
      worstP99: Math.max(0, ...p99s),
      medianP99: median(p99s),
      max: Math.max(0, ...loaded.map((s) => s.server?.loop.max ?? 0)),
    },
    cpuPct: churning.reduce((sum, s) => sum + s.cpu, 0) / churning.length,
    otherCores: otherCores(machineBusySeconds, loaded, churn),
    server: {
      accepted: finalLine?.accepted ?? 0,
      closed: finalLine?.closed ?? {},
      refused: finalLine?.refused ?? {},
      acceptErrors: finalLine?.acceptErrors ?? {},
      acceptPauses: finalLine?.acceptPauses ?? 0,
      logged: finalLine?.logged ?? {},
      lastError: finalLine?.lastError,
    },
    churn,
    failures,
  };
}

const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MiB`;
const pct = (value: number) => `${value >= 0 ? "+" : ""}${value.toFixed(1)}%`;

/** The verdict for people, a few lines. */
export function describe(s: SoakSummary): string {
  const c = s.churn;
  const growth = pct(s.rss.growthPct);
  const at = s.rss.referenceAtS === 60 ? "minute 1" : `${s.rss.referenceAtS} s`;
  const ended = Object.entries((c.ended ?? {}) as Record<string, number>).map(([k, n]) => `${k} ${n}`).join(", ");
  return [
    `soak on ${s.runtime}: ${s.seconds} s of churn`,
    `  churn: ${c.opened} connections (${ended}), ${c.frames} echoes checked, errors ${c.errors}; ` +
    `session p50 ${c.session_p50_ms} ms, p99 ${c.session_p99_ms} ms`,
    `  server: accepted ${s.server.accepted} of the ${c.opened} opened, closed ${JSON.stringify(s.server.closed)}, ` +
    `accept errors ${JSON.stringify(s.server.acceptErrors)}, accept pauses ${s.server.acceptPauses}, ` +
    `logged warn ${s.server.logged.warn ?? 0} error ${s.server.logged.error ?? 0}` +
    (s.server.lastError === undefined ? "" : ` (last error: ${s.server.lastError})`),
    `  RSS: ${mb(s.rss.referenceKb)} at ${at}, ${mb(s.rss.endKb)} at the end: ${growth} ` +
    `(target under ${RSS_TARGET_PCT}%: ${s.rss.growthPct < RSS_TARGET_PCT ? "met" : "missed"}); ` +
    `second half ${pct(s.rss.secondHalfGrowthPct)}, trend ${s.rss.trendKbPerMin.toFixed(0)} kB/min; ` +
    `peak ${mb(s.rss.peakKb)}, after ${mb(s.rss.afterKb)}`,
    `  JS heap floor (least heapUsed of the window): ${mb(s.heap.referenceKb)} at ${at}, ${mb(s.heap.endKb)} ` +
    `at the end: ${pct(s.heap.growthPct)}`,
    `  descriptors: ${s.fds.baseline} before, peak ${s.fds.peak}, ${s.fds.after} after; ` +
    `active: ${s.active.baseline} before, peak ${s.active.peak}, ${s.active.after} after`,
    `  event-loop delay: p99 ${s.loop.medianP99.toFixed(2)} ms in the median second, ` +
    `${s.loop.worstP99.toFixed(2)} ms in the worst, longest ${s.loop.max.toFixed(1)} ms; server CPU ${
      s.cpuPct.toFixed(0)
    }%, other processes ${s.otherCores.toFixed(2)} cores`,
    s.failures.length === 0 ? "  passed" : `  FAILED: ${s.failures.join("; ")}`,
  ].join("\n");
}
