/**
 * Builds the browser's client (`spawnkit/browser`, src/browser.ts) into one
 * ES module with Bun's bundler, `target: "browser"`, and fails if anything
 * in it imports what a browser lacks: a `node:` built-in, a package, or a
 * runtime's socket adapter (src/transport/ other than the WebSocket pieces).
 *
 *   bun scripts/build_browser.ts [OUT_FILE]
 *
 * OUT_FILE defaults to examples/gateway/web/spawnkit_browser.js, the copy the
 * gateway's page loads (committed: tests/browser_bundle_test.ts fails when it
 * is stale). scripts/build.ts builds dist/browser.js with the same function.
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";

interface BunBuildOutput {
  success: boolean;
  outputs: { text(): Promise<string> }[];
  logs: unknown[];
}
interface BunPluginBuilder {
  onResolve(
    options: { filter: RegExp },
    callback: (args: { path: string; importer: string }) => undefined,
  ): void;
}
interface BunBuildApi {
  build(options: {
    entrypoints: string[];
    target: "browser";
    format: "esm";
    plugins: { name: string; setup(builder: BunPluginBuilder): void }[];
  }): Promise<BunBuildOutput>;
}

const root = resolve(import.meta.dirname ?? ".", "..");

/** The transports a browser may run: the WebSocket client, the pieces it shares with the server's, the types. */
const BROWSER_TRANSPORTS = new Set([
  "src/transport/ws_client.ts",
  "src/transport/ws_stream.ts",
  "src/transport/_read_queue.ts",
  "src/transport/types.ts",
]);

/**
 * The browser bundle of `entry` (src/browser.ts), as text, and the files it holds.
 * @throws {Error} when a file in it imports a node: built-in, a package, or a runtime's transport.
 */
export async function bundleBrowser(entry = "src/browser.ts"): Promise<{ code: string; files: string[] }> {
  const bun = (globalThis as unknown as { Bun?: BunBuildApi }).Bun;
  if (bun === undefined) throw new Error("Cannot build: run this script with bun");
  const files = new Set<string>();
  const foreign: string[] = [];
  const result = await bun.build({
    entrypoints: [resolve(root, entry)],
    target: "browser",
    format: "esm",
    plugins: [{
      name: "browser-only",
      setup(builder) {
        builder.onResolve({ filter: /.*/ }, ({ path, importer }) => {
          if (importer === "") return undefined;
          const from = relative(root, importer);
          if (!path.startsWith(".") && !path.startsWith("/")) {
            foreign.push(`${from} imports ${path}`);
            return undefined;
          }
          const to = relative(root, resolve(dirname(importer), path));
          files.add(to);
          if (to.startsWith("src/transport/") && !BROWSER_TRANSPORTS.has(to)) foreign.push(`${from} imports ${to}`);
          return undefined;
        });
      },
    }],
  });
  if (foreign.length > 0) throw new Error(`Cannot bundle for browsers: ${foreign.join("; ")}`);
  if (!result.success) throw new AggregateError(result.logs, `Cannot bundle ${entry}`);
  const code = `// spawnkit/browser, built by scripts/build_browser.ts from ${entry}: do not edit.\n${await result
    .outputs[0]!.text()}`;
  return { code, files: [...files].sort() };
}

if (import.meta.main) {
  const out = resolve(process.argv[2] ?? join(root, "examples", "gateway", "web", "spawnkit_browser.js"));
  const { code, files } = await bundleBrowser();
  writeFileSync(out, code);
  console.log(`built ${out} (${code.length} bytes, ${files.length} files)`);
}
