/**
 * The soak (bench/soak.ts) for two seconds of churn against the soak server on
 * the runtime running the tests: it must write its CSV, chart and summary, and
 * the server's open descriptors and active count must come back to their
 * baseline once the churn ends. A behaviour check on the kit's own counters
 * and /proc, with no timing threshold; the full soak is run by hand (see
 * bench/README.md). Skipped, with the reason, where g++ is missing.
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../bench/_processes.ts";
import type { SoakSummary } from "../bench/_soak_summary.ts";
import { isBun, isDeno } from "../src/transport/select.ts";
import { runToEnd } from "./_child.ts";
import { skip, test } from "./_harness.ts";

const runtime = isDeno() ? "deno" : isBun() ? "bun" : "node";
const hasCompiler = (await run("g++", ["--version"])).code === 0;
const register = hasCompiler ? test : (name: string) => skip(name, "g++ is not installed");

register("soak on this runtime brings descriptors and the active count back to their baseline", async () => {
  const out = mkdtempSync(join(tmpdir(), "spawnkit-soak-"));
  try {
    const args = ["--runtime", runtime, "--seconds", "2", "--rate", "100", "--baseline", "1", "--idle-timeout", "1"];
    const ran = await runToEnd("bench/soak.ts", [...args, "--out", out]);
    assert.equal(ran.code, 0, `${ran.stdout}\n${ran.stderr}`);
    const summary = JSON.parse(readFileSync(join(out, `${runtime}.json`), "utf8")) as SoakSummary;
    assert.deepEqual(summary.failures, []);
    assert.ok(summary.fds.after <= summary.fds.baseline, JSON.stringify(summary.fds));
    assert.equal(summary.active.after, 0);
    // The churn reached the server, and its guards ended what they should.
    assert.equal(summary.churn.errors, 0, JSON.stringify(summary.churn));
    assert.ok(summary.server.accepted > 0);
    assert.ok((summary.server.closed["idle-timeout"] ?? 0) > 0, JSON.stringify(summary.server.closed));
    assert.ok((summary.server.closed["truncated-frame"] ?? 0) > 0, JSON.stringify(summary.server.closed));
    const rows = readFileSync(join(out, `${runtime}.csv`), "utf8").trim().split("\n");
    assert.match(rows[0]!, /^t_s,phase,rss_kb,fds,threads,cpu_pct,active,/);
    const phases = new Set(rows.slice(1).map((row) => row.split(",")[1]));
    for (const phase of ["baseline", "churn", "after"]) assert.ok(phases.has(phase), `no ${phase} row in ${rows}`);
    assert.match(readFileSync(join(out, `${runtime}.svg`), "utf8"), /^<svg /);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
