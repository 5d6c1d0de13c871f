import assert from "node:assert/strict";
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "./_harness.ts";
import { runProgram } from "./_child.ts";

const BUN = resolve("node_modules/.bin/bun");

/**
 * Builds the bundles into a folder of this test's own (a build takes about a
 * second), runs `body` with it, and removes it whatever happens: each test
 * stands alone, and none leaves a build behind for another to find.
 */
async function withBuild(body: (built: string) => Promise<void>): Promise<void> {
  const built = await mkdtemp(join(tmpdir(), "spawnkit-build-"));
  try {
    const ran = await runProgram(BUN, ["scripts/build.ts", built]);
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    await body(built);
  } finally {
    await rm(built, { recursive: true, force: true });
  }
}

/**
 * The core's files in a build: its entry, the internal entry the edges import, and the chunks the two share (one copy
 * of each class, so `instanceof` holds across the core and the edges).
 */
async function coreFiles(built: string): Promise<string[]> {
  const chunks = (await readdir(built)).filter((name) => /^_chunk-[\w-]+\.js$/.test(name));
  return ["spawnkit.js", "_internal.js", ...chunks];
}

/** Copies the core's files and `more` from `built` into `alone`. */
async function copyCore(built: string, alone: string, more: string[] = []): Promise<void> {
  for (const file of [...await coreFiles(built), ...more]) await copyFile(join(built, file), join(alone, file));
}

test("the core bundle (scripts/build.ts) runs on this runtime from a folder with nothing else in it", () =>
  withBuild(async (built) => {
    const alone = await mkdtemp(join(tmpdir(), "spawnkit-bundle-"));
    try {
      for (const file of await coreFiles(built)) {
        const code = await readFile(join(built, file), "utf8");
        const imports = [...code.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*["']([^"']+)["']/g)].map((m) => m[1]);
        const foreign = imports.filter((specifier) =>
          !specifier?.startsWith("node:") && !/^\.\/_chunk-[\w-]+\.js$/.test(specifier ?? "")
        );
        assert.deepEqual(foreign, [], `${file}: only node: built-ins and the core's own chunks`);
      }

      // Away from the repository and its node_modules: the bundle must stand on its own.
      await copyCore(built, alone);
      const kit = await import(pathToFileURL(join(alone, "spawnkit.js")).href) as typeof import("../mod.ts");
      const server = await kit.serve({ port: 0, logger: kit.silentLogger }, async (conn) => {
        for await (const frame of conn) await conn.send(frame);
      });
      const client = await kit.connect({ port: server.addr.port, logger: kit.silentLogger });
      await client.send(new TextEncoder().encode("bundled"));
      const { value } = await client[Symbol.asyncIterator]().next();
      assert.equal(new TextDecoder().decode(value), "bundled");
      client.close();
      await server.shutdown();
    } finally {
      await rm(alone, { recursive: true, force: true });
    }
  }));

test("the rpc bundle needs no package either: beside the core bundle, it runs on the core's classes", () =>
  withBuild(async (built) => {
    const alone = await mkdtemp(join(tmpdir(), "spawnkit-bundle-"));
    try {
      await copyCore(built, alone, ["rpc.js"]);
      const kit = await import(pathToFileURL(join(alone, "spawnkit.js")).href) as typeof import("../mod.ts");
      const rpc = await import(pathToFileURL(join(alone, "rpc.js")).href) as typeof import("../src/edges/rpc/rpc.ts");
      const rpcServer = await kit.serve(
        { port: 0, logger: kit.silentLogger },
        rpc.rpcHandler({ up: ([s]: [string]) => s.toUpperCase() }),
      );
      const rpcClient = rpc.rpcClient(await kit.connect({ port: rpcServer.addr.port, logger: kit.silentLogger }));
      assert.equal(await rpcClient.call("up", ["bundled"]), "BUNDLED");
      rpcClient.close();
      await rpcClient.finished;
      await rpcServer.shutdown();
    } finally {
      await rm(alone, { recursive: true, force: true });
    }
  }));

test("the workers bundle starts its threads from its own file, beside the core bundle", () =>
  withBuild(async (built) => {
    const alone = await mkdtemp(join(tmpdir(), "spawnkit-bundle-"));
    try {
      await copyCore(built, alone, ["workers.js"]);
      // As in the npm package, whose package.json says its .js files are ES modules.
      await writeFile(join(alone, "package.json"), '{ "type": "module" }\n');
      // A handler module in plain JavaScript, the shape serveWorkers() takes.
      const handler = join(alone, "echo.js");
      await writeFile(
        handler,
        "export default async function (conn) { for await (const f of conn) await conn.send(f); }\n",
      );
      const kit = await import(pathToFileURL(join(alone, "spawnkit.js")).href) as typeof import("../mod.ts");
      const { serveWorkers } = await import(
        pathToFileURL(join(alone, "workers.js")).href
      ) as typeof import("../src/edges/workers/workers.ts");
      const set = await serveWorkers({ module: pathToFileURL(handler), workers: 2, logger: kit.silentLogger });
      const client = await kit.connect({ port: set.addr.port, logger: kit.silentLogger });
      await client.send(new TextEncoder().encode("bundled"));
      assert.equal(new TextDecoder().decode(await client.receive()), "bundled");
      client.close();
      await set.shutdown();
    } finally {
      await rm(alone, { recursive: true, force: true });
    }
  }));
