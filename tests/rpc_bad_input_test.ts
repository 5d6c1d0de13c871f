/**
 * Hostile and broken input over a real socket: each is answered per the
 * specification or dropped and counted, and the server and the connection
 * go on serving.
 */
import assert from "node:assert/strict";
import { RpcError } from "../src/edges/rpc/rpc.ts";
import { test } from "./_harness.ts";
import { rawPeer, rpcServer } from "./_rpc_fixtures.ts";

const routes = {
  echo: (params: unknown) => params,
  big: ([size]: [number]) => "x".repeat(size),
  bigint: () => 1n,
  cycle: () => {
    const value: Record<string, unknown> = {};
    value.self = value;
    return value;
  },
  badData: () => {
    throw new RpcError(4000, "with data nobody can encode", { data: 2n });
  },
  keys: (params: Record<string, unknown>) => Object.keys(params),
};

const ping = { jsonrpc: "2.0", method: "echo", params: ["still here"], id: "ping" };
const pong = { jsonrpc: "2.0", id: "ping", result: ["still here"] };

test("rpcHandler answers nesting past maxDepth with -32700 before parsing it, and goes on", async () => {
  const { server, rpc } = await rpcServer(routes, { maxDepth: 32 });
  const peer = await rawPeer(server);
  const tooDeep = {
    jsonrpc: "2.0",
    id: null,
    error: { code: -32700, message: "Parse error", data: "Cannot decode JSON: nested deeper than 32" },
  };
  // 200 000 brackets: JSON.parse would recurse; unbalanced, never closed.
  assert.deepEqual(await peer.ask("[".repeat(200_000)), tooDeep);
  const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
  const call = (params: string) => `{"jsonrpc": "2.0", "method": "echo", "params": ${params}, "id": 1}`;
  assert.deepEqual(await peer.ask(call(nested(10_000))), tooDeep);
  // The message is depth 1, so params may nest 31 deep.
  assert.deepEqual(await peer.ask(call(nested(31))), { jsonrpc: "2.0", id: 1, result: JSON.parse(nested(31)) });
  assert.deepEqual(await peer.ask(call(nested(32))), tooDeep);
  // Brackets inside strings are text, not nesting; an escaped quote does not end the string.
  const text = `\\"${"[{".repeat(5000)}`;
  assert.deepEqual(await peer.ask(call(`["${text}"]`)), { jsonrpc: "2.0", id: 1, result: [JSON.parse(`"${text}"`)] });
  assert.deepEqual(await peer.ask(ping), pong);
  assert.equal(rpc.stats.errors["-32700"], 3);
  peer.close();
  await server.shutdown();
});

test("rpcHandler answers a huge batch with one -32600 error, reading no element of it", async () => {
  const { server, rpc } = await rpcServer(routes);
  const peer = await rawPeer(server);
  assert.deepEqual(await peer.ask(`[${Array(100_000).fill("1").join(",")}]`), {
    jsonrpc: "2.0",
    id: null,
    error: { code: -32600, message: "Invalid Request", data: "batch of 100000 requests over maxBatchSize 100" },
  });
  assert.equal(rpc.stats.notifications, 0);
  assert.deepEqual(await peer.ask(ping), pong);
  peer.close();
  await server.shutdown();
});

test("rpcHandler answers an id of a wrong type with -32600 and id null, and echoes every valid id", async () => {
  const { server, rpc } = await rpcServer(routes);
  const peer = await rawPeer(server);
  const invalid = {
    jsonrpc: "2.0",
    id: null,
    error: { code: -32600, message: "Invalid Request", data: "id is not a string, a number or null" },
  };
  for (const id of ["{}", "[1]", "true", "false"]) {
    assert.deepEqual(await peer.ask(`{"jsonrpc":"2.0","method":"echo","id":${id}}`), invalid, `id ${id}`);
  }
  // The specification allows these, if it advises against null and fractions.
  for (const id of [1.5, -7, 0, "", "ünïcode", null, 1e300]) {
    assert.deepEqual(await peer.ask({ jsonrpc: "2.0", method: "echo", params: [id], id }), {
      jsonrpc: "2.0",
      id,
      result: [id],
    }, `id ${id}`);
  }
  assert.equal(rpc.stats.errors["-32600"], 4);
  assert.equal(rpc.stats.requests, 7, "an id of null is a request, not a notification");
  peer.close();
  await server.shutdown();
});

test("rpcHandler answers params of a wrong type with -32600, echoing the id", async () => {
  const { server, rpc } = await rpcServer(routes);
  const peer = await rawPeer(server);
  for (const params of ['"text"', "1", "true", "null"]) {
    assert.deepEqual(await peer.ask(`{"jsonrpc":"2.0","method":"echo","params":${params},"id":3}`), {
      jsonrpc: "2.0",
      id: 3,
      error: { code: -32600, message: "Invalid Request", data: "params is not an array or an object" },
    }, `params ${params}`);
  }
  // Without an id it is still no valid notification: the specification answers invalid requests.
  assert.equal(((await peer.ask('{"jsonrpc":"2.0","method":"echo","params":5}')) as { id: unknown }).id, null);
  assert.equal(rpc.stats.requests + rpc.stats.notifications, 0, "no method ran");
  assert.deepEqual(await peer.ask(ping), pong);
  peer.close();
  await server.shutdown();
});

test("rpcHandler keeps a __proto__ key as data, never as a prototype", async () => {
  const { server } = await rpcServer(routes);
  const peer = await rawPeer(server);
  const answer = await peer.ask('{"jsonrpc":"2.0","method":"keys","params":{"__proto__":{"polluted":1},"a":2},"id":1}');
  assert.deepEqual(answer, { jsonrpc: "2.0", id: 1, result: ["__proto__", "a"] });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  peer.close();
  await server.shutdown();
});

test("rpcHandler answers -32603 for a result it cannot encode or send, and logs why", async () => {
  const { server, rpc, logger } = await rpcServer(routes, { maxFrameSize: 1024 });
  const peer = await rawPeer(server);
  const internal = (id: number, data?: string) => ({
    jsonrpc: "2.0",
    id,
    error: data === undefined
      ? { code: -32603, message: "Internal error" }
      : { code: -32603, message: "Internal error", data },
  });
  assert.deepEqual(await peer.ask({ jsonrpc: "2.0", method: "bigint", id: 1 }), internal(1));
  assert.deepEqual(await peer.ask({ jsonrpc: "2.0", method: "cycle", id: 2 }), internal(2));
  const big = (await peer.ask({ jsonrpc: "2.0", method: "big", params: [2000], id: 3 })) as { error: { data: string } };
  assert.match(big.error.data, /^answer of \d+ bytes over the frame limit of 1024 bytes$/);
  assert.deepEqual(await peer.ask({ jsonrpc: "2.0", method: "badData", id: 4 }), {
    jsonrpc: "2.0",
    id: 4,
    error: { code: 4000, message: "with data nobody can encode" },
  });
  assert.deepEqual(await peer.ask({ jsonrpc: "2.0", method: "big", params: [10], id: 5 }), {
    jsonrpc: "2.0",
    id: 5,
    result: "x".repeat(10),
  });
  assert.equal(rpc.stats.errors["-32603"], 3);
  assert.equal(logger.records.filter((r) => r.level === "error").length, 3, "bigint, cycle, bad data");
  assert.equal(logger.records.filter((r) => r.level === "warn").length, 1, "the answer over the limit");
  peer.close();
  await server.shutdown();
});

test("rpcHandler answers a response object sent to it with -32600: the server takes requests only", async () => {
  const { server, rpc } = await rpcServer(routes);
  const peer = await rawPeer(server);
  assert.deepEqual(await peer.ask({ jsonrpc: "2.0", result: 1, id: 77 }), {
    jsonrpc: "2.0",
    id: 77,
    error: { code: -32600, message: "Invalid Request", data: "method is not a string" },
  });
  assert.equal(rpc.stats.requests, 0);
  assert.equal(server.stats.closedByReason["handler-error"], undefined);
  peer.close();
  await server.shutdown();
});
