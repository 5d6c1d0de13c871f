import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "csv-stringify/sync";
import {
  loadServerTable,
  parseServerTable,
  serverOptionsFromTable,
  ServerTableError,
} from "../src/edges/config/server_table.ts";
import { test } from "./_harness.ts";

async function withTable(text: string, body: (path: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "spawnkit-table-"));
  try {
    const path = join(dir, "servers.csv");
    await writeFile(path, text);
    await body(path);
  } finally {
    await rm(dir, { recursive: true });
  }
}

test("loadServerTable reads every row of a good table into typed options", async () => {
  const text = [
    "id,host,port,packet,max_frame_size,high_water_mark,low_water_mark,mailbox_capacity,idle_timeout," +
    "first_frame_timeout,max_bytes_per_sec,max_frames_per_sec,max_connections,max_connections_per_address," +
    "rate_limit_policy,slow_consumer",
    "full,0.0.0.0,7001,2,65535,65536,1024,64,30,2.5,1048576,1000,10000,100,pause,drop",
    "",
    "bare, 127.0.0.1 ,7000,,,,,,,,,,,,,",
    "",
  ].join("\n");
  await withTable(text, async (path) => {
    const table = await loadServerTable(path);
    assert.equal(table.file, path);
    assert.deepEqual([...table.rows.keys()], ["full", "bare"]);
    assert.deepEqual(table.rows.get("full"), {
      id: "full",
      line: 2,
      options: {
        hostname: "0.0.0.0",
        port: 7001,
        packet: 2,
        maxFrameSize: 65535,
        highWaterMark: 65536,
        lowWaterMark: 1024,
        mailboxCapacity: 64,
        idleTimeout: 30,
        firstFrameTimeout: 2.5,
        maxBytesPerSecond: 1048576,
        maxFramesPerSecond: 1000,
        maxConnections: 10000,
        maxConnectionsPerAddress: 100,
        rateLimitPolicy: "pause",
        slowConsumer: "drop",
      },
    });
    // Blank lines are skipped but counted; cells are trimmed; empty cells mean the defaults.
    assert.deepEqual(table.rows.get("bare"), { id: "bare", line: 4, options: { hostname: "127.0.0.1", port: 7000 } });
    assert.deepEqual(await serverOptionsFromTable(path, "bare"), { hostname: "127.0.0.1", port: 7000 });
  });
});

test("loadServerTable reads the shipped examples/servers.csv", async () => {
  const table = await loadServerTable("examples/servers.csv");
  assert.ok(table.rows.size >= 2);
  for (const row of table.rows.values()) assert.equal(typeof row.options.port, "number");
});

test("parseServerTable round-trips quoting, commas, quotes, newlines, a BOM and CRLF through the CSV library", () => {
  const ids = ["a,b", 'say "hi"', "two\nlines", "crlf\r\ninside", "ünïcødé ✓", " padded "];
  const rows = [["id", "host", "port"], ...ids.map((id, i) => [id, "127.0.0.1", String(7000 + i)])];
  const text = "\uFEFF" + stringify(rows, { record_delimiter: "windows", quoted_match: /^ | $/ });
  assert.ok(text.includes("\r\n"));
  const table = parseServerTable(text, "quoted.csv");
  // Trimming applies outside quotes only, so a quoted " padded " keeps its spaces.
  assert.deepEqual([...table.rows.keys()], ids);
  assert.equal(table.rows.get("two\nlines")?.line, 4);
  assert.equal(table.rows.get("crlf\r\ninside")?.line, 6, "a row starts after the lines of the row before");
  assert.equal(table.rows.get("ünïcødé ✓")?.options.port, 7004);
});

const HEADER = "id,host,port";
const cases: Array<{ name: string; text: string; line?: number; column?: string; value?: string; message: RegExp }> = [
  {
    name: "an unknown column",
    text: "id,host,port,colour\na,127.0.0.1,7000,red\n",
    line: 1,
    column: "colour",
    value: "colour",
    message: /line 1, column 4 \(colour\): unknown column "colour"/,
  },
  {
    name: "a missing required column",
    text: "id,host\na,127.0.0.1\n",
    line: 1,
    column: "port",
    message: /line 1, column port: missing required column "port"/,
  },
  {
    name: "a column named twice",
    text: "id,host,port,port\na,h,1,2\n",
    line: 1,
    column: "port",
    value: "port",
    message: /line 1, column 4 \(port\): column "port" appears twice/,
  },
  {
    name: "a duplicate id",
    text: `${HEADER}\na,127.0.0.1,7000\nb,127.0.0.1,7001\na,127.0.0.1,7002\n`,
    line: 4,
    column: "id",
    value: "a",
    message: /line 4, column 1 \(id\): duplicate id "a" \(first on line 2\)/,
  },
  {
    name: "a non-numeric port",
    text: `${HEADER}\na,127.0.0.1,seven\n`,
    line: 2,
    column: "port",
    value: "seven",
    message: /line 2, column 3 \(port\): "seven" is not an integer from 0 to 65535/,
  },
  {
    name: "a port out of range",
    text: `${HEADER}\r\na,127.0.0.1,70000\r\n`,
    line: 2,
    column: "port",
    value: "70000",
    message: /line 2, column 3 \(port\): "70000" is not an integer from 0 to 65535/,
  },
  {
    name: "a packet size out of range",
    text: `${HEADER},packet\na,h,1,3\n`,
    line: 2,
    column: "packet",
    value: "3",
    message: /line 2, column 4 \(packet\): "3" is not 1, 2 or 4/,
  },
  {
    name: "a zero idle timeout",
    text: `${HEADER},idle_timeout\na,h,1,0\n`,
    line: 2,
    column: "idle_timeout",
    value: "0",
    message: /line 2, column 4 \(idle_timeout\): "0" is not a positive number of seconds/,
  },
  {
    name: "a fractional connection limit",
    text: `${HEADER},max_connections\na,h,1,1.5\n`,
    line: 2,
    column: "max_connections",
    value: "1.5",
    message: /line 2, column 4 \(max_connections\): "1.5" is not a positive integer/,
  },
  {
    name: "a low-water mark above the high-water mark",
    text: `${HEADER},high_water_mark,low_water_mark\na,h,1,100,200\n`,
    line: 2,
    column: "low_water_mark",
    value: "200",
    message: /line 2, column 5 \(low_water_mark\): "200" is above the high-water mark 100/,
  },
  {
    name: "an empty required cell",
    text: `${HEADER}\na,,7000\n`,
    line: 2,
    column: "host",
    value: "",
    message: /line 2, column 2 \(host\): "" is empty; host is required/,
  },
  {
    name: "a row with too many cells",
    text: `${HEADER}\na,h,1,extra\n`,
    line: 2,
    column: "#4",
    value: "extra",
    message: /line 2, column #4: "extra" is past the last column/,
  },
  {
    name: "a row with too few cells",
    text: `${HEADER}\na,h\n`,
    line: 2,
    column: "port",
    message: /line 2, column 3 \(port\): missing \(the row has 2 of 3 columns\)/,
  },
  {
    name: "an unclosed quote",
    text: `${HEADER}\na,"h,1\n`,
    line: 2,
    message: /line 2: bad CSV: Quote Not Closed/,
  },
  { name: "an empty file", text: "", line: 1, message: /line 1: no header row/ },
];

for (const bad of cases) {
  test(`loadServerTable refuses ${bad.name}, naming file, line, column and value`, async () => {
    await withTable(bad.text, async (path) => {
      const error = await loadServerTable(path).then(() => undefined, (error: unknown) => error);
      assert.ok(error instanceof ServerTableError, `expected a ServerTableError, got ${error}`);
      assert.equal(error.name, "ServerTableError");
      assert.equal(error.file, path);
      assert.equal(error.line, bad.line);
      assert.equal(error.column, bad.column);
      assert.equal(error.value, bad.value);
      assert.ok(error.message.startsWith(`Cannot load server table ${path}: `), error.message);
      assert.match(error.message, bad.message);
    });
  });
}

test("serverOptionsFromTable refuses an id not in the table, naming file, column and value", async () => {
  await withTable(`${HEADER}\na,127.0.0.1,7000\nb,127.0.0.1,7001\n`, async (path) => {
    await assert.rejects(serverOptionsFromTable(path, "zz"), (error: unknown) => {
      assert.ok(error instanceof ServerTableError);
      assert.equal(error.column, "id");
      assert.equal(error.value, "zz");
      assert.equal(error.message, `Cannot load server table ${path}: column id: no row has id "zz" (ids: a, b)`);
      return true;
    });
  });
});

test("loadServerTable refuses a file it cannot read, naming the file", async () => {
  const path = join(tmpdir(), "spawnkit-no-such-dir", "servers.csv");
  await assert.rejects(loadServerTable(path), (error: unknown) => {
    assert.ok(error instanceof ServerTableError);
    assert.equal(error.file, path);
    assert.match(error.message, /^Cannot load server table .*servers\.csv: cannot read it: /);
    return true;
  });
});
