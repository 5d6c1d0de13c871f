import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, nodeOfConnection, silentLogger } from "../mod.ts";
import { readRecords } from "../src/edges/records/records.ts";
import { test } from "./_harness.ts";
import { runToEnd, startChild } from "./_child.ts";
import { decoder, take, text } from "./_fixtures.ts";

const SCRIPT = "examples/echo_server.ts";

test("echo_server echoes frames and exits 0 on SIGTERM after closing its connections", async () => {
  const child = await startChild(SCRIPT, ["--port", "0", "--packet", "2"]);
  const first = await connect({ port: child.port, packet: 2, logger: silentLogger });
  const second = await connect({ port: child.port, packet: 2, logger: silentLogger });
  await first.send(text("hello"));
  assert.equal(decoder.decode((await take(first, 1))[0]), "hello");
  await second.send(text("world"));
  assert.equal(decoder.decode((await take(second, 1))[0]), "world");
  child.kill("SIGTERM");
  assert.equal(await child.exited, 0, child.output());
  assert.deepEqual(await take(first, 1), [], "the open connection was closed");
  assert.deepEqual(await take(second, 1), []);
  assert.match(child.output(), /SIGTERM: closing 2 connections/);
});

test("echo_server exits 0 on SIGINT", async () => {
  const child = await startChild(SCRIPT, ["--port", "0"]);
  child.kill("SIGINT");
  assert.equal(await child.exited, 0, child.output());
});

for (
  const [args, message] of [
    [["--port", "abc"], /--port must be an integer from 0 to 65535, got "abc"/],
    [["--port", "70000"], /--port must be an integer/],
    [["--packet", "3"], /--packet must be one of 1, 2, 4, got "3"/],
    [["--max-frame-size=-5"], /--max-frame-size must be an integer/],
    [["--max-frame-size", "lots"], /--max-frame-size must be an integer/],
    // A negative value is the flag's value, not another flag (parseArgs alone calls it ambiguous).
    [["--max-frame-size", "-1"], /--max-frame-size must be an integer from 0 to 4294967295 \(bytes\), got "-1"/],
    [["--quiet-period", "-0.5"], /--quiet-period must be a non-negative number of seconds up to 2147483, got "-0.5"/],
    [["--bogus"], /Unknown option '--bogus'/],
    [["--idle-timeout", "0"], /--idle-timeout must be a positive number of seconds up to 2147483, got "0"/],
    [["--max-frames-per-sec", "1.5"], /--max-frames-per-sec must be a positive integer, got "1.5"/],
    [["--outbox-high-water", "none"], /--outbox-high-water must be a non-negative integer \(bytes\), got "none"/],
  ] as const
) {
  test(`echo_server refuses ${args.join(" ")} with one line and exit code 2`, async () => {
    const { code, stderr } = await runToEnd(SCRIPT, [...args]);
    assert.equal(code, 2);
    assert.match(stderr, message);
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
  });
}

test("echo_server applies its guard flags: --max-connections refuses one more", async () => {
  const child = await startChild(SCRIPT, ["--port", "0", "--max-connections", "1", "--idle-timeout", "30"]);
  const first = await connect({ port: child.port, logger: silentLogger });
  await first.send(text("in"));
  assert.equal(decoder.decode((await take(first, 1))[0]), "in");
  const second = await connect({ port: child.port, logger: silentLogger });
  assert.deepEqual(await take(second, 1), [], "the second connection is closed at once");
  child.kill("SIGTERM");
  assert.equal(await child.exited, 0, child.output());
  assert.match(child.output(), /max-connections/);
});

test("echo_server --workers 2: SIGTERM with 1000 connections over both workers closes all and exits 0", async () => {
  const dir = mkdtempSync(join(tmpdir(), "spawnkit-echo-workers-"));
  const records = join(dir, "connections.csv");
  try {
    const child = await startChild(SCRIPT, ["--port", "0", "--workers", "2", "--records", records]);
    const clients = await Promise.all(
      Array.from({ length: 1000 }, () => connect({ port: child.port, logger: silentLogger })),
    );
    // One echo each: every connection is in its worker's loop before the signal.
    await Promise.all(clients.map(async (conn, i) => {
      await conn.send(text(`${i}`));
      assert.equal(decoder.decode((await conn.receive())!), `${i}`);
    }));
    child.kill("SIGTERM");
    assert.equal(await child.exited, 0, child.output());
    for (const conn of clients) assert.equal(await conn.receive(), undefined, "closed by its worker's shutdown");
    // Every worker wrote the rows of its own connections into the one file.
    const rows = await readRecords(records);
    assert.equal(rows.length, 1000);
    const nodes = new Set(rows.map((row) => nodeOfConnection(Number(row.id))));
    assert.deepEqual([...nodes].sort(), [1, 2], "both workers served some");
    assert.ok(rows.every((row) => row.close_reason === "shutdown"), "closed by the graceful shutdown");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
