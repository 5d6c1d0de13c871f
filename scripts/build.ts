/**
 * Builds what the npm package ships, with Bun's bundler and tsc:
 *
 *   dist/spawnkit.js   the core (mod.ts) as an ES module: no import but
 *                      node: built-ins and its chunks, so it runs on Deno,
 *                      Bun and Node without the repository or node_modules
 *   dist/_internal.js  what the edges share with the core (src/_internal.ts),
 *                      built with the core so that both import the same
 *                      chunks (dist/_chunk-*.js): one copy of each class
 *                      (instanceof holds across them); not in "exports"
 *   dist/<edge>.js     each other entry point of deno.json "exports"
 *                      (./config -> dist/config.js); npm dependencies stay
 *                      imports, and the core is imported from ./spawnkit.js
 *                      and ./_internal.js
 *   dist/browser.js    spawnkit/browser (src/browser.ts) for browsers: one
 *                      module that imports nothing (scripts/build_browser.ts),
 *                      so its classes are copies of the core's
 *   dist/types/        declarations (tsc --emitDeclarationOnly)
 *
 * Run with Bun: `bun scripts/build.ts [OUT_DIR]` (default dist). `npm pack`
 * runs it (prepack).
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { bundleBrowser } from "./build_browser.ts";

// The few Bun APIs this script uses, declared so that no Bun typings are needed.
interface BunBuildOutput {
  success: boolean;
  outputs: { path: string }[];
  logs: unknown[];
}
interface BunPluginBuilder {
  onResolve(
    options: { filter: RegExp },
    callback: (args: { path: string; importer: string }) => { path: string; external: boolean } | undefined,
  ): void;
}
interface BunBuildApi {
  build(options: {
    entrypoints: string[];
    outdir: string;
    naming?: string | { entry?: string; chunk?: string };
    target: "node";
    format: "esm";
    splitting?: boolean;
    packages?: "external";
    plugins?: { name: string; setup(builder: BunPluginBuilder): void }[];
  }): Promise<BunBuildOutput>;
}
const maybeBun = (globalThis as unknown as { Bun?: BunBuildApi }).Bun;
if (maybeBun === undefined) throw new Error("Cannot build: run this script with bun (`bun scripts/build.ts`)");
const bun: BunBuildApi = maybeBun;

const root = resolve(import.meta.dirname ?? ".", "..");
const outDir = resolve(process.argv[2] ?? join(root, "dist"));
const coreEntry = join(root, "mod.ts");
const internalEntry = join(root, "src", "_internal.ts");
const exports = JSON.parse(readFileSync(join(root, "deno.json"), "utf8")).exports as Record<string, string>;

/** The file an entry point of deno.json "exports" is built to: "." is spawnkit.js, "./config" is config.js. */
export function bundleName(key: string): string {
  return key === "." ? "spawnkit.js" : `${key.replace(/^\.\//, "")}.js`;
}

/** The core and the internal entry, in one build: their shared code goes into chunks both import. */
async function bundleCore(): Promise<string[]> {
  const result = await bun.build({
    entrypoints: [coreEntry, internalEntry],
    outdir: outDir,
    naming: { entry: "[name].[ext]", chunk: "_chunk-[hash].[ext]" },
    target: "node",
    format: "esm",
    splitting: true,
  });
  if (!result.success) throw new AggregateError(result.logs, "Cannot bundle the core");
  // Chunks never import an entry file, so the core's bundle can take the package's name.
  renameSync(join(outDir, "mod.js"), join(outDir, "spawnkit.js"));
  const chunks = readdirSync(outDir).filter((file) => file.startsWith("_chunk-")).map((file) => join(outDir, file));
  return [join(outDir, "spawnkit.js"), join(outDir, "_internal.js"), ...chunks];
}

async function bundleEdge(entry: string, name: string): Promise<string> {
  const result = await bun.build({
    entrypoints: [join(root, entry)],
    outdir: outDir,
    naming: name,
    target: "node",
    format: "esm",
    packages: "external",
    // An edge that uses the core imports the core's bundles, so there is one copy of its classes.
    // Only the root mod.ts is the core: an edge's own entry may be a mod.ts too (src/edges/rpc/rpc.ts).
    plugins: [{
      name: "core-as-bundle",
      setup(builder) {
        builder.onResolve({ filter: /(^|\/)(mod|_internal)\.ts$/ }, ({ path, importer }) => {
          if (importer === "") return undefined;
          const target = resolve(dirname(importer), path);
          if (target === coreEntry) return { path: "./spawnkit.js", external: true };
          if (target === internalEntry) return { path: "./_internal.js", external: true };
          return undefined;
        });
      },
    }],
  });
  if (!result.success) throw new AggregateError(result.logs, `Cannot bundle ${entry}`);
  return join(outDir, name);
}

/** The specifiers a bundle imports (static and dynamic). */
function importsOf(code: string): string[] {
  return [...code.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*["']([^"']+)["']/g)].map((match) => match[1]!);
}

rmSync(outDir, { recursive: true, force: true });
for (const file of await bundleCore()) {
  // The core's promise: nothing but runtime built-ins (and its own chunks), or it would not run without node_modules.
  const foreign = importsOf(readFileSync(file, "utf8"))
    .filter((specifier) => !specifier.startsWith("node:") && !/^\.\/_chunk-[\w-]+\.js$/.test(specifier));
  if (foreign.length > 0) throw new Error(`Cannot ship the core bundle ${file}: it imports ${foreign.join(", ")}`);
  console.log(`built ${file}`);
}
for (const [key, entry] of Object.entries(exports)) {
  if (key === ".") continue;
  if (key === "./browser") {
    // A browser has no node: built-ins and no package resolution: the client stands alone.
    writeFileSync(join(outDir, bundleName(key)), (await bundleBrowser(entry)).code);
    console.log(`built ${join(outDir, bundleName(key))}`);
    continue;
  }
  console.log(`built ${await bundleEdge(entry, bundleName(key))}`);
}

const tsc = spawnSync(join(root, "node_modules/.bin/tsc"), [
  "--project",
  join(root, "tsconfig.build.json"),
  "--outDir",
  join(outDir, "types"),
], { stdio: "inherit" });
if (tsc.status !== 0) throw new Error(`Cannot emit declarations: tsc exited ${tsc.status}`);
console.log(`built ${join(outDir, "types")}`);
