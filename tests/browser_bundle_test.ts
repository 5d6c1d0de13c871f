/**
 * The browser's client (`spawnkit/browser`) bundles for browsers: Bun's
 * bundler with `target: "browser"` (scripts/build_browser.ts) finds no
 * `node:` built-in, no package and no runtime's socket adapter in it, and
 * the copy the gateway's page loads (examples/gateway/web/spawnkit_browser.js)
 * is the one the source builds today.
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runProgram } from "./_child.ts";
import { test } from "./_harness.ts";

const BUN = resolve("node_modules/.bin/bun");
const COMMITTED = "examples/gateway/web/spawnkit_browser.js";

test("spawnkit/browser bundles for browsers with nothing a browser lacks, and the gateway page's copy is fresh", async () => {
  const dir = await mkdtemp(join(tmpdir(), "spawnkit-browser-"));
  try {
    const out = join(dir, "browser.js");
    const ran = await runProgram(BUN, ["scripts/build_browser.ts", out]);
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    const code = await readFile(out, "utf8");
    assert.doesNotMatch(code, /\bfrom\s*["']|\bimport\s*\(\s*["']/, "one module: it imports nothing");
    assert.doesNotMatch(code, /["']node:/, "no node: built-in");
    assert.match(code, /spawnkit\.stream/);
    assert.match(code, /export\s*\{[^}]*connectWebSocket/);
    assert.equal(
      await readFile(COMMITTED, "utf8"),
      code,
      `${COMMITTED} is stale: run \`bun scripts/build_browser.ts\` and commit it`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the browser bundle's check fails on a runtime's transport (the guard can fail)", async () => {
  // An entry that also re-exports connect(), which picks a runtime's transport (src/transport/select.ts).
  const dir = await mkdtemp(join(tmpdir(), "spawnkit-browser-probe-"));
  try {
    const probe = join(dir, "probe.ts");
    await writeFile(probe, `export { connect } from "${resolve("src/core/connect.ts")}";\n`);
    const ran = await runProgram(BUN, [
      "-e",
      `const m = await import("${resolve("scripts/build_browser.ts")}");
      try { await m.bundleBrowser(${JSON.stringify(probe)}); console.log("built"); }
      catch (e) { console.log("refused: " + e.message); }`,
    ]);
    assert.match(
      ran.stdout,
      /refused: Cannot bundle for browsers: .*src\/transport\/select\.ts/,
      ran.stdout + ran.stderr,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
