/**
 * The soak chart: four panels over time (RSS, open descriptors, active
 * connections, event-loop delay p99), the churn shaded, the baselines dashed.
 * Plain SVG written by hand, like the bench chart (_chart.ts).
 *
 * @module
 */
import type { Sample } from "./_soak_sample.ts";
import type { SoakSummary } from "./_soak_summary.ts";

const WIDTH = 900;
const LEFT = 64;
const RIGHT = 16;
const TOP = 68;
const PANEL_H = 130;
const GAP = 34;
const LINE = "#12664f";

interface Panel {
  readonly title: string;
  readonly value: (s: Sample) => number | undefined;
  /** A dashed reference line and its label. */
  readonly reference?: { readonly value: number; readonly label: string };
  readonly format: (v: number) => string;
}

function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const step = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * step >= max) return m * step;
  return 10 * step;
}

function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(rough, 1)));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= rough) ?? 10 * power;
}

/** The chart as an SVG document. */
export function soakChart(samples: readonly Sample[], summary: SoakSummary): string {
  const panels: Panel[] = [
    { title: "RSS (MiB), and the JS heap in use in grey", value: (s) => s.rssKb / 1024, format: (v) => v.toFixed(0) },
    {
      title: "open descriptors",
      value: (s) => s.fds,
      reference: { value: summary.fds.baseline, label: `baseline ${summary.fds.baseline}` },
      format: (v) => v.toFixed(0),
    },
    {
      title: "active connections (server.stats)",
      value: (s) => s.server?.active,
      reference: { value: summary.active.baseline, label: `baseline ${summary.active.baseline}` },
      format: (v) => v.toFixed(0),
    },
    {
      title: "event-loop delay p99 of each second (ms)",
      value: (s) => s.server?.loop.p99,
      format: (v) => v.toFixed(1),
    },
  ];
  const height = TOP + panels.length * (PANEL_H + GAP);
  const t0 = samples[0]?.t ?? 0;
  const t1 = Math.max(t0 + 1, samples.at(-1)?.t ?? 1);
  const minutes = t1 - t0 > 180;
  const x = (t: number) => LEFT + ((t - t0) / (t1 - t0)) * (WIDTH - LEFT - RIGHT);
  const growth = `${summary.rss.growthPct >= 0 ? "+" : ""}${summary.rss.growthPct.toFixed(1)}%`;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}"`,
    ` font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="20" font-size="15" font-weight="bold">spawnkit soak on ${summary.runtime}: ${summary.seconds} s of churn</text>`,
    `<text x="12" y="38" fill="#555">RSS ${growth} from ${
      summary.rss.referenceAtS === 60 ? "minute 1" : `${summary.rss.referenceAtS} s`
    } to the end of the churn (red: the medians compared) · descriptors ${summary.fds.baseline} → ${summary.fds.after}` +
    ` · active ${summary.active.baseline} → ${summary.active.after}</text>`,
    `<text x="12" y="54" fill="#555">shaded: the churn (dark), then the wait for the idle connections (light)</text>`,
  ];
  panels.forEach((panel, index) => {
    const top = TOP + index * (PANEL_H + GAP) + 14;
    const bottom = top + PANEL_H;
    const values = samples.map(panel.value);
    const max = niceMax(Math.max(panel.reference?.value ?? 0, ...values.map((v) => v ?? 0)));
    const y = (v: number) => bottom - (v / max) * PANEL_H;
    out.push(`<text x="${LEFT}" y="${top - 4}" font-weight="bold">${panel.title}</text>`);
    for (const phase of ["churn", "drain"] as const) {
      const during = samples.filter((s) => s.phase === phase);
      if (during.length === 0) continue;
      const from = x(during[0]!.t - 1);
      const to = x(during.at(-1)!.t);
      const fill = phase === "churn" ? "#e4efe9" : "#f3f7f5";
      out.push(`<rect x="${from}" y="${top}" width="${to - from}" height="${PANEL_H}" fill="${fill}"/>`);
    }
    out.push(`<line x1="${LEFT}" y1="${bottom}" x2="${WIDTH - RIGHT}" y2="${bottom}" stroke="#999"/>`);
    out.push(`<line x1="${LEFT}" y1="${top}" x2="${LEFT}" y2="${bottom}" stroke="#999"/>`);
    for (const v of [0, max / 2, max]) {
      out.push(`<text x="${LEFT - 6}" y="${y(v) + 4}" text-anchor="end" fill="#555">${panel.format(v)}</text>`);
    }
    if (panel.reference !== undefined) {
      const ry = y(panel.reference.value);
      out.push(
        `<line x1="${LEFT}" y1="${ry}" x2="${WIDTH - RIGHT}" y2="${ry}" stroke="#a2001d" stroke-dasharray="4 3"/>`,
        `<text x="${WIDTH - RIGHT}" y="${ry - 4}" text-anchor="end" fill="#a2001d">${panel.reference.label}</text>`,
      );
    }
    if (index === 0) {
      // The two medians the growth is taken between, over their windows.
      const { referenceAtS, halfWindowS, endWindowS, referenceKb, endKb } = summary.rss;
      const start = summary.churnStart;
      const windows = [
        [start + referenceAtS - halfWindowS, start + referenceAtS + halfWindowS, referenceKb],
        [start + summary.seconds - endWindowS, start + summary.seconds, endKb],
      ];
      for (const [from, to, kb] of windows) {
        const wy = y(kb! / 1024);
        out.push(
          `<line x1="${x(from!)}" y1="${wy}" x2="${x(to!)}" y2="${wy}" stroke="#a2001d" stroke-width="2.5"/>`,
          `<text x="${x(to!)}" y="${wy - 5}" text-anchor="end" fill="#a2001d">${(kb! / 1024).toFixed(1)}</text>`,
        );
      }
    }
    if (index === 0) {
      // The JS heap in use under the RSS, in grey.
      const heap = samples.flatMap((s) =>
        s.server?.heapUsedKb === undefined ? [] : [`${x(s.t).toFixed(1)},${y(s.server.heapUsedKb / 1024).toFixed(1)}`]
      );
      out.push(`<polyline fill="none" stroke="#999" stroke-width="1" points="${heap.join(" ")}"/>`);
    }
    const points = samples.flatMap((s, i) =>
      values[i] === undefined ? [] : [`${x(s.t).toFixed(1)},${y(values[i]!).toFixed(1)}`]
    );
    out.push(`<polyline fill="none" stroke="${LINE}" stroke-width="1.5" points="${points.join(" ")}"/>`);
  });
  // The time axis, under the last panel.
  const axisY = TOP + panels.length * (PANEL_H + GAP) - GAP + 28;
  const span = t1 - t0;
  const step = minutes ? 60 * Math.max(1, Math.ceil(span / 60 / 10)) : niceStep(span / 8);
  for (let t = 0; t <= span; t += step) {
    const label = minutes ? `${t / 60} min` : `${t} s`;
    out.push(`<text x="${x(t0 + t)}" y="${axisY}" text-anchor="middle" fill="#555">${label}</text>`);
  }
  out.push("</svg>", "");
  return out.join("\n");
}
