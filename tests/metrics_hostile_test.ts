/**
 * The metrics endpoint against what anyone who reaches its port may send:
 * every request gets an HTTP answer, nothing reaches the process as an
 * unhandled error, and the game port keeps serving.
 */
import assert from "node:assert/strict";
import { connect as tcpConnect } from "node:net";
import { connect, type Connection, serve, type ServerStats, silentLogger } from "../mod.ts";
import { serveMetrics } from "../src/edges/metrics/metrics.ts";
import { test } from "./_harness.ts";
import { startChild } from "./_child.ts";
import { decoder, echoHandler, recordingLogger, take, text } from "./_fixtures.ts";

/** An answer's status and headers (lower-cased names). */
interface Head {
  status: number;
  headers: Map<string, string>;
}

/** Writes `request` to `port` as it is and reads the answer's head; fails if none comes in 10 s. */
function exchange(port: number, request: string | Uint8Array): Promise<Head> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, "127.0.0.1");
    let received = "";
    const done = (error?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      const end = received.indexOf("\r\n\r\n");
      if (end === -1) return reject(error ?? new Error(`No answer, only ${JSON.stringify(received.slice(0, 200))}`));
      const [line, ...fields] = received.slice(0, end).split("\r\n");
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(line!)?.[1]);
      const headers = new Map(
        fields.map((f) => [f.slice(0, f.indexOf(":")).toLowerCase(), f.slice(f.indexOf(":") + 1).trim()]),
      );
      resolve({ status, headers });
    };
    const timer = setTimeout(() => done(new Error("No answer in 10 s")), 10_000);
    socket.on("data", (data) => {
      received += decoder.decode(data);
      if (received.includes("\r\n\r\n")) done();
    });
    // A reset after the answer is the server closing a connection it will not read on: the answer counts.
    socket.on("error", (error) => done(error));
    socket.on("close", () => done());
    socket.write(request);
  });
}

const HOST = "Host: 127.0.0.1\r\n";

/** Each request, and the status it must get. The same on every runtime's node:http. */
const HOSTILE: ReadonlyArray<readonly [string, string | Uint8Array, number]> = [
  ["GET // (the request that ended the process)", `GET // HTTP/1.1\r\n${HOST}\r\n`, 404],
  ["GET http:// (an absolute URL with no host)", `GET http:// HTTP/1.1\r\n${HOST}\r\n`, 404],
  ["an absolute URL to the metrics", `GET http://x/metrics HTTP/1.1\r\n${HOST}\r\n`, 200],
  ["an absolute URL elsewhere", `GET http://x/other HTTP/1.1\r\n${HOST}\r\n`, 404],
  ["a method the parser does not know", `BREW /metrics HTTP/1.1\r\n${HOST}\r\n`, 400],
  ["DELETE", `DELETE /metrics HTTP/1.1\r\n${HOST}\r\n`, 405],
  ["OPTIONS *", `OPTIONS * HTTP/1.1\r\n${HOST}\r\n`, 400],
  ["a bad percent-escape", `GET /%zz HTTP/1.1\r\n${HOST}\r\n`, 400],
  ["a lone percent sign", `GET /% HTTP/1.1\r\n${HOST}\r\n`, 400],
  ["a 3 KB path", `GET /${"a".repeat(3000)} HTTP/1.1\r\n${HOST}\r\n`, 414],
  ["a 70 KB path", `GET /${"a".repeat(70_000)} HTTP/1.1\r\n${HOST}\r\n`, 431],
  ["garbage bytes", new Uint8Array([0, 1, 2, 0xff, 0xfe, 13, 10, 13, 10]), 400],
  ["a request line without a target", "GET\r\n\r\n", 400],
  ["a POST with a body", `POST /metrics HTTP/1.1\r\n${HOST}Content-Length: 5\r\n\r\nhello`, 405],
  ["a GET with a body", `GET /metrics HTTP/1.1\r\n${HOST}Content-Length: 5\r\n\r\nhello`, 200],
  ["HEAD", `HEAD /metrics HTTP/1.1\r\n${HOST}\r\n`, 200],
];

async function echoes(port: number, payload: string): Promise<void> {
  const conn: Connection = await connect({ port, logger: silentLogger });
  try {
    await conn.send(text(payload));
    assert.equal(decoder.decode((await take(conn, 1))[0]), payload);
  } finally {
    conn.close();
  }
}

test("serveMetrics answers every hostile request with its status; the server still echoes and /metrics is 200", async () => {
  const logger = recordingLogger();
  await using server = await serve({ port: 0, logger: silentLogger }, echoHandler);
  await using metrics = await serveMetrics(server, { logger });
  const expected: Record<string, number> = {};
  for (const [name, request, status] of HOSTILE) {
    const head = await exchange(metrics.addr.port, request);
    assert.equal(head.status, status, name);
    if (status >= 400 && status !== 431 && head.headers.has("content-type")) {
      assert.equal(head.headers.get("content-type"), "text/plain; charset=utf-8", name);
    }
    if (name.includes("with a body")) assert.equal(head.headers.get("connection"), "close", name);
    if (status === 405) assert.equal(head.headers.get("allow"), "GET, HEAD", name);
    expected[status] = (expected[status] ?? 0) + 1;
    await echoes(server.addr.port, `after ${name}`);
  }
  const scrape = await fetch(metrics.url);
  assert.equal(scrape.status, 200);
  assert.match(await scrape.text(), /^spawnkit_connections_accepted_total \d+$/m);
  expected[200] = (expected[200] ?? 0) + 1;
  assert.deepEqual(metrics.stats.answered, expected, "every request was answered by the endpoint, and counted");
  assert.equal(metrics.stats.errors, 0);
  // The parser's refusals: the unknown method, the 70 KB path, the garbage and the line without a target
  // (Deno's parser may report the rest of the 70 KB line once more, after the answer.)
  assert.ok(metrics.stats.clientErrors >= 4, `clientErrors ${metrics.stats.clientErrors}`);
  assert.deepEqual(logger.records.filter((r) => r.level !== "debug"), [], "a peer's bad request is not an error");
});

test("serveMetrics: a source that throws, or rejects, is a 500 a few lines a second, never a crash", async () => {
  const logger = recordingLogger();
  let calls = 0;
  const source = (): Promise<ServerStats> => {
    calls++;
    if (calls % 2 === 0) return Promise.reject(new TypeError("figures\x1b[2J gone"));
    throw new RangeError("figures unreadable");
  };
  await using metrics = await serveMetrics(source, { logger });
  for (let i = 0; i < 40; i++) {
    const head = await exchange(metrics.addr.port, `GET /metrics HTTP/1.1\r\n${HOST}\r\n`);
    assert.equal(head.status, 500);
  }
  assert.equal(calls, 40);
  assert.equal(metrics.stats.errors, 40);
  assert.equal(metrics.stats.answered["500"], 40);
  const lines = logger.records.filter((r) => r.level === "error");
  assert.ok(lines.length >= 1 && lines.length <= 5 * 2, `at most a burst per window: ${lines.length} lines`);
  const messages = lines.map((r) => String((r.properties?.error as Error | undefined)?.message));
  assert.ok(messages.every((m) => !m.includes("\x1b")), `escaped: ${JSON.stringify(messages)}`);
  assert.ok(messages.some((m) => m === "figures\\u001b[2J gone"), `escaped as \\u001b: ${JSON.stringify(messages)}`);
});

test("echo_server --metrics-port survives GET // and the other hostile requests, on its game port too", async () => {
  const child = await startChild("examples/echo_server.ts", ["--port", "0", "--metrics-port", "0"]);
  let running = true;
  try {
    const match = /^metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics$/m.exec(child.output());
    assert.ok(match !== null, child.output());
    const port = Number(match[1]);
    for (const [name, request, status] of HOSTILE) {
      const head = await exchange(port, request);
      assert.equal(head.status, status, `${name}\n${child.output()}`);
    }
    await echoes(child.port, "still echoing");
    const scrape = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(scrape.status, 200);
    assert.match(await scrape.text(), /^spawnkit_connections_accepted_total 1$/m);
    child.kill("SIGTERM");
    assert.equal(await child.exited, 0, child.output());
    running = false;
    assert.doesNotMatch(child.output(), /Unhandled|uncaught|TypeError: Invalid URL/i);
  } finally {
    if (running) child.kill("SIGKILL");
  }
});
