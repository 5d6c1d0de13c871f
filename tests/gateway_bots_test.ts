/**
 * The gateway's bots (examples/gateway/bots.ts) against the gateway, both
 * children: a short run with zero errors, its summary's own counts checked.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BotsSummary } from "../examples/gateway/bots.ts";
import { runToEnd, startChild } from "./_child.ts";
import { test } from "./_harness.ts";

test("gateway bots run 2 seconds against the gateway with zero errors, every bot pushed to", async () => {
  const dir = mkdtempSync(join(tmpdir(), "spawnkit-bots-"));
  const gateway = await startChild("examples/gateway/server.ts", ["--port", "0"]);
  try {
    const chart = join(dir, "bots.svg");
    const ran = await runToEnd("examples/gateway/bots.ts", [
      ...["--port", String(gateway.port), "--bots", "20", "--seconds", "2", "--rate", "10", "--chart", chart],
    ]);
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    const line = ran.stdout.split("\n").find((l) => l.startsWith("summary "));
    assert.ok(line !== undefined, ran.stdout);
    const summary = JSON.parse(line.slice("summary ".length)) as BotsSummary;
    assert.equal(summary.bots, 20);
    assert.deepEqual(summary.errors, {}, "no error of any code");
    assert.equal(summary.unexpectedErrors, 0);
    // 20 bots at 10 calls a second for 2 seconds: each made its calls (paced, so never more than the rate allows).
    assert.ok(summary.calls >= 20 * 2 && summary.calls <= 20 * 10 * 3, `calls: ${summary.calls}`);
    assert.ok(summary.pushesPerBot.min > 0, "every bot got pushes from its room");
    assert.ok((summary.pushesByMethod.positions ?? 0) > 0 && (summary.pushesByMethod.chat ?? 0) > 0);
    // Every call made was answered: none failed, none was left without an answer when the run ended.
    assert.ok(summary.sent > 0);
    assert.equal(summary.calls, summary.sent, `${summary.sent} calls made, ${summary.calls} answered`);
    // The per-second lines count the same answers (the last, partial second is not printed).
    const perSecond = [...ran.stdout.matchAll(/^bots \d+\/20 · (\d+) calls\/s/gm)].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
    assert.ok(perSecond <= summary.calls, `${perSecond} calls in the progress lines, ${summary.calls} in the summary`);
    // A progress line a second when stdout is not a terminal.
    assert.match(ran.stdout, /^bots \d+\/20 · \d+ calls\/s · \d+ pushes\/s · 0 errors$/m);
    assert.match(readFileSync(chart, "utf8"), /^<svg [^]*<\/svg>\n$/);
  } finally {
    gateway.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(await gateway.exited, 0, gateway.output());
});
