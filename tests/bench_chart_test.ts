import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { chart, legendLayout } from "../bench/_chart.ts";
import { SERVERS } from "../bench/_matrix.ts";
import { test } from "./_harness.ts";

// What a label takes at font-size 11, as the chart measures it.
const CHAR_W = 6.5;

test("bench chart legend: every server's entry inside the chart, none over another, rows as needed", () => {
  const labels = SERVERS.map((server) => server.label);
  assert.ok(labels.length >= 9, "the bench's servers, more than fit one row");
  const places = legendLayout(labels, 900);
  const ends = places.map((place, i) => place.x + 16 + labels[i]!.length * CHAR_W);
  for (const [i, end] of ends.entries()) assert.ok(end <= 900 - 12, `${labels[i]} ends at ${end}, inside 900 px`);
  for (let i = 1; i < places.length; i++) {
    if (places[i]!.y === places[i - 1]!.y) {
      assert.ok(places[i]!.x > ends[i - 1]!, `${labels[i]} after ${labels[i - 1]}`);
    } else assert.ok(places[i]!.y > places[i - 1]!.y, "a new row goes under the last");
  }
  assert.ok(new Set(places.map((place) => place.y)).size > 1, "more than one row");
  assert.deepEqual(legendLayout(["raw Deno"], 900), [{ x: 12, y: 32 }], "one entry: one row");
});

test("bench chart: the panels start under the legend's last row", () => {
  const saved = JSON.parse(readFileSync("bench/results.json", "utf8"));
  const servers = SERVERS.filter((server) => saved.medians[server.id] !== undefined);
  const svg = chart({
    ...saved,
    skipped: [],
    servers,
    metrics: [{ id: "p50", title: "Latency p50", unit: "µs", better: "lower" }],
  });
  const legendBottom = Math.max(
    ...[...svg.matchAll(/<rect x="[\d.]+" y="([\d.]+)" width="12"/g)].map((m) => Number(m[1]) + 12),
  );
  const firstPanel = Number(/<text x="12" y="([\d.]+)" font-weight="bold">Latency p50/.exec(svg)![1]) - 14;
  assert.ok(firstPanel >= legendBottom, `panel at ${firstPanel}, legend ends at ${legendBottom}`);
});
