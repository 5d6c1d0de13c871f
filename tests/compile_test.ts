import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { connect, silentLogger } from "../mod.ts";
import { isDeno } from "../src/transport/select.ts";
import { skip, test } from "./_harness.ts";
import { runProgram, startProgram } from "./_child.ts";
import { decoder, take, text } from "./_fixtures.ts";

const BUN = resolve("node_modules/.bin/bun");

/** Starts a compiled echo server, echoes on two connections, and stops it with SIGTERM. */
async function exercise(binary: string): Promise<void> {
  const child = await startProgram(binary, ["--port", "0"]);
  const first = await connect({ port: child.port, logger: silentLogger });
  const second = await connect({ port: child.port, logger: silentLogger });
  await first.send(text("one executable"));
  assert.equal(decoder.decode((await take(first, 1))[0]), "one executable");
  await second.send(text("two connections"));
  assert.equal(decoder.decode((await take(second, 1))[0]), "two connections");
  child.kill("SIGTERM");
  assert.equal(await child.exited, 0, child.output());
  assert.deepEqual(await take(first, 1), [], "the binary closed the open connection");
  assert.deepEqual(await take(second, 1), []);
  assert.match(child.output(), /SIGTERM: closing 2 connections/);
}

test("bun build --compile of the echo server: starts, echoes, exits 0 on SIGTERM", async () => {
  const dir = await mkdtemp(join(tmpdir(), "spawnkit-compile-"));
  try {
    const binary = join(dir, "echo_server");
    const built = await runProgram(BUN, ["build", "--compile", "examples/echo_server.ts", "--outfile", binary]);
    assert.equal(built.code, 0, built.stdout + built.stderr);
    await exercise(binary);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// deno compile downloads its runtime base binary: the script checks that first and exits 3 where it cannot.
const DENO_COMPILE = "deno compile of the echo server: starts, echoes, exits 0 on SIGTERM";
const denoCheck = isDeno() ? await runProgram("bash", ["scripts/deno_compile.sh", "--check"]) : undefined;
if (denoCheck === undefined) skip(DENO_COMPILE, "runs in the Deno suite");
else if (denoCheck.code === 3) skip(DENO_COMPILE, denoCheck.stderr.trim());
else {
  test(DENO_COMPILE, async () => {
    assert.equal(denoCheck.code, 0, denoCheck.stderr);
    const dir = await mkdtemp(join(tmpdir(), "spawnkit-compile-"));
    try {
      const binary = join(dir, "echo_server");
      const built = await runProgram("bash", ["scripts/deno_compile.sh", binary]);
      assert.equal(built.code, 0, built.stdout + built.stderr);
      await exercise(binary);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
