/**
 * The core imported by URL: the repository is served over HTTP on 127.0.0.1
 * and a Deno child, with no config, no import map and no npm, imports
 * `http://127.0.0.1:PORT/mod.ts`, serves and echoes one frame. `deno info`
 * walks the same module graph (dynamic imports included, so every transport
 * adapter) and every import in it must be relative or a `node:` built-in: a
 * bare, `npm:` or `jsr:` specifier anywhere in the core fails this test.
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve } from "node:path";
import process from "node:process";
import { isDeno } from "../src/transport/select.ts";
import { skip, test } from "./_harness.ts";
import { runProgram } from "./_child.ts";

const NAME =
  "mod.ts and spawnkit/rpc imported by URL from Deno serve, echo and answer a call, and their graphs have no bare, npm: or jsr: import";
/** The entry points that must import by URL: the core, and the edges free of packages. */
const ENTRIES = ["mod.ts", "src/edges/rpc/rpc.ts"];
const ROOT = resolve(".");
const TYPES: Record<string, string> = { ".ts": "application/typescript", ".js": "text/javascript" };

/** Serves the repository's files, read-only, on 127.0.0.1; records every path asked for. */
async function serveRepository(requested: string[]): Promise<{ server: Server; base: string }> {
  const server = createServer(async (request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname));
    requested.push(path);
    try {
      if (path.includes("..")) throw new Error("outside the repository");
      const body = await readFile(join(ROOT, path));
      response.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream" });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address() as { port: number };
  return { server, base: `http://127.0.0.1:${address.port}` };
}

const PROBE = `
import { connect, serve, silentLogger } from "BASE/mod.ts";
import { rpcClient, rpcHandler } from "BASE/src/edges/rpc/rpc.ts";
const server = await serve({ port: 0, logger: silentLogger }, async (conn) => {
  for await (const frame of conn) await conn.send(frame);
});
const client = await connect({ port: server.addr.port, logger: silentLogger });
await client.send(new TextEncoder().encode("by url"));
const { value } = await client[Symbol.asyncIterator]().next();
console.log("echoed: " + new TextDecoder().decode(value));
client.close();
await server.shutdown();
const rpcServer = await serve({ port: 0, logger: silentLogger }, rpcHandler({ sum: (ns) => ns.reduce((a, b) => a + b) }));
const rpc = rpcClient(await connect({ port: rpcServer.addr.port, logger: silentLogger }));
console.log("sum: " + await rpc.call("sum", [1, 2, 3]));
rpc.close();
await rpcServer.shutdown();
`;

interface GraphModule {
  specifier: string;
  kind?: string;
  error?: string;
  dependencies?: { specifier: string; code?: { error?: string } }[];
}

if (!isDeno()) skip(NAME, "the child is a Deno script; runs in the Deno suite");
else {
  test(NAME, async () => {
    const requested: string[] = [];
    const { server, base } = await serveRepository(requested);
    const dir = await mkdtemp(join(tmpdir(), "spawnkit-url-"));
    // A Deno cache of its own: nothing cached before, nothing left behind.
    const env = { DENO_DIR: join(dir, "cache") };
    try {
      for (const entry of ENTRIES) {
        const info = await runProgram(process.execPath, ["info", "--json", "--no-config", `${base}/${entry}`], env);
        assert.equal(info.code, 0, info.stderr);
        const graph = JSON.parse(info.stdout) as { modules: GraphModule[]; npmPackages?: Record<string, unknown> };
        assert.deepEqual(Object.keys(graph.npmPackages ?? {}), [], `no npm package in the graph of ${entry}`);
        const imports = graph.modules.flatMap((module) => module.dependencies ?? []);
        assert.ok(imports.some((dep) => dep.specifier === "./node.ts"), "the graph includes the dynamic imports");
        const foreign = imports.filter((dep) => !/^(\.\.?\/|node:)/.test(dep.specifier)).map((dep) => dep.specifier);
        assert.deepEqual(foreign, [], `every import of ${entry} is relative or node:`);
        for (const module of graph.modules) {
          assert.equal(module.error, undefined, `${module.specifier}: ${module.error}`);
          assert.ok(module.kind === "node" || module.specifier.startsWith(`${base}/`), module.specifier);
        }
      }

      const probe = join(dir, "probe.ts");
      await writeFile(probe, PROBE.replaceAll("BASE", base));
      const host = base.replace("http://", "");
      const ran = await runProgram(
        process.execPath,
        ["run", "--no-config", "--no-npm", "--no-lock", `--allow-import=${host}`, "--allow-net=127.0.0.1", probe],
        env,
      );
      assert.equal(ran.code, 0, ran.stdout + ran.stderr);
      assert.match(ran.stdout, /^echoed: by url$/m);
      assert.match(ran.stdout, /^sum: 6$/m);
      assert.ok(!requested.some((path) => path.includes("node_modules")), "nothing from node_modules");
    } finally {
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
}
