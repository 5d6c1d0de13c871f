/**
 * The layout's rules, checked on the source itself:
 *
 * 1. The core (src/core/), the transports (src/transport/) and mod.ts import
 *    no edge and no package: only relative files (and, in the transports,
 *    runtime built-ins).
 * 2. Nothing in the core names a runtime: no `node:` import, no `Deno` or
 *    `Bun` in its code. Runtimes are the transports' business.
 * 3. An edge (src/edges/NAME/) reaches the core through mod.ts only, and no
 *    other edge at all: each edge is an entry point of its own.
 * 4. Every edge folder is an entry point of deno.json and package.json.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { test } from "./_harness.ts";

const ROOT = normalize(join(dirname(new URL(import.meta.url).pathname), ".."));

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(ROOT, path)).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** The code of a file without its comments (doc examples import what they like). */
function codeOf(path: string): string {
  return readFileSync(join(ROOT, path), "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

/** The specifiers a file imports or re-exports, static and dynamic. */
function importsOf(path: string): string[] {
  const code = codeOf(path);
  return [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g)].map((match) => match[1]!);
}

/** Where a relative specifier of `path` points, from the root. */
function target(path: string, specifier: string): string {
  return relative(ROOT, normalize(join(ROOT, dirname(path), specifier)));
}

const core = sourceFiles("src/core");
const transports = sourceFiles("src/transport");
const edges = sourceFiles("src/edges");

test("layout: the core, the transports and mod.ts import no edge and no package", () => {
  assert.ok(core.length > 10 && transports.length > 3, "the folders are there");
  for (const path of ["mod.ts", ...core, ...transports]) {
    for (const specifier of importsOf(path)) {
      const builtIn = specifier.startsWith("node:") && path.startsWith("src/transport/");
      assert.ok(specifier.startsWith(".") || builtIn, `${path} imports the package "${specifier}"`);
      if (!specifier.startsWith(".")) continue;
      const to = target(path, specifier);
      assert.ok(to.startsWith("src/core/") || to.startsWith("src/transport/"), `${path} imports ${to}`);
    }
  }
});

test("layout: nothing in the core names a runtime", () => {
  for (const path of core) {
    const code = codeOf(path);
    assert.doesNotMatch(code, /["']node:/, `${path} imports a node: built-in`);
    assert.doesNotMatch(code, /\b(Deno|Bun)\b/, `${path} names a runtime`);
  }
});

test("layout: an edge reaches the core through mod.ts only, and no other edge", () => {
  assert.ok(edges.length > 0);
  for (const path of edges) {
    const folder = path.split("/").slice(0, 3).join("/");
    for (const specifier of importsOf(path)) {
      if (!specifier.startsWith(".")) continue; // a package or a built-in: what edges are for
      const to = target(path, specifier);
      assert.ok(to === "mod.ts" || to === "src/_internal.ts" || to.startsWith(`${folder}/`), `${path} imports ${to}`);
    }
  }
});

test("layout: every edge folder is an entry point of deno.json and package.json", () => {
  const jsr = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")).exports as Record<string, string>;
  const npm = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).exports as Record<string, unknown>;
  const folders = new Set(edges.map((path) => path.split("/")[2]!));
  const entries = Object.entries(jsr).filter(([key]) => key !== ".");
  const entryFolders = new Set(entries.map(([, file]) => file.replace(/^\.\//, "").split("/")[2]!));
  for (const folder of folders) assert.ok(entryFolders.has(folder), `src/edges/${folder} has no entry point`);
  for (const [key, file] of entries) {
    assert.match(file, /^\.\/src\/edges\/[a-z_]+\/[a-z_]+\.ts$/, `${key} lives in an edge folder`);
    assert.ok(key in npm, `${key} is an npm export too`);
  }
});

test("layout: the Layout of docs/contributing.md lists every folder of src/", () => {
  const readme = readFileSync(join(ROOT, "docs", "contributing.md"), "utf8");
  const layout = /## Layout\n[\s\S]*?```\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  const folders = new Set([...core, ...transports, ...edges].map((path) => `${dirname(path)}/`));
  for (const folder of folders) assert.ok(layout.includes(`\n${folder} `) || layout.startsWith(`${folder} `), folder);
});
