/**
 * The npm package as a user gets it. The tarball (`scripts/pack.sh`, the same
 * `npm pack` whose prepack runs scripts/build.ts) ships every entry point of
 * deno.json (JSR) as an npm export, with its code and types. Installed into an
 * empty project, it brings no other package (the edges' packages are optional
 * peer dependencies); a consumer type-checks under `tsc` (nodenext, strict)
 * and runs on Node 24, Bun and Deno; an edge whose package is missing fails
 * at import with a message naming the package. Runs in the Deno suite (it
 * starts the three runtimes itself); scripts/test.sh also runs publint and
 * attw on the tarball.
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { isDeno } from "../src/transport/select.ts";
import { skip, test } from "./_harness.ts";
import { runProgram } from "./_child.ts";

const NAMES = [
  "npm pack ships every entry point of deno.json with its code and types, README and LICENSE",
  "npm install of the tarball into an empty project brings no other package",
  "a consumer of the installed package type-checks with tsc (nodenext, strict)",
  "a consumer of the installed package serves and answers an RPC call on Node 24, Bun and Deno",
  "an edge whose package is missing fails at import, naming the package to install, on Node 24, Bun and Deno",
];
const RUNTIMES: Record<string, string[]> = {
  "node 24": [resolve("node_modules/node24/bin/node")],
  bun: [resolve("node_modules/.bin/bun")],
  deno: [resolve("node_modules/.bin/deno"), "run", "-A"],
};
const TSC = resolve("node_modules/.bin/tsc");

// Uses only the package's names, as any project would; the same file runs on the three runtimes (Node 24 strips types).
const CONSUMER = `import { connect, type Connection, serve, silentLogger } from "spawnkit";
import { rpcClient, rpcHandler } from "spawnkit/rpc";

const echo = await serve({ port: 0, logger: silentLogger }, async (conn: Connection) => {
  for await (const frame of conn) await conn.send(frame);
});
const client = await connect({ port: echo.addr.port, logger: silentLogger });
await client.send(new TextEncoder().encode("packed"));
const { value } = await client[Symbol.asyncIterator]().next();
client.close();
await echo.shutdown();

const upper = await serve({ port: 0, logger: silentLogger }, rpcHandler({ up: ([s]: [string]) => s.toUpperCase() }));
const rpc = rpcClient(await connect({ port: upper.addr.port, logger: silentLogger }));
const answer: string = await rpc.call("up", ["rpc"]);
rpc.close();
await rpc.finished;
await upper.shutdown();
console.log(new TextDecoder().decode(value), answer);
`;
// spawnkit/redis without ioredis installed: what the import throws.
const MISSING = `try {
  await import("spawnkit/redis");
  console.log("imported");
} catch (error) {
  console.log(error.message);
}
`;
const TSCONFIG = {
  compilerOptions: {
    module: "nodenext",
    moduleResolution: "nodenext",
    target: "es2022",
    strict: true,
    noEmit: true,
    // The package's own declarations are checked too: only the consumer's lib, no @types.
    skipLibCheck: false,
    types: [],
    // Connections and servers are AsyncDisposable (TypeScript's esnext.disposable, also declared by @types/node).
    lib: ["es2023", "esnext.disposable", "dom"],
  },
  files: ["consumer.ts"],
};

/** Runs a program in `cwd` (tests/_child.ts runs in the repository's folder). */
function runIn(cwd: string, program: string, args: string[], env: Record<string, string> = {}) {
  return runProgram("bash", ["-c", 'cd "$0" && exec "$@"', cwd, program, ...args], env);
}

type Target = string | { types: string; default: string };

// One tarball and one installed project for the file's tests; the last test removes them.
let preparing: Promise<{ dir: string; project: string; tarball: string }> | undefined;
function prepare(): Promise<{ dir: string; project: string; tarball: string }> {
  preparing ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), "spawnkit-package-"));
    const packed = await runProgram("bash", ["scripts/pack.sh", dir]);
    assert.equal(packed.code, 0, packed.stdout + packed.stderr);
    const tarball = packed.stdout.trim().split("\n").at(-1)!;
    const project = join(dir, "project");
    await mkdir(project);
    await writeFile(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    // --offline: the tarball needs nothing from the registry (its packages are optional peers, not installed).
    const installed = await runIn(project, "npm", ["install", "--offline", "--no-audit", "--no-fund", tarball]);
    assert.equal(installed.code, 0, installed.stdout + installed.stderr);
    await writeFile(join(project, "consumer.ts"), CONSUMER);
    await writeFile(join(project, "missing.mjs"), MISSING);
    await writeFile(join(project, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2));
    return { dir, project, tarball };
  })();
  return preparing;
}

if (!isDeno()) { for (const name of NAMES) skip(name, "packs the repository once; runs in the Deno suite"); }
else {
  test(NAMES[0]!, async () => {
    const { tarball } = await prepare();
    const jsr = JSON.parse(await readFile("deno.json", "utf8")) as { exports: Record<string, string> };
    const npm = JSON.parse(await readFile("package.json", "utf8")) as {
      exports: Record<string, Target>;
      types: string;
    };
    assert.deepEqual(Object.keys(npm.exports).sort(), Object.keys(jsr.exports).sort(), "the same entry points");
    const listed = await runProgram("tar", ["-tzf", tarball]);
    assert.equal(listed.code, 0, listed.stderr);
    const files = new Set(listed.stdout.trim().split("\n").map((path) => path.replace(/^package\//, "")));
    const wanted = ["README.md", "LICENSE", "package.json", npm.types.replace(/^\.\//, "")];
    for (const [key, target] of Object.entries(npm.exports)) {
      assert.equal(typeof target, "object", `export ${key} names its types and its code`);
      const { types, default: code } = target as { types: string; default: string };
      assert.match(code, /^\.\/dist\/.*\.js$/, `export ${key} is built JavaScript`);
      wanted.push(types.replace(/^\.\//, ""), code.replace(/^\.\//, ""));
    }
    for (const path of wanted) assert.ok(files.has(path), `${path} is in the package`);
  });

  test(NAMES[1]!, async () => {
    const { project } = await prepare();
    const installed = (await readdir(join(project, "node_modules"))).filter((name) => !name.startsWith("."));
    assert.deepEqual(installed, ["spawnkit"]);
  });

  test(NAMES[2]!, async () => {
    const { project } = await prepare();
    const checked = await runProgram(TSC, ["-p", join(project, "tsconfig.json")]);
    assert.equal(checked.code, 0, checked.stdout + checked.stderr);
  });

  test(NAMES[3]!, async () => {
    const { project } = await prepare();
    for (const [runtime, command] of Object.entries(RUNTIMES)) {
      const ran = await runIn(project, command[0]!, [...command.slice(1), "consumer.ts"]);
      assert.equal(ran.code, 0, `${runtime}: ${ran.stdout}${ran.stderr}`);
      assert.equal(ran.stdout.trim(), "packed RPC", runtime);
    }
  });

  test(NAMES[4]!, async () => {
    const { dir, project } = await prepare();
    try {
      for (const [runtime, command] of Object.entries(RUNTIMES)) {
        const ran = await runIn(project, command[0]!, [...command.slice(1), "missing.mjs"]);
        assert.equal(ran.code, 0, `${runtime}: ${ran.stdout}${ran.stderr}`);
        assert.match(
          ran.stdout,
          /^Cannot import spawnkit\/redis: it needs the package ioredis \(npm install ioredis\)/,
          runtime,
        );
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
