/**
 * Batches over a real socket, as the specification's examples have them:
 * answers in one array, none for notifications, one error for an empty,
 * unparsable or oversized batch.
 */
import assert from "node:assert/strict";
import { test } from "./_harness.ts";
import { until } from "./_fixtures.ts";
import { gate, rawPeer, rpcServer } from "./_rpc_fixtures.ts";

const hellos: unknown[] = [];
const routes = {
  sum: (params: number[]) => params.reduce((a, b) => a + b, 0),
  subtract: ([a, b]: [number, number]) => a - b,
  notify_hello: (params: unknown) => void hellos.push(params),
  get_data: () => ["hello", 5],
  ping: () => "pong",
};

/** Answers sorted by id, for comparing a batch's answers, which may come in any order. */
const byId = (answers: unknown) =>
  (answers as { id: unknown }[]).toSorted((a, b) => JSON.stringify(a.id).localeCompare(JSON.stringify(b.id)));

test("rpcHandler answers the specification's mixed batch in one array", async () => {
  const { server, rpc } = await rpcServer(routes);
  const peer = await rawPeer(server);
  const answers = await peer.ask(
    `[
      {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
      {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
      {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
      {"foo": "boo"},
      {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
      {"jsonrpc": "2.0", "method": "get_data", "id": "9"}
    ]`,
  );
  assert.ok(Array.isArray(answers));
  assert.deepEqual(
    byId(answers),
    byId([
      { jsonrpc: "2.0", result: 7, id: "1" },
      { jsonrpc: "2.0", result: 19, id: "2" },
      { jsonrpc: "2.0", error: { code: -32600, message: "Invalid Request", data: 'jsonrpc is not "2.0"' }, id: null },
      { jsonrpc: "2.0", error: { code: -32601, message: "Method not found" }, id: "5" },
      { jsonrpc: "2.0", result: ["hello", 5], id: "9" },
    ]),
  );
  assert.equal(rpc.stats.batches, 1);
  assert.equal(rpc.stats.notifications, 1);
  peer.close();
  await server.shutdown();
});

test("rpcHandler answers an empty batch with one -32600 error, not an array", async () => {
  const { server } = await rpcServer(routes);
  const peer = await rawPeer(server);
  assert.deepEqual(await peer.ask("[]"), {
    jsonrpc: "2.0",
    id: null,
    error: { code: -32600, message: "Invalid Request", data: "empty batch" },
  });
  peer.close();
  await server.shutdown();
});

test("rpcHandler answers a batch of non-requests with an error for each, in an array", async () => {
  const { server } = await rpcServer(routes);
  const peer = await rawPeer(server);
  const invalid = {
    jsonrpc: "2.0",
    id: null,
    error: { code: -32600, message: "Invalid Request", data: "not an object" },
  };
  assert.deepEqual(await peer.ask("[1]"), [invalid]);
  assert.deepEqual(await peer.ask("[1,2,3]"), [invalid, invalid, invalid]);
  // A batch inside a batch is not a Request object.
  assert.deepEqual(await peer.ask('[[{"jsonrpc": "2.0", "method": "ping", "id": 1}]]'), [invalid]);
  peer.close();
  await server.shutdown();
});

test("rpcHandler sends no frame at all for a batch of notifications", async () => {
  hellos.length = 0;
  const { server, rpc } = await rpcServer(routes);
  const peer = await rawPeer(server);
  await peer.send([
    { jsonrpc: "2.0", method: "notify_hello", params: [1, 2, 4] },
    { jsonrpc: "2.0", method: "notify_hello", params: [7] },
    { jsonrpc: "2.0", method: "no_such_method" },
  ]);
  await until(() => hellos.length === 2 && rpc.stats.inFlight === 0, "the notifications ran");
  // The first frame back is this call's answer: the batch got none.
  assert.deepEqual(await peer.ask({ jsonrpc: "2.0", method: "ping", id: 1 }), {
    jsonrpc: "2.0",
    id: 1,
    result: "pong",
  });
  assert.equal(rpc.stats.dropped, 1, "the unknown method of a notification is counted");
  peer.close();
  await server.shutdown();
});

test("rpcHandler answers an unparsable batch with one -32700 error", async () => {
  const { server } = await rpcServer(routes);
  const peer = await rawPeer(server);
  assert.deepEqual(
    await peer.ask('[{"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"}, {"jsonrpc": "2.0", "method"]'),
    { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } },
  );
  peer.close();
  await server.shutdown();
});

test("rpcHandler refuses a batch over maxBatchSize with one -32600 error and runs none of it", async () => {
  const { server, rpc } = await rpcServer(routes, { maxBatchSize: 10 });
  const peer = await rawPeer(server);
  const call = (id: number) => ({ jsonrpc: "2.0", method: "ping", id });
  assert.equal((await peer.ask(Array.from({ length: 10 }, (_, i) => call(i))) as unknown[]).length, 10);
  assert.deepEqual(await peer.ask(Array.from({ length: 11 }, (_, i) => call(i))), {
    jsonrpc: "2.0",
    id: null,
    error: { code: -32600, message: "Invalid Request", data: "batch of 11 requests over maxBatchSize 10" },
  });
  assert.equal(rpc.stats.requests, 10);
  peer.close();
  await server.shutdown();
});

test("rpcHandler runs a batch's methods concurrently within the connection's bound", async () => {
  let running = 0;
  let peak = 0;
  const release = gate();
  const { server } = await rpcServer({
    hold: async (_params, context) => {
      peak = Math.max(peak, ++running);
      await release.promise;
      running--;
      return context.id;
    },
  }, { maxConcurrency: 3 });
  const peer = await rawPeer(server);
  const answers = peer.ask(Array.from({ length: 8 }, (_, id) => ({ jsonrpc: "2.0", method: "hold", id })));
  await until(() => running === 3, "3 of the batch running");
  release.open();
  assert.deepEqual(
    byId(await answers),
    byId(Array.from({ length: 8 }, (_, id) => ({ jsonrpc: "2.0", id, result: id }))),
  );
  assert.equal(peak, 3);
  peer.close();
  await server.shutdown();
});
