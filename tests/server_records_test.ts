import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { openServerRecords, parseRecords, readRecords, SERVER_RECORD_COLUMNS } from "../src/edges/records/records.ts";
import { test } from "./_harness.ts";
import { client, echoHandler, startServer, take, text, until } from "./_fixtures.ts";

test("openServerRecords writes the server's figures every few seconds and once more at close", async () => {
  const dir = await mkdtemp(join(tmpdir(), "spawnkit-stats-"));
  const path = join(dir, "stats.csv");
  const records = openServerRecords(path, { every: 0.05 });
  const { server } = await startServer(echoHandler);
  try {
    records.watch(server);
    const first = await client(server);
    await first.send(text("abc"));
    await take(first, 1);
    first.close();
    const second = await client(server);
    await second.send(text("hello"));
    await take(second, 1);
    await until(() => server.size === 1, "the first connection to end");
    // A timed row comes after the first connection ended.
    let rows: Array<Record<string, string>> = [];
    for (let tries = 0; !rows.some((row) => row.closed === "1"); tries++) {
      assert.ok(tries < 1000, "no timed row after the first end");
      await new Promise((resolve) => setTimeout(resolve, 10));
      rows = await readRecords(path);
    }
    // Counted and closed in one synchronous step: no timed row can come between the two (rows are written at once).
    const timed = parseRecords(readFileSync(path, "utf8")).length;
    records.close(); // the last row: one connection open
    second.close();
    rows = await readRecords(path);
    assert.equal(rows.length, timed + 1);
    assert.deepEqual(Object.keys(rows[0]!), [...SERVER_RECORD_COLUMNS]);
    const last = rows.at(-1)!;
    assert.equal(last.active, "1");
    assert.equal(last.accepted, "2");
    assert.equal(last.closed, "1");
    assert.equal(last.closed_by_reason, "peer-closed=1");
    assert.equal(last.refused, "");
    assert.equal(last.bytes_in, String(4 + 3 + 4 + 5));
    assert.equal(last.bytes_out, String(4 + 3 + 4 + 5));
    assert.equal(last.frames_dropped, "0");
    assert.ok(!Number.isNaN(Date.parse(last.time!)));
  } finally {
    records.close();
    await server.shutdown();
    await rm(dir, { recursive: true });
  }
});

test("openServerRecords refuses a period that is not a positive number of seconds", () => {
  for (const every of [0, -1, Number.NaN, Infinity]) {
    assert.throws(() => openServerRecords(join(tmpdir(), "never-created.csv"), { every }), RangeError);
  }
});

test("openServerRecords record() needs a watched server", async () => {
  const dir = await mkdtemp(join(tmpdir(), "spawnkit-stats-"));
  try {
    using records = openServerRecords(join(dir, "stats.csv"));
    assert.throws(() => records.record(), /no server watched/);
  } finally {
    await rm(dir, { recursive: true });
  }
});
