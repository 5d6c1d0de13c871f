/**
 * What the npm package ships: every entry point of deno.json (JSR) is also an
 * npm export, and every file an export names (code and types) is in the
 * tarball `npm pack` would make (its prepack runs scripts/build.ts). Runs in
 * the Deno suite; scripts/test.sh also runs both publish dry runs as steps.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { isDeno } from "../src/transport/select.ts";
import { skip, test } from "./_harness.ts";
import { runProgram } from "./_child.ts";

const NAME = "npm pack ships every entry point of deno.json with its code and types, README and LICENSE";

type Target = string | { types: string; default: string };

if (!isDeno()) skip(NAME, "packs the repository once; runs in the Deno suite");
else {
  test(NAME, async () => {
    const jsr = JSON.parse(await readFile("deno.json", "utf8")) as { exports: Record<string, string> };
    const npm = JSON.parse(await readFile("package.json", "utf8")) as {
      exports: Record<string, Target>;
      types: string;
    };
    assert.deepEqual(Object.keys(npm.exports).sort(), Object.keys(jsr.exports).sort(), "the same entry points");

    const packed = await runProgram("npm", ["pack", "--dry-run", "--json"]);
    assert.equal(packed.code, 0, packed.stderr);
    // prepack's own output comes first; the JSON report is the rest.
    const report = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("\n[") + 1)) as [{ files: { path: string }[] }];
    const files = new Set(report[0].files.map((file) => file.path));
    const wanted = ["README.md", "LICENSE", "package.json", npm.types.replace(/^\.\//, "")];
    for (const [key, target] of Object.entries(npm.exports)) {
      assert.equal(typeof target, "object", `export ${key} names its types and its code`);
      const { types, default: code } = target as { types: string; default: string };
      assert.match(code, /^\.\/dist\/.*\.js$/, `export ${key} is built JavaScript`);
      wanted.push(types.replace(/^\.\//, ""), code.replace(/^\.\//, ""));
    }
    for (const path of wanted) assert.ok(files.has(path), `${path} is in the package`);
  });
}
