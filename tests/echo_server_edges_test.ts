import assert from "node:assert/strict";
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type Connection, silentLogger } from "../mod.ts";
import { readRecords } from "../src/edges/records/records.ts";
import { test } from "./_harness.ts";
import { runToEnd, startChild } from "./_child.ts";
import { decoder, take, text } from "./_fixtures.ts";

const SCRIPT = "examples/echo_server.ts";

async function inTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "spawnkit-edges-"));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true });
  }
}

/** Reads `path` until `done` holds for its rows (the child writes them on its own time). */
async function rowsWhen(
  path: string,
  done: (rows: Array<Record<string, string>>) => boolean,
): Promise<Array<Record<string, string>>> {
  for (let tries = 0;; tries++) {
    const rows = await readRecords(path).catch(() => []);
    if (done(rows)) return rows;
    assert.ok(tries < 2000, `rows in ${path} never met the condition: ${JSON.stringify(rows)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function echoOnce(port: number, payload: string, packet: 1 | 2 | 4 = 4): Promise<Connection> {
  const conn = await connect({ port, packet, logger: silentLogger });
  await conn.send(text(payload));
  assert.equal(decoder.decode((await take(conn, 1))[0]), payload);
  return conn;
}

test("echo_server takes its options from --config and --server-id, and flags override the table", async () => {
  await inTempDir(async (dir) => {
    const table = join(dir, "servers.csv");
    await writeFile(table, "id,host,port,packet\nother,127.0.0.1,1,4\nmine,127.0.0.1,7999,2\n");
    const child = await startChild(SCRIPT, ["--config", table, "--server-id", "mine", "--port", "0"]);
    try {
      assert.notEqual(child.port, 7999, "--port overrides the table");
      (await echoOnce(child.port, "framed by the table's packet 2", 2)).close();
    } finally {
      child.kill("SIGTERM");
      assert.equal(await child.exited, 0, child.output());
    }
  });
});

for (
  const [name, table, id, message] of [
    ["a non-numeric port", "id,host,port\nmine,127.0.0.1,abc\n", "mine", /line 2, column 3 \(port\): "abc" is not/],
    ["an unknown column", "id,host,port,colour\nmine,h,1,red\n", "mine", /line 1, column 4 \(colour\): unknown/],
    ["an id not in the table", "id,host,port\nother,h,1\n", "mine", /column id: no row has id "mine"/],
  ] as const
) {
  test(`echo_server refuses a table with ${name}: one line naming the file, exit code 2, nothing listens`, async () => {
    await inTempDir(async (dir) => {
      const path = join(dir, "servers.csv");
      await writeFile(path, table);
      const { code, stdout, stderr } = await runToEnd(SCRIPT, ["--config", path, "--server-id", id]);
      assert.equal(code, 2, stderr);
      assert.equal(stderr.trim().split("\n").length, 1, stderr);
      assert.ok(stderr.includes(`echo_server: Cannot load server table ${path}: `), stderr);
      assert.match(stderr, message);
      assert.doesNotMatch(stdout, /listening/);
    });
  });
}

test("echo_server refuses --config without --server-id, and a bad --log-level", async () => {
  for (
    const [args, message] of [
      [["--config", "examples/servers.csv"], /--config and --server-id go together/],
      [["--log-level", "loud"], /--log-level must be one of trace, debug, info, warning, error, fatal/],
      [["--stats-every", "5"], /--stats-every needs --stats FILE/],
    ] as const
  ) {
    const { code, stderr } = await runToEnd(SCRIPT, [...args]);
    assert.equal(code, 2, stderr);
    assert.match(stderr, message);
  }
});

test("echo_server records stay intact after kill -9, and a restart appends after a partial last line", async () => {
  await inTempDir(async (dir) => {
    const records = join(dir, "connections.csv");
    const stats = join(dir, "stats.csv");
    const args = ["--port", "0", "--records", records, "--stats", stats, "--stats-every", "0.2"];
    const child = await startChild(SCRIPT, [...args, "--log-level", "warning"]);
    const payloads = ["one", "two, with a comma", 'three "quoted"', "four", "fünf"];
    let open: Connection | undefined;
    try {
      for (const payload of payloads) (await echoOnce(child.port, payload)).close();
      open = await echoOnce(child.port, "still open at the kill");
      // Rows are written as connections end: all five are in the file before the kill.
      await rowsWhen(records, (rows) => rows.length === payloads.length);
      // Timed rows too, the last with every figure of the run (five closed, six accepted): the kill must keep them.
      await rowsWhen(stats, (rows) => {
        const last = rows.at(-1);
        return rows.length >= 2 && last?.closed === String(payloads.length) &&
          last.accepted === String(payloads.length + 1);
      });
    } finally {
      child.kill("SIGKILL");
    }
    assert.equal(await child.exited, "SIGKILL");
    open?.close();

    const text = await readFile(records, "utf8");
    assert.ok(text.endsWith("\n"), "no partial line after kill -9");
    const rows = await readRecords(records);
    assert.equal(rows.length, payloads.length);
    assert.deepEqual(new Set(rows.map((row) => row.id)).size, payloads.length);
    for (const row of rows) {
      assert.equal(row.close_reason, "peer-closed");
      assert.equal(row.frames_in, "1");
      assert.equal(row.frames_out, "1");
      assert.equal(row.bytes_in, row.bytes_out);
      assert.match(row.remote ?? "", /^127\.0\.0\.1:\d+$/);
      assert.ok(Date.parse(row.closed_at ?? "") >= Date.parse(row.opened_at ?? ""));
    }
    const sizes = rows.map((row) => Number(row.bytes_in) - 4).sort((a, b) => a - b);
    assert.deepEqual(sizes, payloads.map((p) => new TextEncoder().encode(p).length).sort((a, b) => a - b));
    const statRows = await readRecords(stats);
    assert.ok(statRows.length >= 2, JSON.stringify(statRows));
    assert.equal(statRows.at(-1)!.accepted, String(payloads.length + 1));

    // A failing disk could leave part of a row: readers skip it, and a restart cuts it off before appending.
    await appendFile(records, "99,127.0.0.1:1,2024-");
    assert.equal((await readRecords(records)).length, payloads.length);
    const again = await startChild(SCRIPT, ["--port", "0", "--records", records]);
    try {
      (await echoOnce(again.port, "after the restart")).close();
      await rowsWhen(records, (rows) => rows.length === payloads.length + 1);
    } finally {
      again.kill("SIGTERM");
      assert.equal(await again.exited, 0, again.output());
    }
    const after = await readFile(records, "utf8");
    assert.ok(!after.includes("2024-\n") && !after.includes("99,127.0.0.1:1"), after);
    assert.equal(after.split("\n").length, 1 + payloads.length + 1 + 1);
  });
});
