/**
 * The soak chart: four panels over time (RSS, open descriptors, active
 * connections, event-loop delay p99), the churn shaded, the baselines dashed.
 * Plain SVG written by hand (_timeline_chart.ts), like the bench chart.
 *
 * @module
 */
import type { Sample } from "./_soak_sample.ts";
import type { SoakSummary } from "./_soak_summary.ts";
import { type PanelFrame, timelineChart, type TimelinePanel } from "./_timeline_chart.ts";

/** The chart as an SVG document. */
export function soakChart(samples: readonly Sample[], summary: SoakSummary): string {
  const panels: TimelinePanel<Sample>[] = [
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
  const growth = `${summary.rss.growthPct >= 0 ? "+" : ""}${summary.rss.growthPct.toFixed(1)}%`;
  const shade = (["churn", "drain"] as const).flatMap((phase) => {
    const during = samples.filter((s) => s.phase === phase);
    if (during.length === 0) return [];
    return [{ from: during[0]!.t - 1, to: during.at(-1)!.t, fill: phase === "churn" ? "#e4efe9" : "#f3f7f5" }];
  });
  // On the RSS panel: the two medians the growth is taken between, over their windows, and the JS heap in grey.
  const decorate = ({ index, x, y }: PanelFrame): string[] => {
    if (index !== 0) return [];
    const out: string[] = [];
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
    const heap = samples.flatMap((s) =>
      s.server?.heapUsedKb === undefined ? [] : [`${x(s.t).toFixed(1)},${y(s.server.heapUsedKb / 1024).toFixed(1)}`]
    );
    out.push(`<polyline fill="none" stroke="#999" stroke-width="1" points="${heap.join(" ")}"/>`);
    return out;
  };
  return timelineChart({
    title: `spawnkit soak on ${summary.runtime}: ${summary.seconds} s of churn`,
    notes: [
      `RSS ${growth} from ${
        summary.rss.referenceAtS === 60 ? "minute 1" : `${summary.rss.referenceAtS} s`
      } to the end of the churn (red: the medians compared) · descriptors ${summary.fds.baseline} → ${summary.fds.after}` +
      ` · active ${summary.active.baseline} → ${summary.active.after}`,
      "shaded: the churn (dark), then the wait for the idle connections (light)",
    ],
    samples,
    time: (s) => s.t,
    panels,
    shade,
    decorate,
  });
}
