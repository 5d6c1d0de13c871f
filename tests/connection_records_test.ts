import assert from "node:assert/strict";
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import type { ConnectionStats } from "../mod.ts";
import {
  CONNECTION_RECORD_COLUMNS,
  connectionRecordOf,
  openConnectionRecords,
  parseRecords,
  readRecords,
} from "../src/edges/records/records.ts";
import { test } from "./_harness.ts";
import { client, crashHandler, echoHandler, startServer, take, text, until } from "./_fixtures.ts";

async function inTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "spawnkit-records-"));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true });
  }
}

const address = { hostname: "127.0.0.1", port: 4000 };
function fakeStats(id: number, error: unknown): ConnectionStats {
  return {
    id,
    remoteAddr: address,
    localAddr: address,
    openedAt: Date.UTC(2024, 0, 1),
    closedAt: Date.UTC(2024, 0, 1, 0, 0, 2),
    durationMs: 2000,
    bytesIn: 1,
    bytesOut: 2,
    framesIn: 3,
    framesOut: 4,
    framesDropped: 5,
    messagesIn: 0,
    messagesDropped: 0,
    outboxBytes: 0,
    outboxPeak: 0,
    closeReason: "handler-error",
    error,
  };
}

test("openConnectionRecords writes one row per real connection, read back with the same CSV library", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "connections.csv");
    const records = openConnectionRecords(path);
    const ends: ConnectionStats[] = [];
    const { server } = await startServer(crashHandler, {
      onConnectionEnd: (stats) => {
        ends.push(stats);
        records.onConnectionEnd(stats);
      },
    });
    try {
      const echo = await client(server);
      await echo.send(text("hello"));
      await take(echo, 1);
      echo.close();
      const crash = await client(server);
      await crash.send(text("crash"));
      assert.deepEqual(await take(crash, 1), []);
      crash.close();
      await until(() => server.size === 0, "both connections to end");
    } finally {
      await server.shutdown();
    }
    records.close();
    const rows = await readRecords(path);
    assert.equal(rows.length, 2);
    assert.deepEqual(Object.keys(rows[0]!), [...CONNECTION_RECORD_COLUMNS]);
    const byReason = new Map(rows.map((row) => [row.close_reason, row]));
    const echoed = byReason.get("peer-closed")!;
    const crashed = byReason.get("handler-error")!;
    assert.ok(echoed && crashed, JSON.stringify(rows));
    assert.equal(echoed.bytes_in, "9"); // a 4-byte header and "hello"
    assert.equal(echoed.bytes_out, "9");
    assert.equal(echoed.frames_in, "1");
    assert.equal(echoed.frames_out, "1");
    assert.equal(echoed.frames_dropped, "0");
    assert.equal(echoed.error, "");
    assert.equal(crashed.error, "Error: crash requested");
    for (const row of rows) {
      const end = ends.find((stats) => String(stats.id) === row.id)!;
      assert.equal(row.remote, `${end.remoteAddr.hostname}:${end.remoteAddr.port}`);
      assert.equal(row.opened_at, new Date(end.openedAt).toISOString());
      assert.equal(row.closed_at, new Date(end.closedAt!).toISOString());
      assert.equal(row.duration_ms, String(end.durationMs));
    }
  });
});

test("openConnectionRecords appends to an existing file under its header, and refuses another header", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "connections.csv");
    const first = openConnectionRecords(path);
    first.onConnectionEnd(fakeStats(1, undefined));
    first.close();
    assert.throws(() => first.onConnectionEnd(fakeStats(9, undefined)), /closed/);
    using second = openConnectionRecords(path);
    second.onConnectionEnd(fakeStats(2, undefined));
    assert.deepEqual((await readRecords(path)).map((row) => row.id), ["1", "2"]);

    const other = join(dir, "other.csv");
    await writeFile(other, "time,active\n");
    assert.throws(
      () => openConnectionRecords(other),
      /Cannot append records to .*other\.csv: its header is "time,active"/,
    );
  });
});

test("connectionRecordOf quotes commas, quotes and unicode, and keeps each row on one line", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "connections.csv");
    const messages = ['a, b and "c"', "ünïcødé ✓", "first line\nsecond line\r\nthird"];
    const records = openConnectionRecords(path);
    messages.forEach((message, i) => records.onConnectionEnd(fakeStats(i + 1, new TypeError(message))));
    records.close();
    const text = await readFile(path, "utf8");
    assert.equal(text.split("\n").length, 1 + messages.length + 1, "a header, one line per row, and the end");
    const rows = parse(text, { columns: true }) as Array<Record<string, string>>;
    assert.deepEqual(rows.map((row) => row.error), [
      'TypeError: a, b and "c"',
      "TypeError: ünïcødé ✓",
      "TypeError: first line second line third",
    ]);
    assert.deepEqual(connectionRecordOf(fakeStats(1, "a string")).slice(-2), ["handler-error", "a string"]);
  });
});

test("readRecords ignores a half-written last line, and reopening cuts it off before appending", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "connections.csv");
    const records = openConnectionRecords(path);
    records.onConnectionEnd(fakeStats(1, new Error("x")));
    records.onConnectionEnd(fakeStats(2, undefined));
    records.close();
    // What a failing disk could leave: part of a row, inside a quoted cell.
    await appendFile(path, '3,127.0.0.1:4000,2024-01-01T00:00:00.000Z,"half');
    assert.deepEqual((await readRecords(path)).map((row) => row.id), ["1", "2"]);
    const again = openConnectionRecords(path);
    again.onConnectionEnd(fakeStats(4, undefined));
    again.close();
    const text = await readFile(path, "utf8");
    assert.ok(!text.includes("half"), text);
    assert.deepEqual((await readRecords(path)).map((row) => row.id), ["1", "2", "4"]);
  });
});

test("parseRecords reads a BOM, CRLF line ends and quoted newlines from other writers", () => {
  const text = '\uFEFFid,error\r\n1,"two\r\nlines"\r\n2,"a ""quote"", a comma"\r\n3,no newline yet';
  assert.deepEqual(parseRecords(text), [
    { id: "1", error: "two\r\nlines" },
    { id: "2", error: 'a "quote", a comma' },
  ]);
  assert.deepEqual(parseRecords(""), []);
});

test("openConnectionRecords records connections of an echo server that is shut down", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "connections.csv");
    const records = openConnectionRecords(path);
    const { server } = await startServer(echoHandler, { onConnectionEnd: records.onConnectionEnd });
    const open = await Promise.all([client(server), client(server), client(server)]);
    await until(() => server.size === 3, "three connections");
    await server.shutdown();
    records.close();
    for (const conn of open) conn.close();
    const rows = await readRecords(path);
    assert.deepEqual(rows.map((row) => row.close_reason), ["shutdown", "shutdown", "shutdown"]);
    assert.match(rows[0]!.error ?? "", /^ShutdownError: /);
  });
});

test("connectionRecordOf writes an IPv6 remote in brackets, so its port is not read as part of the address", () => {
  const stats = { ...fakeStats(1, undefined), remoteAddr: { hostname: "2001:db8::7", port: 50312 } };
  assert.equal(connectionRecordOf(stats)[1], "[2001:db8::7]:50312");
});

test("openConnectionRecords writes no live spreadsheet formula (OWASP CSV injection) and no raw ESC", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "connections.csv");
    // Each a formula in Excel or LibreOffice if written as it is; the last two begin with a quote already.
    const errors = [
      '=HYPERLINK("http://evil","click")',
      "+1+cmd|' /C calc'!A0",
      "-2+3",
      "@SUM(1,2)",
      "\t=1",
      "\r=1",
      "'=1",
      "''@x",
    ];
    const records = openConnectionRecords(path);
    errors.forEach((error, i) => records.onConnectionEnd(fakeStats(i + 1, error)));
    // A peer's text in an error's message, with an ESC that `tail` would pass to the terminal.
    records.onConnectionEnd(fakeStats(99, new RangeError("room \x1b[2Jlobby")));
    // And a real connection whose handler threw a string that a peer chose.
    const { server } = await startServer(async (conn) => {
      for await (const frame of conn) throw new TextDecoder().decode(frame);
    }, { onConnectionEnd: records.onConnectionEnd });
    const conn = await client(server);
    await conn.send(text("=1+1"));
    assert.equal(await conn.receive(), undefined);
    conn.close();
    await server.shutdown();
    records.close();

    const raw = await readFile(path, "utf8");
    assert.ok(!raw.includes("\x1b"), "no raw ESC in the file");
    // The real csv-parse, as a spreadsheet would see each cell: none begins with a formula character.
    const rows = parse(raw, { columns: true }) as Array<Record<string, string>>;
    assert.equal(rows.length, errors.length + 2);
    for (const row of rows) assert.doesNotMatch(row.error!, /^[=+\-@\t\r]/, row.error);
    assert.deepEqual(rows.slice(0, errors.length).map((row) => row.error), [
      '\'=HYPERLINK("http://evil","click")',
      "'+1+cmd|' /C calc'!A0",
      "'-2+3",
      "'@SUM(1,2)",
      // A tab is escaped and a carriage return is a space before the rule looks: neither begins the cell any more.
      "\\t=1",
      " =1",
      "''=1",
      "'''@x",
    ]);
    assert.equal(rows[errors.length]!.error, "RangeError: room \\u001b[2Jlobby");
    assert.equal(rows[errors.length + 1]!.error, "'=1+1");
    // Quoted as OWASP asks: the cell is in double quotes in the file.
    assert.ok(raw.includes(`,"'=1+1"\n`), raw);
    // The kit's reader takes the added quote off again.
    const back = await readRecords(path);
    assert.deepEqual(back.slice(0, errors.length).map((row) => row.error), [
      '=HYPERLINK("http://evil","click")',
      "+1+cmd|' /C calc'!A0",
      "-2+3",
      "@SUM(1,2)",
      "\\t=1",
      " =1",
      "'=1",
      "''@x",
    ]);
    assert.equal(back.at(-1)!.error, "=1+1");
  });
});
