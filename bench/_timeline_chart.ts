/**
 * A chart over time written by hand as plain SVG (no library): panels one
 * under the other, each a line of one figure per sample, with an optional
 * dashed reference line, shaded spans and drawings of the caller's own. The
 * soak's chart (_soak_chart.ts) and the gateway bots' chart are made with it.
 *
 * @module
 */

const WIDTH = 900;
const LEFT = 64;
const RIGHT = 16;
const PANEL_H = 130;
const GAP = 34;
const LINE = "#12664f";

/** One panel: a figure of each sample. */
export interface TimelinePanel<S> {
  readonly title: string;
  readonly value: (sample: S) => number | undefined;
  /** A dashed reference line and its label. */
  readonly reference?: { readonly value: number; readonly label: string };
  readonly format: (value: number) => string;
}

/** Where a panel is drawn, for the caller's own drawings. */
export interface PanelFrame {
  readonly index: number;
  readonly top: number;
  readonly bottom: number;
  /** Seconds to x. */
  readonly x: (t: number) => number;
  /** The panel's value to y. */
  readonly y: (value: number) => number;
}

/** The chart: a title, lines of notes under it, the samples and their panels. */
export interface Timeline<S> {
  readonly title: string;
  readonly notes: readonly string[];
  readonly samples: readonly S[];
  /** A sample's time, seconds. */
  readonly time: (sample: S) => number;
  readonly panels: readonly TimelinePanel<S>[];
  /** Spans shaded in every panel, seconds. */
  readonly shade?: readonly { readonly from: number; readonly to: number; readonly fill: string }[];
  /** Extra elements for a panel, drawn under its line. */
  readonly decorate?: (frame: PanelFrame) => string[];
}

/** A round number at or above `max`, for an axis. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const step = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * step >= max) return m * step;
  return 10 * step;
}

/** A round step at or above `rough`, for the time axis. */
export function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(rough, 1)));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= rough) ?? 10 * power;
}

/** Escapes text for SVG. */
export function escapeSvg(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The chart as an SVG document. */
export function timelineChart<S>(chart: Timeline<S>): string {
  const { samples, panels, time } = chart;
  const top0 = 36 + 16 * chart.notes.length;
  const height = top0 + panels.length * (PANEL_H + GAP);
  const t0 = samples.length > 0 ? time(samples[0]!) : 0;
  const t1 = Math.max(t0 + 1, samples.length > 0 ? time(samples.at(-1)!) : 1);
  const minutes = t1 - t0 > 180;
  const x = (t: number) => LEFT + ((t - t0) / (t1 - t0)) * (WIDTH - LEFT - RIGHT);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}"`,
    ` font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="20" font-size="15" font-weight="bold">${escapeSvg(chart.title)}</text>`,
    ...chart.notes.map((note, i) => `<text x="12" y="${38 + 16 * i}" fill="#555">${escapeSvg(note)}</text>`),
  ];
  panels.forEach((panel, index) => {
    const top = top0 + index * (PANEL_H + GAP) + 14;
    const bottom = top + PANEL_H;
    const values = samples.map(panel.value);
    const max = niceMax(Math.max(panel.reference?.value ?? 0, ...values.map((v) => v ?? 0)));
    const y = (v: number) => bottom - (v / max) * PANEL_H;
    out.push(`<text x="${LEFT}" y="${top - 4}" font-weight="bold">${escapeSvg(panel.title)}</text>`);
    for (const span of chart.shade ?? []) {
      const from = x(span.from);
      out.push(`<rect x="${from}" y="${top}" width="${x(span.to) - from}" height="${PANEL_H}" fill="${span.fill}"/>`);
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
        `<text x="${WIDTH - RIGHT}" y="${ry - 4}" text-anchor="end" fill="#a2001d">${
          escapeSvg(panel.reference.label)
        }</text>`,
      );
    }
    out.push(...chart.decorate?.({ index, top, bottom, x, y }) ?? []);
    const points = samples.flatMap((s, i) =>
      values[i] === undefined ? [] : [`${x(time(s)).toFixed(1)},${y(values[i]!).toFixed(1)}`]
    );
    out.push(`<polyline fill="none" stroke="${LINE}" stroke-width="1.5" points="${points.join(" ")}"/>`);
  });
  // The time axis, under the last panel.
  const axisY = top0 + panels.length * (PANEL_H + GAP) - GAP + 28;
  const span = t1 - t0;
  const step = minutes ? 60 * Math.max(1, Math.ceil(span / 60 / 10)) : niceStep(span / 8);
  for (let t = 0; t <= span; t += step) {
    const label = minutes ? `${t / 60} min` : `${t} s`;
    out.push(`<text x="${x(t0 + t)}" y="${axisY}" text-anchor="middle" fill="#555">${label}</text>`);
  }
  out.push("</svg>", "");
  return out.join("\n");
}
