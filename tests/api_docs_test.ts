/**
 * The API reference task (`deno task doc`, `npm run docs:api`: scripts/api_docs.sh) builds an HTML page for every entry
 * point of deno.json, from the JSDoc. Runs in the Deno suite: it runs deno itself.
 *
 * @module
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeno } from "../src/transport/select.ts";
import { skip, test } from "./_harness.ts";
import { runProgram } from "./_child.ts";

const NAME = "scripts/api_docs.sh builds the API reference: a page per entry point, naming its exports";

if (!isDeno()) skip(NAME, "runs deno doc once; runs in the Deno suite");
else {
  test(NAME, async () => {
    const out = await mkdtemp(join(tmpdir(), "spawnkit-api-"));
    try {
      const built = await runProgram("bash", ["scripts/api_docs.sh", out]);
      assert.equal(built.code, 0, built.stdout + built.stderr);
      const index = await readFile(join(out, "index.html"), "utf8");
      assert.match(index, /spawnkit/);
      assert.match(index, /serve/, "the core's exports are on the first page");
      const exports = JSON.parse(readFileSync("deno.json", "utf8")).exports as Record<string, string>;
      for (const key of Object.keys(exports).filter((key) => key !== ".")) {
        const page = join(out, key.slice(2), "index.html");
        assert.ok(existsSync(page), `${key} has a page`);
      }
      const rpc = await readFile(join(out, "rpc", "index.html"), "utf8");
      assert.match(rpc, /rpcHandler/, "an edge's page names its exports");
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
}
