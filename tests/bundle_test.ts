import assert from "node:assert/strict";
import { copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "./_harness.ts";
import { runProgram } from "./_child.ts";

const BUN = resolve("node_modules/.bin/bun");

test("the core bundle and the rpc bundle (scripts/build.ts) run on this runtime from a folder with nothing else in it", async () => {
  const built = await mkdtemp(join(tmpdir(), "spawnkit-build-"));
  const alone = await mkdtemp(join(tmpdir(), "spawnkit-bundle-"));
  try {
    const ran = await runProgram(BUN, ["scripts/build.ts", built]);
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    const code = await readFile(join(built, "spawnkit.js"), "utf8");
    const imports = [...code.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*["']([^"']+)["']/g)].map((m) => m[1]);
    assert.deepEqual(imports.filter((specifier) => !specifier?.startsWith("node:")), [], "only node: built-ins");

    // Away from the repository and its node_modules: the bundle must stand on its own.
    await copyFile(join(built, "spawnkit.js"), join(alone, "spawnkit.js"));
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

    // spawnkit/rpc needs no package either: beside the core bundle, it runs too, on the core's classes.
    await copyFile(join(built, "rpc.js"), join(alone, "rpc.js"));
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
    await rm(built, { recursive: true, force: true });
    await rm(alone, { recursive: true, force: true });
  }
});
