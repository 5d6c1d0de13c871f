/**
 * Log lines a peer can cause: control characters escaped in one place (the
 * logger boundary), and a bounded number of lines whatever the peer does.
 */
import assert from "node:assert/strict";
import {
  connect,
  type Connection,
  escapeControlCharacters,
  escapeLogValue,
  escapingLogger,
  silentLogger,
} from "../mod.ts";
import { renderMessage } from "../src/core/logger.ts";
import { jsonCodec, rpcClient, rpcHandler } from "../src/edges/rpc/rpc.ts";
import { test } from "./_harness.ts";
import { echoHandler, rawConnect, readToEnd, recordingLogger, startServer, take, text, until } from "./_fixtures.ts";
import { rpcServer } from "./_rpc_fixtures.ts";

// ESC with a screen clear, BEL, DEL, NEL (U+0085), CSI (U+009B), the line and paragraph separators, a bidi override.
const HOSTILE = "\x1b[2J\x07\x7f\u0085\u009b\u2028\u2029\u202e";
const ESCAPED = "\\u001b[2J\\u0007\\u007f\\u0085\\u009b\\u2028\\u2029\\u202e";
// Everything that must not reach a log line as it is.
// deno-lint-ignore no-control-regex
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Every string in a log record, its error's message and stack included. */
function textsOf(record: { message: string; properties?: Record<string, unknown> }): string[] {
  const texts = [record.message];
  for (const value of Object.values(record.properties ?? {})) {
    if (typeof value === "string") texts.push(value);
    if (value instanceof Error) texts.push(value.message, (value.stack ?? "").replaceAll("\n", ""));
  }
  return texts;
}

test("escapeControlCharacters escapes C0, DEL, C1, U+2028/2029 and bidi controls, and leaves the rest", () => {
  assert.equal(escapeControlCharacters(`room ${HOSTILE}`), `room ${ESCAPED}`);
  assert.equal(escapeControlCharacters("a\nb\rc\td\0"), "a\\nb\\rc\\td\\u0000");
  const plain = "lobby: ünïcode, 日本語, emoji 🎮, a backslash \\ and quotes \"'";
  assert.equal(escapeControlCharacters(plain), plain);
  for (let code = 0; code <= 0xffff; code++) {
    const char = String.fromCharCode(code);
    if (code >= 0xd800 && code <= 0xdfff) continue;
    assert.doesNotMatch(escapeControlCharacters(char), UNSAFE, `U+${code.toString(16)}`);
  }
});

test("escapeLogValue copies an error only when it must, keeping its class, fields and cause", () => {
  const clean = new RangeError("fine");
  assert.equal(escapeLogValue(clean), clean, "nothing to escape: the same object");
  const cause = new Error(`inner ${HOSTILE}`);
  const error = Object.assign(new TypeError(`outer ${HOSTILE}`, { cause }), { code: "E_PEER" });
  const escaped = escapeLogValue(error) as TypeError & { code: string };
  assert.ok(escaped instanceof TypeError);
  assert.equal(escaped.name, "TypeError");
  assert.equal(escaped.message, `outer ${ESCAPED}`);
  assert.equal(escaped.code, "E_PEER");
  assert.equal((escaped.cause as Error).message, `inner ${ESCAPED}`);
  assert.ok(escaped.stack!.startsWith(`TypeError: outer ${ESCAPED}\n`), escaped.stack);
  assert.doesNotMatch(escaped.stack!.replaceAll("\n", ""), UNSAFE);
  assert.equal(error.message, `outer ${HOSTILE}`, "the original is untouched");
  assert.deepEqual(escapeLogValue({ nested: { room: HOSTILE }, list: [HOSTILE] }), {
    nested: { room: ESCAPED },
    list: [ESCAPED],
  });
});

test("renderMessage and escapingLogger escape what the console and a custom logger receive", () => {
  assert.equal(renderMessage("joined {room}", { room: HOSTILE }), `joined ${ESCAPED}`);
  assert.equal(renderMessage("{error}", { error: new Error(HOSTILE) }), `Error: ${ESCAPED}`);
  const logger = recordingLogger();
  const safe = escapingLogger(logger);
  assert.equal(escapingLogger(safe), safe, "wrapping twice is the same wrapper");
  assert.equal(escapingLogger(logger), safe);
  assert.equal(escapingLogger(silentLogger), silentLogger);
  safe.info(`template ${HOSTILE} {room}`, { room: HOSTILE, id: 7 });
  assert.deepEqual(logger.records, [
    { level: "info", message: `template ${ESCAPED} {room}`, properties: { room: ESCAPED, id: 7 } },
  ]);
});

test("a room name with ESC and U+2028 reaches the server's log escaped (a handler's error quoting it)", async () => {
  const { server, logger } = await startServer(async (conn, srv) => {
    for await (const frame of conn) {
      srv.rooms.join(conn, new TextDecoder().decode(frame));
      await conn.send(frame);
    }
  }, { maxRoomsPerConnection: 1 });
  try {
    const conn: Connection = await connect({ port: server.addr.port, logger: silentLogger });
    await conn.send(text("lobby"));
    await take(conn, 1);
    // The second room is over the limit: the handler throws a TypeError naming the room, and the server logs it.
    await conn.send(text(`evil${HOSTILE}`));
    assert.equal(await conn.receive(), undefined);
    conn.close();
    await until(() => logger.records.some((r) => r.level === "error"), "the handler's error line");
    const line = logger.records.find((r) => r.level === "error")!;
    const error = line.properties?.error as Error;
    assert.ok(error.message.includes(`evil${ESCAPED}`), error.message);
    for (const record of logger.records) {
      for (const t of textsOf(record)) assert.doesNotMatch(t, UNSAFE, JSON.stringify(record));
    }
  } finally {
    await server.shutdown();
  }
});

test("an RPC method's error quoting a peer's params, and a pushed method name, reach the logs escaped", async () => {
  const { server, rpc, logger } = await rpcServer({
    join: (params) => {
      throw new Error(`no room ${(params as string[])[0]}`);
    },
  });
  const clientLogger = recordingLogger();
  try {
    const client = rpcClient(await connect({ port: server.addr.port, logger: silentLogger }), {
      logger: clientLogger,
      onNotification: (method) => {
        throw new Error(`cannot handle ${method}`);
      },
    });
    await assert.rejects(client.call("join", [`x${HOSTILE}`]), { name: "RpcError", code: -32603 });
    const failed = logger.records.find((r) => r.level === "error")!;
    assert.equal((failed.properties?.error as Error).message, `no room x${ESCAPED}`);
    assert.equal(failed.properties?.method, "join");
    // The server pushes a method name of its choice: the client logs it escaped.
    assert.equal(rpc.broadcast(server, `tick${HOSTILE}`), 1);
    await until(() => clientLogger.records.length > 0, "the client's line");
    const pushed = clientLogger.records[0]!;
    assert.equal(pushed.properties?.method, `tick${ESCAPED}`);
    assert.equal((pushed.properties?.error as Error).message, `cannot handle tick${ESCAPED}`);
    for (const record of [...logger.records, ...clientLogger.records]) {
      for (const t of textsOf(record)) assert.doesNotMatch(t, UNSAFE, JSON.stringify(record));
    }
    client.close();
  } finally {
    await server.shutdown();
  }
});

test("10 000 failing RPC calls write a few lines a second and summaries that count every other one", async () => {
  const logger = recordingLogger();
  const rpc = rpcHandler({ fail: () => Promise.reject(new Error("always")) }, { logger });
  const { server } = await startServer(rpc, { logger: silentLogger });
  const client = rpcClient(await connect({ port: server.addr.port, logger: silentLogger }));
  const failures = () => logger.records.filter((r) => r.message.startsWith("rpc method {method} failed"));
  const summaries = () => logger.records.filter((r) => r.message.includes("more rpc methods failed"));
  try {
    const CALLS = 10_000;
    let calls = 0;
    for (let round = 0; round < CALLS / 500; round++) {
      const batch = Array.from({ length: 500 }, () => client.call("fail").then(() => "ok", (e: Error) => e.message));
      const results = await Promise.all(batch);
      assert.ok(results.every((r) => r === "Internal error"), results[0]);
      calls += 500;
    }
    assert.equal(rpc.stats.errors[-32603], CALLS, "every failure is counted");
    // One more failing call at a time until one is written again: a new window, so the last one's count is out.
    const before = failures().length;
    for (let probes = 0; failures().length === before; probes++) {
      assert.ok(probes < 1000, "no new window in 1000 probes");
      await client.call("fail").catch(() => {});
      calls++;
      if (failures().length === before) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const counted = summaries().reduce((sum, r) => sum + (r.properties?.count as number), 0);
    assert.ok(summaries().length >= 1, "a summary line");
    assert.equal(failures().length + counted, calls, "each failure is a line or in a summary's count");
    assert.ok(failures().length <= 5 * (summaries().length + 1), `${failures().length} lines`);
    assert.ok(logger.records.length < 200, `bounded: ${logger.records.length} lines for ${calls} failures`);
  } finally {
    client.close();
    await server.shutdown();
  }
});

test("an RPC answer that cannot be encoded at all closes its connection, counted and logged, and nothing throws", async () => {
  const logger = recordingLogger();
  // A codec that fails on every answer to the request with id "boom", an error answer included.
  const codec = {
    ...jsonCodec,
    encode: (value: unknown) => {
      if ((value as { id?: unknown }).id === "boom") throw new RangeError("cannot encode this answer");
      return jsonCodec.encode(value);
    },
  };
  const rpc = rpcHandler({ ok: () => 1 }, { logger, codec });
  const { server } = await startServer(rpc, { logger: silentLogger });
  try {
    const peer = await connect({ port: server.addr.port, logger: silentLogger });
    await peer.send(text(JSON.stringify({ jsonrpc: "2.0", id: "boom", method: "ok" })));
    assert.equal(await peer.receive(), undefined, "the connection closes: its answer will never come");
    peer.close();
    await until(() => logger.records.some((r) => r.message.includes("unanswered")), "the line");
    assert.equal(rpc.stats.errors[-32603], 1);
    assert.equal(rpc.stats.dropped, 1, "the answer that could not be made");
    assert.equal(rpc.stats.inFlight, 0, "the slot is free");
    // The server goes on.
    const client = rpcClient(await connect({ port: server.addr.port, logger: silentLogger }));
    assert.equal(await client.call("ok"), 1);
    client.close();
  } finally {
    await server.shutdown();
  }
});

test("a logger that throws does not end the connection or the server it writes about", async () => {
  const throwing = {
    debug() {
      throw new Error("logger down");
    },
    info() {
      throw new Error("logger down");
    },
    warn() {
      throw new Error("logger down");
    },
    error() {
      throw new Error("logger down");
    },
  };
  const { server } = await startServer(async (conn) => {
    for await (const frame of conn) {
      if (frame.length === 0) throw new Error("crash on an empty frame");
      await conn.send(frame);
    }
  }, { logger: throwing });
  try {
    for (let i = 0; i < 3; i++) {
      const conn = await connect({ port: server.addr.port, logger: throwing });
      await conn.send(new Uint8Array(0));
      assert.equal(await conn.receive(), undefined);
      conn.close();
    }
    const conn = await connect({ port: server.addr.port, logger: throwing });
    await conn.send(text("still here"));
    assert.equal(new TextDecoder().decode((await take(conn, 1))[0]), "still here");
    conn.close();
    await until(() => server.stats.closedByReason["handler-error"] === 3, "three handler errors counted");
  } finally {
    await server.shutdown();
  }
});

test("a PROXY header with ESC and U+2028 in its address fields reaches the close log escaped", async () => {
  const { server, logger } = await startServer(echoHandler, { proxyProtocol: { trusted: ["127.0.0.1", "::1"] } });
  try {
    for (const header of [`PROXY TCP4 1.2.3.4\x1b[2J 5.6.7.8 1 2\r\n`, `PROXY TCP6 ::1\u2028\u0085 ::1 1 2\r\n`]) {
      const socket = await rawConnect(server);
      await socket.write(new TextEncoder().encode(header));
      await readToEnd(socket);
      socket.close();
    }
    await until(() => server.stats.closedByReason["bad-proxy-header"] === 2, "both refused");
    await until(() => logger.records.filter((r) => r.properties?.reason === "bad-proxy-header").length === 2, "lines");
    for (const record of logger.records) {
      for (const t of textsOf(record)) assert.doesNotMatch(t, UNSAFE, JSON.stringify(record));
    }
  } finally {
    await server.shutdown();
  }
});
