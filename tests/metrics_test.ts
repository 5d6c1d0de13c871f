import assert from "node:assert/strict";
import { createServer } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Counter, Registry } from "prom-client";
import { CLOSE_REASONS, connect, type Connection, encodeFrame, type ServerStats, silentLogger } from "../mod.ts";
import { registerServerMetrics, renderMetrics, serveMetrics } from "../src/edges/metrics/metrics.ts";
import { readRecords } from "../src/edges/records/records.ts";
import { test } from "./_harness.ts";
import { runToEnd, startChild } from "./_child.ts";
import {
  client,
  concat,
  decoder,
  echoHandler,
  rawConnect,
  readToEnd,
  recordingLogger,
  startServer,
  take,
  text,
  until,
} from "./_fixtures.ts";

const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

// ---- A strict reader of the text exposition format 0.0.4, to hold the output to it line by line.

interface Family {
  type: string;
  help: string | undefined;
  /** Value by the sample's name and labels, as `name{a="x",b="y"}` with the labels unescaped and sorted. */
  samples: Map<string, number>;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// Go's ParseFloat, as the format requires: decimal and exponent forms, NaN, +Inf, -Inf.
const VALUE = /^(NaN|[+-]Inf|[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)$/;

/** The labels of a sample, `{...}` without its braces; every value escaped as the format says. */
function parseLabels(body: string, line: string): Array<[string, string]> {
  const labels: Array<[string, string]> = [];
  let at = 0;
  while (at < body.length) {
    const eq = body.indexOf("=", at);
    assert.ok(eq > at, `a label name in: ${line}`);
    const name = body.slice(at, eq);
    assert.match(name, LABEL_NAME, `label name in: ${line}`);
    assert.ok(!name.startsWith("__"), `reserved label name in: ${line}`);
    assert.equal(body[eq + 1], '"', `a quoted label value in: ${line}`);
    let value = "";
    let i = eq + 2;
    for (;; i++) {
      const char = body[i];
      assert.ok(char !== undefined, `an unterminated label value in: ${line}`);
      assert.notEqual(char, "\n", `a raw line feed in: ${line}`);
      if (char === '"') break;
      if (char === "\\") {
        const next = body[++i];
        assert.ok(next === "\\" || next === '"' || next === "n", `a bad escape \\${next} in: ${line}`);
        value += next === "n" ? "\n" : next;
      } else value += char;
    }
    labels.push([name, value]);
    at = i + 1;
    if (body[at] === ",") at++;
    else assert.equal(at, body.length, `a comma between labels in: ${line}`);
  }
  assert.equal(new Set(labels.map(([name]) => name)).size, labels.length, `a repeated label in: ${line}`);
  return labels;
}

/** Reads an exposition, failing on anything the format forbids, or that the kit promises not to write. */
function parseExposition(exposition: string): Map<string, Family> {
  assert.ok(exposition.endsWith("\n"), "the last line ends with a line feed");
  const families = new Map<string, Family>();
  const done = new Set<string>(); // families whose group has ended: none may come back
  let current: string | undefined;
  const enter = (name: string, line: string) => {
    if (name === current) return;
    assert.ok(!done.has(name), `the lines of ${name} are not one uninterrupted group: ${line}`);
    if (current !== undefined) done.add(current);
    current = name;
  };
  for (const line of exposition.slice(0, -1).split("\n")) {
    if (line === "") continue;
    const comment = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (comment !== null) {
      const [, kind, name, rest] = comment as unknown as [string, string, string, string];
      assert.match(name, METRIC_NAME, line);
      enter(name, line);
      const family = families.get(name) ?? { type: "", help: undefined, samples: new Map() };
      families.set(name, family);
      assert.equal(family.samples.size, 0, `${kind} of ${name} after its first sample`);
      if (kind === "TYPE") {
        assert.equal(family.type, "", `a second TYPE line for ${name}`);
        assert.ok(["counter", "gauge", "histogram", "summary", "untyped"].includes(rest), line);
        family.type = rest;
      } else {
        assert.equal(family.help, undefined, `a second HELP line for ${name}`);
        assert.doesNotMatch(rest.replace(/\\[\\n]/g, ""), /\\/, `a bad escape in: ${line}`);
        family.help = rest.replace(/\\(.)/g, (_, c: string) => c === "n" ? "\n" : c);
      }
      continue;
    }
    assert.ok(!line.startsWith("#"), `a comment the kit does not write: ${line}`);
    const sample = /^([^{\s]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(sample !== null, `a sample line: ${line}`);
    const [, name, labelText, value] = sample as unknown as [string, string, string | undefined, string];
    assert.match(name, METRIC_NAME, line);
    assert.match(value, VALUE, line);
    enter(name, line);
    const family = families.get(name);
    assert.ok(family !== undefined && family.type !== "", `the sample of ${name} has no TYPE line before it`);
    const labels = parseLabels(labelText ?? "", line).sort(([a], [b]) => a < b ? -1 : 1);
    const key = `${name}{${labels.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}}`;
    assert.ok(!family.samples.has(key), `a repeated sample: ${line}`);
    family.samples.set(key, value.endsWith("Inf") ? (value.startsWith("-") ? -Infinity : Infinity) : Number(value));
  }
  for (const [name, family] of families) {
    assert.notEqual(family.type, "", `${name} has a TYPE`);
    if (family.type === "counter") assert.match(name, /_total$/, `the counter ${name} ends in _total`);
    else assert.doesNotMatch(name, /_total$/, `the ${family.type} ${name} does not end in _total`);
  }
  return families;
}

/** Every sample of an exposition, by name and labels (see `Family.samples`). */
function samplesOf(exposition: string): Map<string, number> {
  return new Map([...parseExposition(exposition).values()].flatMap((family) => [...family.samples]));
}

/** The samples the kit must write for `stats`, with the prefix spawnkit_. */
function expectedSamples(stats: ServerStats): Map<string, number> {
  const expected = new Map<string, number>([
    ["spawnkit_connections_accepted_total{}", stats.accepted],
    ["spawnkit_connections_active{}", stats.active],
    ["spawnkit_received_bytes_total{}", stats.bytesIn],
    ["spawnkit_sent_bytes_total{}", stats.bytesOut],
    ["spawnkit_frames_dropped_total{}", stats.framesDropped],
    ["spawnkit_messages_dropped_total{}", stats.messagesDropped],
    ["spawnkit_accept_pauses_total{}", stats.acceptPauses],
  ]);
  const labelled = (name: string, label: string, counts: Readonly<Partial<Record<string, number>>>) => {
    for (const [value, count] of Object.entries(counts)) {
      expected.set(`${name}{${label}=${JSON.stringify(value)}}`, count!);
    }
  };
  labelled("spawnkit_connections_closed_total", "reason", {
    ...Object.fromEntries(CLOSE_REASONS.map((reason) => [reason, 0])),
    ...stats.closedByReason,
  });
  labelled("spawnkit_connections_refused_total", "limit", {
    "max-connections": 0,
    "max-connections-per-address": 0,
    "untrusted-proxy-source": 0,
    ...stats.refused,
  });
  labelled("spawnkit_accept_errors_total", "code", stats.acceptErrors);
  return expected;
}

test("the test's reader of the text format refuses what the format forbids", () => {
  const family = "# TYPE a_total counter\n";
  for (
    const [exposition, message] of [
      [`${family}a_total 1`, /ends with a line feed/],
      ["a_total 1\n", /no TYPE line/],
      [`${family}a_total 1\n# TYPE a_total counter\n`, /after its first sample|second TYPE/],
      [`${family}a_total{x="1"} 1\n# TYPE b gauge\nb 1\na_total{x="2"} 1\n`, /uninterrupted/],
      [`${family}a_total{x="a"b"} 1\n`, /comma between labels/],
      [`${family}a_total{x="a\\qb"} 1\n`, /bad escape/],
      [`${family}a_total{x="1",x="2"} 1\n`, /repeated label/],
      [`${family}a_total{x="1"} 1\na_total{x="1"} 2\n`, /repeated sample/],
      [`${family}a_total{1x="1"} 1\n`, /label name/],
      [`${family}a_total one\n`, /a_total one/],
      ["# TYPE a counter\na 1\n", /ends in _total/],
      ["# TYPE a_total gauge\na_total 1\n", /does not end in _total/],
      ["# TYPE a-b gauge\n", /a-b/],
    ] as const
  ) assert.throws(() => parseExposition(exposition), message, exposition);
  const good = [
    "# TYPE a_total counter",
    String.raw`a_total{y="\\ \" \n",x="1",} 3`,
    "",
    String.raw`# HELP b Bees, \\ and \n.`,
    "# TYPE b gauge",
    "b -Inf",
    "",
  ].join("\n");
  assert.deepEqual(
    samplesOf(good),
    new Map([[`a_total{x="1",y=${JSON.stringify('\\ " \n')}}`, 3], ["b{}", -Infinity]]),
  );
  assert.equal(parseExposition(good).get("b")?.help, "Bees, \\ and \n.");
});

const KNOWN: ServerStats = {
  accepted: 12,
  active: 3,
  refused: { "max-connections": 2 },
  closedByReason: { "peer-closed": 5, "rate-limit": 1, "idle-timeout": 3 },
  framesDropped: 7,
  bytesIn: 123_456_789_012,
  bytesOut: 98_765,
  messagesDropped: 4,
  // Errno codes never hold these characters; the escaping must hold anyway.
  acceptErrors: { ENOTCONN: 9, 'odd "code" \\ with\na line feed': 1 },
  acceptPauses: 2,
};

test("renderMetrics writes known stats as the text format 0.0.4 requires", async () => {
  const exposition = await renderMetrics({ stats: KNOWN });
  assert.deepEqual(samplesOf(exposition), expectedSamples(KNOWN));
  const lines = exposition.split("\n");
  // The escaped label value, byte for byte: backslash, double quote and line feed.
  assert.ok(lines.includes(String.raw`spawnkit_accept_errors_total{code="odd \"code\" \\ with\na line feed"} 1`));
  assert.ok(lines.includes("spawnkit_received_bytes_total 123456789012"), "large integers in full");
  const families = parseExposition(exposition);
  assert.equal(families.get("spawnkit_connections_active")?.type, "gauge");
  assert.equal(families.get("spawnkit_connections_closed_total")?.help, "Ended connections, by close reason.");
  assert.equal(families.size, 10);
});

test("registerServerMetrics reads the figures once per scrape, from a function too, under a prefix", async () => {
  let reads = 0;
  const registry = registerServerMetrics(() => {
    reads++;
    return Promise.resolve({ ...KNOWN, accepted: KNOWN.accepted + reads });
  }, { prefix: "game_gateway_" });
  const first = samplesOf(await registry.metrics());
  assert.equal(reads, 1, "one snapshot for all ten families");
  assert.equal(first.get("game_gateway_connections_accepted_total{}"), KNOWN.accepted + 1);
  const second = samplesOf(await registry.metrics());
  assert.equal(reads, 2);
  assert.equal(second.get("game_gateway_connections_accepted_total{}"), KNOWN.accepted + 2);
  assert.ok([...second.keys()].every((key) => key.startsWith("game_gateway_")));
});

test("registerServerMetrics adds to the caller's registry, and refuses a bad prefix or a second server", async () => {
  const registry = new Registry();
  new Counter({ name: "games_started_total", help: "Games started.", registers: [registry] }).inc(2);
  registerServerMetrics({ stats: KNOWN }, { registry });
  const samples = samplesOf(await registry.metrics());
  assert.equal(samples.get("games_started_total{}"), 2);
  assert.equal(samples.get("spawnkit_connections_active{}"), KNOWN.active);
  assert.throws(() => registerServerMetrics({ stats: KNOWN }, { registry }), /already been registered/);
  registerServerMetrics({ stats: KNOWN }, { registry, prefix: "second_" });
  for (const prefix of ["9lives_", "with-dash_"]) {
    assert.throws(() => registerServerMetrics({ stats: KNOWN }, { prefix }), TypeError);
  }
  // An empty prefix is allowed: the names stand alone.
  assert.ok((await renderMetrics({ stats: KNOWN }, { prefix: "" })).includes("\nconnections_active 3\n"));
});

test("renderMetrics matches server.stats of a live server: accepted, refused by a limit, closed by a guard", async () => {
  const { server } = await startServer(echoHandler, { maxConnections: 2, maxFramesPerSecond: 3 });
  try {
    const held = await client(server);
    await held.send(text("held"));
    await take(held, 1);
    // Four frames in one write against a budget of three: the fourth (the last bytes) trips the guard.
    const flood = await rawConnect(server);
    await flood.write(concat([1, 2, 3, 4].map((n) => encodeFrame(text(`frame ${n}`)))));
    await readToEnd(flood);
    flood.close();
    const second = await client(server);
    await second.send(text("second"));
    await take(second, 1);
    const refused = await client(server);
    assert.equal(await refused.receive(), undefined, "refused at once");
    refused.close();
    await until(() => (server.stats.refused["max-connections"] ?? 0) === 1, "the refusal");
    await until(() => server.stats.closedByReason["rate-limit"] === 1, "the guard's close");

    const stats = server.stats;
    assert.deepEqual(samplesOf(await renderMetrics(server)), expectedSamples(stats));
    assert.equal(stats.accepted, 3);
    assert.equal(stats.active, 2);
    held.close();
    second.close();
    await until(() => server.stats.active === 0, "both ends");
    const after = server.stats;
    assert.deepEqual(samplesOf(await renderMetrics(server)), expectedSamples(after));
    assert.equal(after.closedByReason["peer-closed"], 2);
  } finally {
    await server.shutdown();
  }
});

test("serveMetrics answers GET and HEAD with the text format, 404 elsewhere, 405 to other methods", async () => {
  const logger = recordingLogger();
  let failing = false;
  const metrics = await serveMetrics(() => {
    if (failing) throw new Error("figures unavailable");
    return KNOWN;
  }, { logger });
  try {
    assert.equal(metrics.addr.hostname, "127.0.0.1");
    assert.equal(metrics.url, `http://127.0.0.1:${metrics.addr.port}/metrics`);
    const got = await fetch(metrics.url);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get("content-type"), CONTENT_TYPE);
    assert.deepEqual(samplesOf(await got.text()), expectedSamples(KNOWN));
    const head = await fetch(metrics.url, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
    const query = await fetch(`${metrics.url}?name[]=x`);
    assert.equal(query.status, 200, "a query string is ignored");
    await query.body?.cancel();
    const other = await fetch(`http://127.0.0.1:${metrics.addr.port}/`);
    assert.equal(other.status, 404);
    assert.match(await other.text(), /\/metrics/);
    const post = await fetch(metrics.url, { method: "POST", body: "x" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD");
    await post.body?.cancel();
    failing = true;
    const failed = await fetch(metrics.url);
    assert.equal(failed.status, 500);
    await failed.body?.cancel();
    assert.ok(logger.records.some((r) => r.level === "error" && String(r.properties?.error).includes("unavailable")));
  } finally {
    await metrics.close();
  }
  await metrics.close(); // twice is harmless
  await assert.rejects(fetch(metrics.url), "nothing answers once closed");
});

test("serveMetrics serves a whole registry at its path, and refuses a bad port, path or a port in use", async () => {
  const registry = registerServerMetrics({ stats: KNOWN }, { registry: new Registry() });
  new Counter({ name: "games_started_total", help: "Games started.", registers: [registry] });
  {
    await using metrics = await serveMetrics(registry, { path: "/stats/prometheus" });
    const response = await fetch(metrics.url);
    assert.equal(response.status, 200);
    assert.ok(samplesOf(await response.text()).has("games_started_total{}"));
    assert.ok(metrics.url.endsWith("/stats/prometheus"));

    await assert.rejects(serveMetrics(registry, { port: metrics.addr.port }), (error: Error) => {
      assert.match(error.message, new RegExp(`^Cannot serve metrics on 127\\.0\\.0\\.1:${metrics.addr.port}: `));
      assert.equal((error.cause as { code?: string }).code, "EADDRINUSE");
      return true;
    });
  }
  await assert.rejects(serveMetrics(registry, { port: 65536 }), {
    name: "RangeError",
    message: "Cannot use port 65536: must be an integer from 0 to 65535",
  });
  await assert.rejects(serveMetrics(registry, { path: "metrics" }), TypeError);
});

// ---- The example: echo_server --metrics-port.

const SCRIPT = "examples/echo_server.ts";

/** The metrics URL the example printed. */
function metricsUrl(output: string): string {
  const match = /^metrics on (http:\/\/\S+)$/m.exec(output);
  assert.ok(match !== null, output);
  return match[1]!;
}

async function scrape(url: string): Promise<Map<string, number>> {
  const response = await fetch(url);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), CONTENT_TYPE);
  return samplesOf(await response.text());
}

async function echoOnce(port: number, payload: string): Promise<Connection> {
  const conn = await connect({ port, logger: silentLogger });
  await conn.send(text(payload));
  assert.equal(decoder.decode((await take(conn, 1))[0]), payload);
  return conn;
}

test("echo_server --metrics-port serves figures that match the server's own counters", async () => {
  const dir = await mkdtemp(join(tmpdir(), "spawnkit-metrics-"));
  const stats = join(dir, "stats.csv");
  const child = await startChild(SCRIPT, [
    ...["--port", "0", "--metrics-port", "0", "--stats", stats, "--log-level", "warning"],
    ...["--max-connections", "2", "--max-frames-per-sec", "3"],
  ]);
  let running = true;
  try {
    const url = metricsUrl(child.output());
    const before = await scrape(url);
    assert.equal(before.get("spawnkit_connections_accepted_total{}"), 0);

    let sent = 0;
    const held = await echoOnce(child.port, "held open");
    sent += 4 + "held open".length;
    // Closed by a guard: four frames in one write against a budget of three frames a second.
    const flood = await rawConnect({ addr: { hostname: "127.0.0.1", port: child.port } });
    const burst = concat([1, 2, 3, 4].map((n) => encodeFrame(text(`frame ${n}`))));
    await flood.write(burst);
    sent += burst.length;
    await readToEnd(flood);
    flood.close();
    const second = await echoOnce(child.port, "second");
    sent += 4 + "second".length;
    // Refused by a limit: two are open.
    const refused = await connect({ port: child.port, logger: silentLogger });
    assert.equal(await refused.receive(), undefined);
    refused.close();
    held.close();
    second.close();

    let figures = await scrape(url);
    for (let tries = 0; figures.get("spawnkit_connections_active{}") !== 0; tries++) {
      assert.ok(tries < 1000, `the connections never ended: ${JSON.stringify([...figures])}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
      figures = await scrape(url);
    }
    assert.equal(figures.get("spawnkit_connections_accepted_total{}"), 3);
    assert.equal(figures.get('spawnkit_connections_refused_total{limit="max-connections"}'), 1);
    assert.equal(figures.get('spawnkit_connections_closed_total{reason="rate-limit"}'), 1);
    assert.equal(figures.get('spawnkit_connections_closed_total{reason="peer-closed"}'), 2);
    assert.equal(figures.get("spawnkit_received_bytes_total{}"), sent);
    const closed = [...figures].filter(([key]) => key.startsWith("spawnkit_connections_closed_total"));
    assert.equal(closed.reduce((sum, [, n]) => sum + n, 0), 3, "no other close");

    child.kill("SIGTERM");
    assert.equal(await child.exited, 0, child.output());
    running = false;
    // The server's own counters, as its last server record wrote them at shutdown (nothing was open).
    const last = (await readRecords(stats)).at(-1)!;
    assert.equal(Number(last.accepted), figures.get("spawnkit_connections_accepted_total{}"));
    assert.equal(Number(last.active), figures.get("spawnkit_connections_active{}"));
    assert.equal(Number(last.bytes_in), figures.get("spawnkit_received_bytes_total{}"));
    assert.equal(Number(last.bytes_out), figures.get("spawnkit_sent_bytes_total{}"));
    assert.equal(Number(last.frames_dropped), figures.get("spawnkit_frames_dropped_total{}"));
    assert.equal(last.closed_by_reason, "peer-closed=2 rate-limit=1");
    assert.equal(last.refused, "max-connections=1");
    await assert.rejects(fetch(url), "the endpoint stopped with the server");
  } finally {
    if (running) child.kill("SIGKILL");
    await rm(dir, { recursive: true });
  }
});

test("chat_server --metrics-port serves the room's figures", async () => {
  const child = await startChild("examples/chat_server.ts", ["--port", "0", "--metrics-port", "0"]);
  let running = true;
  try {
    const url = metricsUrl(child.output());
    const alice = await connect({ port: child.port, logger: silentLogger });
    let figures = await scrape(url);
    for (let tries = 0; figures.get("spawnkit_connections_active{}") !== 1; tries++) {
      assert.ok(tries < 1000, `alice never showed: ${JSON.stringify([...figures])}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
      figures = await scrape(url);
    }
    assert.equal(figures.get("spawnkit_connections_accepted_total{}"), 1);
    alice.close();
    child.kill("SIGTERM");
    assert.equal(await child.exited, 0, child.output());
    running = false;
    await assert.rejects(fetch(url), "the endpoint stopped with the server");
  } finally {
    if (running) child.kill("SIGKILL");
  }
});

test("echo_server refuses a bad --metrics-port, or one in use: one line, exit code 2, nothing listens", async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
  try {
    const port = (busy.address() as { port: number }).port;
    for (
      const [value, message] of [
        ["70000", /^echo_server: --metrics-port must be an integer from 0 to 65535, got "70000"$/],
        ["-1", /^echo_server: --metrics-port must be an integer from 0 to 65535, got "-1"$/],
        [
          String(port),
          new RegExp(`^echo_server: --metrics-port ${port}: Cannot serve metrics on 127\\.0\\.0\\.1:${port}: `),
        ],
      ] as const
    ) {
      const { code, stdout, stderr } = await runToEnd(SCRIPT, ["--port", "0", "--metrics-port", value]);
      assert.equal(code, 2, stderr);
      assert.equal(stderr.trim().split("\n").length, 1, stderr);
      assert.match(stderr.trim(), message);
      assert.doesNotMatch(stdout, /listening/);
    }
  } finally {
    busy.close();
  }
});
