/**
 * The bench chart: one small bar panel per figure, one bar per server, each
 * labelled with its value. Plain SVG written by hand, no library.
 *
 * @module
 */
import { formatValue, rawOf, type Summary } from "./_report.ts";

const COLORS: Record<string, string> = {
  "erlang": "#a2001d",
  "raw-deno": "#7a8a99",
  "spawnkit-deno": "#12664f",
  "spawnkit-cb-deno": "#2fa37f",
  "raw-bun": "#b5a48b",
  "spawnkit-bun": "#d9822b",
  "spawnkit-cb-bun": "#f0a860",
  "raw-node": "#8fa88f",
  "spawnkit-node": "#3c873a",
  "spawnkit-cb-node": "#66b866",
};

const COLUMNS = 3;
const PANEL_W = 300;
const PANEL_H = 240;
const BAR_AREA = 120;
// The legend: a swatch and a label per server, as many to a row as fit, the rows under the title.
const LEGEND_Y = 32;
const LEGEND_ROW = 16;
const SWATCH = 12;
// Width of a character at font-size 11 in a sans-serif face, rounded up: labels are measured without a renderer.
const CHAR_W = 6.5;

/** Where each legend entry goes: rows of entries that fit in `width`, each entry as wide as its label. */
export function legendLayout(labels: readonly string[], width: number): { x: number; y: number }[] {
  const places: { x: number; y: number }[] = [];
  let x = 12;
  let y = LEGEND_Y;
  for (const label of labels) {
    const entry = SWATCH + 4 + Math.ceil(label.length * CHAR_W) + 18;
    if (x > 12 && x + entry - 18 > width - 12) {
      x = 12;
      y += LEGEND_ROW;
    }
    places.push({ x, y });
    x += entry;
  }
  return places;
}

function ratioText(ratio: number): string {
  return ratio >= 10 ? `${ratio.toFixed(1)}×` : `${ratio.toFixed(2)}×`;
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The chart of every figure but the "info" ones, as an SVG document. */
export function chart(summary: Summary): string {
  const metrics = summary.metrics.filter((m) => m.better !== "info");
  const servers = summary.servers;
  const rows = Math.ceil(metrics.length / COLUMNS);
  const width = COLUMNS * PANEL_W;
  const legend = legendLayout(servers.map((server) => server.label), width);
  const TOP = (legend.at(-1)?.y ?? LEGEND_Y) + LEGEND_ROW + 8;
  const height = TOP + rows * PANEL_H;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"`,
    ` font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="20" font-size="15" font-weight="bold">spawnkit bench: median of ${summary.runs} run(s)</text>`,
  ];
  servers.forEach((server, i) => {
    const { x, y } = legend[i]!;
    out.push(`<rect x="${x}" y="${y}" width="${SWATCH}" height="${SWATCH}" fill="${COLORS[server.id] ?? "#888"}"/>`);
    out.push(`<text x="${x + SWATCH + 4}" y="${y + 10}">${escape(server.label)}</text>`);
  });
  metrics.forEach((metric, index) => {
    const px = (index % COLUMNS) * PANEL_W;
    const py = TOP + Math.floor(index / COLUMNS) * PANEL_H;
    const values = servers.map((s) => summary.medians[s.id]?.[metric.id]);
    const max = Math.max(0, ...values.map((v) => v ?? 0)) || 1;
    const slot = (PANEL_W - 24) / servers.length;
    const base = py + 50 + BAR_AREA;
    out.push(`<text x="${px + 12}" y="${py + 14}" font-weight="bold">${escape(metric.title.split(" (")[0]!)}</text>`);
    out.push(
      `<text x="${px + 12}" y="${py + 27}" fill="#555">${escape(metric.unit)}, ${metric.better} is better</text>`,
    );
    out.push(`<line x1="${px + 10}" y1="${base}" x2="${px + PANEL_W - 10}" y2="${base}" stroke="#999"/>`);
    values.forEach((value, i) => {
      const x = px + 12 + i * slot;
      if (value === undefined) {
        out.push(`<text x="${x + slot / 2}" y="${base - 4}" text-anchor="middle" fill="#999">–</text>`);
        return;
      }
      const h = Math.max(1, (value / max) * BAR_AREA);
      const fill = COLORS[servers[i]!.id] ?? "#888";
      out.push(`<rect x="${x + 3}" y="${base - h}" width="${slot - 6}" height="${h}" fill="${fill}"/>`);
      // Under a bar: its ratio to the raw server on the same runtime (spawnkit) and to Erlang.
      const server = servers[i]!;
      const raw = server.baseline ? undefined : rawOf(summary, server);
      const erlang = servers.find((s) => s.runtime === "erlang");
      const ratios = [[raw, "raw"], [erlang, "erl"]] as const;
      let line = 0;
      for (const [base_, name] of ratios) {
        const baseline = base_ === undefined || base_.id === server.id
          ? undefined
          : summary.medians[base_.id]?.[metric.id];
        if (baseline === undefined || baseline <= 0) continue;
        line++;
        out.push(
          `<text x="${x + slot / 2}" y="${base + 2 + line * 10}" text-anchor="middle" font-size="8" fill="#333">${
            ratioText(value / baseline)
          } ${name}</text>`,
        );
      }
      out.push(
        `<text x="${x + slot / 2}" y="${base - h - 3}" text-anchor="middle" font-size="9">${
          escape(formatValue(value))
        }</text>`,
      );
    });
  });
  out.push("</svg>", "");
  return out.join("\n");
}
