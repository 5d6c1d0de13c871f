/**
 * The layout's rules, checked on the source itself:
 *
 * 1. The core (src/core/), the transports (src/transport/), mod.ts and
 *    src/_internal.ts import no edge and no package: only relative files
 *    (and, in the transports, runtime built-ins).
 * 2. Nothing in the core names a runtime: no `node:` import, no `Deno` or
 *    `Bun` in its code. Runtimes are the transports' business.
 * 3. An edge (src/edges/NAME/) reaches the core through mod.ts and
 *    src/_internal.ts only, and no other edge at all: each edge is an entry
 *    point of its own.
 * 4. Every edge folder is an entry point of deno.json and package.json.
 * 5. The floors (FLOORS below) hold: a file imports its own area and the
 *    floors below it, types included, and no import cycle exists.
 * 6. mod.ts and src/_internal.ts are tables of contents (named re-exports
 *    only); mod.ts names no `_` file, and every public file: one whose doc
 *    example imports its export from the package root.
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
const ENTRIES = ["mod.ts", "src/_internal.ts", "src/browser.ts"];
/** The entry points that are tables of contents of the core, not edges: the package's root and the browser's client. */
const CORE_ENTRY_POINTS: Record<string, string> = { ".": "./mod.ts", "./browser": "./src/browser.ts" };

/**
 * The floors, from the bottom: a file's area is the longest prefix it starts with. The server and the
 * reconnecting client are siblings (neither imports the other); the cluster sits on the server; the clients'
 * assembly (src/core/client/: options, session socket, reconnector, over a link it is given) on the reconnecting
 * client and the session wire, and connect.ts (TCP, which picks the runtime's transport) above it, so that the
 * browser's entry (src/browser.ts) reaches the assembly without the runtimes; the entries re-export; the edges are
 * apart (rule 3).
 */
const FLOORS: Record<string, number> = {
  "src/transport/": 0,
  "src/core/": 1,
  "src/core/framing/": 2,
  "src/core/connection/": 3,
  "src/core/server/proxy/": 4,
  "src/core/server/": 5,
  "src/core/reconnect/": 5,
  "src/core/cluster/": 6,
  "src/core/session/": 6,
  "src/core/session/wire/": 4,
  "src/core/client/": 6,
  "src/core/connect.ts": 7,
  "src/_internal.ts": 8,
  "mod.ts": 8,
  "src/browser.ts": 8,
};

/** A file's area: the longest prefix of FLOORS it starts with. */
function areaOf(path: string): string | undefined {
  return Object.keys(FLOORS).filter((prefix) => path.startsWith(prefix)).sort((a, b) => b.length - a.length)[0];
}

/** The files a file imports by relative path, from the root. */
function relativeImports(path: string): string[] {
  return importsOf(path).filter((specifier) => specifier.startsWith(".")).map((specifier) => target(path, specifier));
}

test("layout: the core, the transports, mod.ts and src/_internal.ts import no edge and no package", () => {
  assert.ok(core.length > 10 && transports.length > 3, "the folders are there");
  for (const path of [...ENTRIES, ...core, ...transports]) {
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

test("layout: an edge reaches the core through mod.ts and src/_internal.ts only, and no other edge", () => {
  assert.ok(edges.length > 0);
  for (const path of edges) {
    const folder = path.split("/").slice(0, 3).join("/");
    for (const specifier of importsOf(path)) {
      if (!specifier.startsWith(".")) continue; // a package or a built-in: what edges are for
      const to = target(path, specifier);
      assert.ok(ENTRIES.includes(to) || to.startsWith(`${folder}/`), `${path} imports ${to}`);
    }
  }
});

test("layout: every edge folder is an entry point of deno.json and package.json", () => {
  const jsr = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")).exports as Record<string, string>;
  const npm = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).exports as Record<string, unknown>;
  const folders = new Set(edges.map((path) => path.split("/")[2]!));
  for (const [key, file] of Object.entries(CORE_ENTRY_POINTS)) assert.equal(jsr[key], file, `${key} is ${file}`);
  const entries = Object.entries(jsr).filter(([key]) => !(key in CORE_ENTRY_POINTS));
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

test("layout: a floor imports its own area and the floors below it, types included", () => {
  for (const path of [...ENTRIES, ...core, ...transports]) {
    const from = areaOf(path)!;
    for (const to of relativeImports(path)) {
      const area = areaOf(to);
      assert.ok(area !== undefined, `${path} imports ${to}, which is on no floor`);
      assert.ok(
        area === from || FLOORS[area]! < FLOORS[from]!,
        `${path} (floor ${FLOORS[from]}) imports ${to} (floor ${FLOORS[area]})`,
      );
    }
  }
});

test("layout: no import cycle, types included", () => {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (path: string): void => {
    if (state.get(path) === "done") return;
    if (state.get(path) === "open") {
      assert.fail(`import cycle: ${[...stack.slice(stack.indexOf(path)), path].join(" -> ")}`);
    }
    state.set(path, "open");
    stack.push(path);
    for (const next of relativeImports(path)) if (next.endsWith(".ts")) visit(next);
    stack.pop();
    state.set(path, "done");
  };
  for (const path of [...ENTRIES, ...core, ...transports, ...edges]) visit(path);
  assert.ok(state.size > 100, "the graph was walked");
});

/** The statements of an entry: named re-exports only, each `export (type )?{ ... } from "./..."`. */
function reExportsOf(entry: string): { names: string[]; file: string }[] {
  const statements = codeOf(entry).split(";").map((statement) => statement.trim()).filter((s) => s !== "");
  return statements.map((statement) => {
    const match = /^export (?:type )?\{([^}]*)\} from "(\.\/[\w/]+\.ts)"$/.exec(statement);
    assert.ok(match !== null, `${entry} holds something else than a named re-export: ${statement.slice(0, 80)}`);
    const names = match[1]!.split(",").map((name) => name.trim().replace(/^type /, "")).filter((name) => name !== "");
    return { names, file: target(entry, match[2]!) };
  });
}

test("layout: src/browser.ts is a table of contents of the core and the transports", () => {
  for (const { file } of reExportsOf("src/browser.ts")) {
    assert.ok(file.startsWith("src/core/") || file.startsWith("src/transport/"), `src/browser.ts re-exports ${file}`);
  }
});

test("layout: mod.ts is a table of contents that names every public file and no _ file", () => {
  const listed = new Set(reExportsOf("mod.ts").map(({ file }) => file));
  for (const { file } of reExportsOf("src/_internal.ts")) {
    assert.ok(file.startsWith("src/core/") || file.startsWith("src/transport/"), `src/_internal.ts re-exports ${file}`);
  }
  for (const file of listed) {
    assert.ok(file.startsWith("src/core/") || file.startsWith("src/transport/"), `mod.ts re-exports ${file}`);
    assert.ok(!file.split("/").pop()!.startsWith("_"), `mod.ts re-exports the private file ${file}`);
  }
  // A public file: an export whose doc example imports it from the package root ("users write this").
  const exported =
    /\/\*\*([\s\S]*?)\*\/\s*export\s+(?:declare\s+)?(?:async\s+)?(?:function\*?|const|class|interface|type|let)\s+(\w+)/g;
  const rootImport = /import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+"(spawnkit|(?:\.\.\/)+mod\.ts)"/g;
  let publicFiles = 0;
  for (const path of [...core, ...transports]) {
    if (path.split("/").pop()!.startsWith("_")) continue;
    const text = readFileSync(join(ROOT, path), "utf8");
    const isPublic = [...text.matchAll(exported)].some(([, doc, name]) =>
      doc!.includes("@example") &&
      [...doc!.matchAll(rootImport)].some(([, names]) =>
        names!.split(",").map((n) => n.trim().replace(/^type /, "")).includes(name!)
      )
    );
    if (!isPublic) continue;
    publicFiles++;
    assert.ok(listed.has(path), `${path} is public (a doc example imports its export from the root) but not in mod.ts`);
  }
  assert.ok(publicFiles > 20, `public files found: ${publicFiles}`);
});
