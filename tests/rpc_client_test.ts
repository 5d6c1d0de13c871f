/**
 * The client over real sockets: results and typed errors, timeouts and
 * signals, the end of the connection, and whatever a broken or hostile
 * server sends (dropped and counted, never thrown).
 */
import assert from "node:assert/strict";
import { connect, type Connection, ConnectionClosedError } from "../mod.ts";
import { jsonCodec, rpcClient, RpcError, RpcTimeoutError } from "../src/edges/rpc/rpc.ts";
import { test } from "./_harness.ts";
import { recordingLogger, startServer, text, until } from "./_fixtures.ts";
import { gate, rpcServer } from "./_rpc_fixtures.ts";

const encode = (value: unknown) => jsonCodec.encode(value);

/** A server that answers every frame with what `reply` returns for the decoded request (frames as they are). */
function scripted(reply: (request: { id?: unknown; method?: string }) => Array<unknown>) {
  return startServer(async (conn: Connection) => {
    for await (const frame of conn) {
      const request = JSON.parse(new TextDecoder().decode(frame));
      for (const answer of reply(request)) await conn.send(typeof answer === "string" ? text(answer) : encode(answer));
    }
  });
}

test("rpcClient resolves a call with its result and rejects an error answer with RpcError and its data", async () => {
  const { server } = await rpcServer({
    add: ([a, b]: [number, number]) => a + b,
    refuse: () => {
      throw new RpcError(-32001, "quota", { data: { left: 0 } });
    },
  });
  const client = rpcClient(await connect({ port: server.addr.port }));
  assert.equal(await client.call("add", [2, 3]), 5);
  const error = await client.call("refuse").catch((e) => e);
  assert.ok(error instanceof RpcError);
  assert.equal(error.code, -32001);
  assert.equal(error.message, "quota");
  assert.deepEqual(error.data, { left: 0 });
  assert.deepEqual(client.stats.errors, { "-32001": 1 });
  assert.equal(client.stats.calls, 2);
  client.close();
  await server.shutdown();
});

test("rpcClient rejects a call with RpcTimeoutError at its timeout, and drops the late answer", async () => {
  const late = gate();
  const { server } = await rpcServer({
    slow: async () => {
      await late.promise;
      return "too late";
    },
  });
  const client = rpcClient(await connect({ port: server.addr.port }));
  const error = await client.call("slow", [], { timeout: 0.05 }).catch((e) => e);
  assert.ok(error instanceof RpcTimeoutError);
  assert.equal(error.method, "slow");
  assert.equal(error.timeout, 0.05);
  assert.equal(client.stats.pending, 0);
  late.open();
  await until(() => client.stats.dropped === 1, "the late answer dropped");
  assert.equal(client.stats.timeouts, 1);
  client.close();
  await server.shutdown();
});

test("rpcClient rejects a call with its signal's reason, and sends nothing for an aborted signal", async () => {
  const { server, rpc } = await rpcServer({ wait: () => new Promise(() => {}), ping: () => "pong" });
  const client = rpcClient(await connect({ port: server.addr.port }));
  const controller = new AbortController();
  const waiting = client.call("wait", [], { signal: controller.signal });
  await until(() => rpc.stats.requests === 1, "the call reached the server");
  controller.abort(new Error("user left"));
  await assert.rejects(waiting, { message: "user left" });
  await assert.rejects(client.call("ping", [], { signal: AbortSignal.abort(new Error("before")) }), {
    message: "before",
  });
  assert.equal(await client.call("ping"), "pong");
  assert.equal(rpc.stats.requests, 2, "the pre-aborted call was never sent");
  assert.equal(client.stats.pending, 0);
  client.close();
  await server.shutdown({ timeout: 0.1 });
});

test("rpcClient rejects pending calls with ConnectionClosedError when the connection ends", async () => {
  const { server } = await rpcServer({
    wait: (_p, { signal }) => new Promise((_, reject) => signal.addEventListener("abort", reject)),
  });
  const client = rpcClient(await connect({ port: server.addr.port }));
  const pending = [client.call("wait"), client.call("wait")];
  await until(() => server.size === 1, "connected");
  await server.shutdown({ quietPeriod: 0 });
  for (const call of pending) await assert.rejects(call, ConnectionClosedError);
  await client.finished;
  await assert.rejects(client.call("wait"), ConnectionClosedError);
});

test("rpcClient drops and counts answers to nothing and frames that are no message, and goes on", async () => {
  const { server } = await scripted((request) => [
    { jsonrpc: "2.0", id: 999_999, result: "to nobody" },
    { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } },
    "not json at all",
    { jsonrpc: "2.0", id: request.id, result: 1, error: { code: 1, message: "both" } },
    { jsonrpc: "1.0", id: request.id, result: "old" },
    { jsonrpc: "2.0", id: request.id, error: { code: "x", message: 1 } },
    "[".repeat(10_000),
    [{ jsonrpc: "2.0", id: "not ours", result: 0 }],
    { jsonrpc: "2.0", id: request.id, result: "the real answer" },
  ]);
  const client = rpcClient(await connect({ port: server.addr.port }));
  assert.equal(await client.call("anything"), "the real answer");
  assert.equal(client.stats.dropped, 8);
  client.close();
  await server.shutdown();
});

test("rpcClient answers a call from the server with -32601: a client serves no methods", async () => {
  const answers: unknown[] = [];
  const { server } = await startServer(async (conn: Connection) => {
    await conn.send(encode({ jsonrpc: "2.0", method: "clientMethod", id: "s1" }));
    for await (const frame of conn) answers.push(JSON.parse(new TextDecoder().decode(frame)));
  });
  const client = rpcClient(await connect({ port: server.addr.port }));
  await until(() => answers.length === 1, "the client's answer");
  assert.deepEqual(answers[0], { jsonrpc: "2.0", id: "s1", error: { code: -32601, message: "Method not found" } });
  client.close();
  await server.shutdown();
});

test("rpcClient hands the server's notifications over in order, and logs a handler that throws", async () => {
  const { server, rpc } = await rpcServer({
    pushMe: async (params: number[], context) => {
      for (const n of params) await context.notify("n", [n]);
      return "pushed";
    },
  });
  const logger = recordingLogger();
  const seen: number[] = [];
  const client = rpcClient(await connect({ port: server.addr.port }), {
    logger,
    onNotification: (_method, params) => {
      if ((params as number[])[0] === 2) throw new Error("handler bug");
      seen.push((params as number[])[0]!);
    },
  });
  assert.equal(await client.call("pushMe", [1, 2, 3]), "pushed");
  assert.deepEqual(seen, [1, 3]);
  assert.equal(logger.records.filter((r) => r.level === "error").length, 1);
  client.onNotification = undefined;
  assert.equal(await client.call("pushMe", [4]), "pushed");
  assert.equal(client.stats.notificationsReceived, 4);
  assert.equal(rpc.stats.requests, 2);
  client.close();
  await server.shutdown();
});

test("rpcClient refuses bad arguments with a typed error before sending", async () => {
  const { server, rpc } = await rpcServer({});
  const client = rpcClient(await connect({ port: server.addr.port }));
  await assert.rejects(client.call(1 as unknown as string), TypeError);
  await assert.rejects(client.call("m", "text" as unknown as []), TypeError);
  await assert.rejects(client.call("m", [], { timeout: 0 }), RangeError);
  await assert.rejects(client.call("m", [], { timeout: NaN }), RangeError);
  await assert.rejects(client.call("m", [1n]), TypeError, "a BigInt cannot be JSON");
  await assert.rejects(client.notify("m", 5 as unknown as []), TypeError);
  assert.throws(() => rpcClient(client.conn, { timeout: -1 }), RangeError);
  assert.equal(client.stats.calls, 0);
  assert.equal(rpc.stats.requests, 0);
  client.close();
  await server.shutdown();
});
