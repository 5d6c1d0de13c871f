/**
 * The server side over real sockets: concurrent methods per connection and
 * their bound, answers in completion order, notifications both ways, pushes
 * to one connection and to all, the context a method gets.
 */
import assert from "node:assert/strict";
import { connect, encodeFrame, FrameDecoder } from "../mod.ts";
import { jsonCodec, rpcClient, type RpcContext, rpcHandler } from "../src/edges/rpc/rpc.ts";
import { test } from "./_harness.ts";
import { halfCloseExchange, until } from "./_fixtures.ts";
import { gate, rawPeer, rpcServer } from "./_rpc_fixtures.ts";

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

test("rpcHandler answers 200 concurrent calls on one connection, each with its own result", async () => {
  const { server, rpc } = await rpcServer({
    // Finishes after a few turns of the event loop that depend on n, so answers come out of order.
    square: async ([n]: [number]) => {
      for (let i = 0; i < (n * 7) % 5; i++) await tick();
      return n * n;
    },
  });
  const client = rpcClient(await connect({ port: server.addr.port }));
  const results = await Promise.all(Array.from({ length: 200 }, (_, n) => client.call("square", [n])));
  assert.deepEqual(results, Array.from({ length: 200 }, (_, n) => n * n));
  assert.equal(rpc.stats.requests, 200);
  assert.equal(client.stats.pending, 0);
  assert.ok(rpc.stats.peakInFlight > 1, "methods ran concurrently");
  assert.ok(rpc.stats.peakInFlight <= 32, "within the default bound");
  client.close();
  await server.shutdown();
});

test("rpcHandler runs at most maxConcurrency methods at once per connection, one more as each finishes", async () => {
  let running = 0;
  let peak = 0;
  const gates: Array<() => void> = [];
  const { server, rpc } = await rpcServer({
    hold: async (_params, context: RpcContext) => {
      running++;
      peak = Math.max(peak, running);
      const { promise, open } = gate();
      gates.push(open);
      await promise;
      running--;
      return context.id;
    },
  }, { maxConcurrency: 4 });
  const client = rpcClient(await connect({ port: server.addr.port }));
  const calls = Array.from({ length: 40 }, () => client.call("hold"));
  await until(() => running === 4, "4 methods running");
  // Frames keep arriving while the loop waits for a slot, yet no fifth method starts.
  for (let i = 0; i < 20; i++) await tick();
  assert.equal(running, 4);
  assert.equal(rpc.stats.requests, 4, "only 4 requests taken");
  // Free one slot at a time: each lets exactly one more in.
  for (let released = 0; released < 40; released++) {
    gates.shift()!();
    await until(() => gates.length === Math.min(4, 40 - released - 1), `slot ${released} refilled`);
    assert.ok(running <= 4);
  }
  const ids = await Promise.all(calls);
  assert.equal(new Set(ids).size, 40);
  assert.equal(peak, 4);
  assert.equal(rpc.stats.peakInFlight, 4);
  assert.equal(rpc.stats.inFlight, 0);
  client.close();
  await server.shutdown();
});

test("rpcHandler stops reading a connection whose methods fill the bound, and reads on once one finishes", async () => {
  const held = gate();
  const { server } = await rpcServer({
    hold: () => held.promise,
    take: () => "taken",
  }, { maxConcurrency: 1 });
  const client = rpcClient(await connect({ port: server.addr.port }));
  const first = client.call("hold");
  await until(() => server.size === 1, "the connection registered");
  const conn = server.connections().next().value!;
  // Half a MiB of calls behind the held one: the kernel's buffers take them, the server reads few of them.
  const filler = "x".repeat(1024);
  const rest = Array.from({ length: 512 }, () => client.call("take", [filler]));
  await until(() => client.conn.stats.bytesOut > 512 * 1024, "the calls handed to the kernel");
  await new Promise((resolve) => setTimeout(resolve, 50));
  const sent = client.conn.stats.bytesOut;
  assert.ok(conn.stats.bytesIn < 256 * 1024, `read ${conn.stats.bytesIn} of ${sent} bytes while the bound was full`);
  held.open();
  await first;
  assert.deepEqual(new Set(await Promise.all(rest)), new Set(["taken"]));
  assert.equal(conn.stats.bytesIn, sent);
  client.close();
  await server.shutdown();
});

test("rpcHandler answers in completion order, not request order", async () => {
  const slow = gate();
  const { server } = await rpcServer({
    slow: async () => {
      await slow.promise;
      return "slow";
    },
    fast: () => "fast",
  });
  const peer = await rawPeer(server);
  await peer.send({ jsonrpc: "2.0", method: "slow", id: 1 });
  await peer.send({ jsonrpc: "2.0", method: "fast", id: 2 });
  assert.deepEqual(await peer.next(), { jsonrpc: "2.0", id: 2, result: "fast" });
  slow.open();
  assert.deepEqual(await peer.next(), { jsonrpc: "2.0", id: 1, result: "slow" });
  peer.close();
  await server.shutdown();
});

test("rpcHandler runs a client's notifications and never answers them, even when they fail", async () => {
  const seen: unknown[] = [];
  const { server, rpc } = await rpcServer({
    log: (params) => void seen.push(params),
    crash: () => {
      throw new Error("no answer for a notification");
    },
    count: () => seen.length,
  });
  const client = rpcClient(await connect({ port: server.addr.port }));
  await client.notify("log", ["one"]);
  await client.notify("crash");
  await client.notify("missing");
  await client.notify("log", { two: 2 });
  // The answer to this call is the first frame back: the notifications got none.
  assert.equal(await client.call("count"), 2);
  assert.deepEqual(seen, [["one"], { two: 2 }]);
  assert.equal(rpc.stats.notifications, 3);
  assert.deepEqual(rpc.stats.errors, { "-32603": 1, "-32601": 1 });
  assert.equal(rpc.stats.dropped, 2);
  assert.equal(client.stats.dropped, 0, "no stray answer reached the client");
  client.close();
  await server.shutdown();
});

test("rpcHandler pushes notifications to one connection and broadcasts one to all", async () => {
  const { server, rpc } = await rpcServer({
    subscribe: (_params, context) => {
      void context.notify("welcome");
      return context.conn.id;
    },
  });
  const pushes: Array<Array<[string, unknown]>> = [[], [], []];
  const clients = await Promise.all(pushes.map(async (list) =>
    rpcClient(await connect({ port: server.addr.port }), {
      onNotification: (method, params) => list.push([method, params]),
    })
  ));
  const ids: number[] = [];
  for (const client of clients) ids.push(await client.call<number>("subscribe"));
  assert.equal(rpc.broadcast(server, "tick", { n: 1 }), 3);
  assert.equal(rpc.broadcast(server, "odd", [], (conn) => conn.id === ids[1]), 1);
  assert.equal(await rpc.notify(server.get(ids[0]!)!, "direct", ["only you"]), true);
  const expected = [
    [["welcome", undefined], ["tick", { n: 1 }], ["direct", ["only you"]]],
    [["welcome", undefined], ["tick", { n: 1 }], ["odd", []]],
    [["welcome", undefined], ["tick", { n: 1 }]],
  ];
  await until(() => pushes.every((list, i) => list.length === expected[i]!.length), "every client has its pushes");
  assert.deepEqual(pushes, expected);
  assert.deepEqual(clients.map((c) => c.stats.notificationsReceived), [3, 3, 2]);
  assert.throws(() => rpc.broadcast(server, "tick", "text" as unknown as []), TypeError);
  assert.throws(() => rpc.broadcast(server, 7 as unknown as string), TypeError);
  const gone = server.get(ids[2]!)!;
  for (const client of clients) client.close();
  await until(() => server.size === 0, "every connection gone");
  const dropped = rpc.stats.dropped;
  assert.equal(await rpc.notify(gone, "late"), false, "a push to a connection that is gone");
  assert.equal(rpc.stats.dropped, dropped + 1);
  await server.shutdown();
});

test("rpcHandler gives a method its connection, server, id and a signal that aborts when the connection ends", async () => {
  const started = gate();
  let context: RpcContext | undefined;
  let reason: unknown;
  const { server } = await rpcServer({
    wait: (_params, ctx) => {
      context = ctx;
      started.open();
      return new Promise((_, reject) =>
        ctx.signal.addEventListener("abort", () => {
          reason = ctx.signal.reason;
          reject(ctx.signal.reason);
        })
      );
    },
  });
  const peer = await rawPeer(server);
  await peer.send({ jsonrpc: "2.0", method: "wait", id: "w" });
  await started.promise;
  assert.equal(context!.id, "w");
  assert.equal(context!.method, "wait");
  assert.equal(context!.server, server);
  assert.equal(context!.conn, server.get(context!.conn.id));
  assert.equal(context!.signal.aborted, false);
  peer.close();
  await until(() => reason !== undefined, "the method's signal aborted");
  assert.equal((reason as Error).name, "ConnectionClosedError");
  await server.shutdown();
});

test("rpcHandler still answers requests that arrived before the peer half-closed", async () => {
  const { server } = await rpcServer({
    later: async () => {
      for (let i = 0; i < 5; i++) await tick();
      return "late but sent";
    },
  });
  const frames = [1, 2].map((id) => encodeFrame(jsonCodec.encode({ jsonrpc: "2.0", method: "later", id })));
  const received = await halfCloseExchange(server.addr.port, frames);
  const decoder = new FrameDecoder();
  const answers: Uint8Array[] = [];
  decoder.decode(received, answers);
  assert.deepEqual(
    answers.map((a) => jsonCodec.decode(a, 8)).sort((a, b) => (a as { id: number }).id - (b as { id: number }).id),
    [
      { jsonrpc: "2.0", id: 1, result: "late but sent" },
      { jsonrpc: "2.0", id: 2, result: "late but sent" },
    ],
  );
  await server.shutdown();
});

test("rpcHandler refuses a route table it cannot serve", () => {
  assert.throws(() => rpcHandler({ "rpc.ping": () => 1 }), TypeError);
  assert.throws(() => rpcHandler({ ping: 1 as unknown as () => void }), TypeError);
  assert.throws(() => rpcHandler({}, { maxConcurrency: 0 }), RangeError);
  assert.throws(() => rpcHandler({}, { maxBatchSize: 1.5 }), RangeError);
  assert.throws(() => rpcHandler({}, { maxDepth: NaN }), {
    name: "RangeError",
    message: "Cannot use maxDepth NaN: must be a positive integer",
  });
});

test("rpcHandler reload() answers a connection opened before it with the new routes, its state kept", async () => {
  const slow = gate();
  const { server, rpc } = await rpcServer({
    login: (params: { name: string }, { state }) => state.name = params.name,
    whoami: (_params, { state }) => `v1 ${state.name}`,
    slow: async () => {
      await slow.promise;
      return "v1 slow";
    },
  });
  const [a, b] = await Promise.all([1, 2].map(async () => rpcClient(await connect({ port: server.addr.port }))));
  await a!.call("login", { name: "ada" });
  await b!.call("login", { name: "bob" });
  assert.equal(await a!.call("whoami"), "v1 ada");
  const running = a!.call("slow"); // started on the old code: finishes on it
  await until(() => rpc.stats.inFlight === 1, "the slow call running");
  rpc.reload({
    whoami: (_params, { state }) => `v2 ${state.name}`,
    slow: () => "v2 slow",
    added: () => "new",
  });
  assert.deepEqual(await Promise.all([a!.call("whoami"), b!.call("whoami")]), ["v2 ada", "v2 bob"]);
  assert.equal(await a!.call("added"), "new");
  await assert.rejects(a!.call("login", { name: "x" }), { code: -32601 }, "a route the new table lacks is gone");
  slow.open();
  assert.equal(await running, "v1 slow");
  assert.equal(await a!.call("slow"), "v2 slow");
  // A table that cannot be served is refused whole; the old one stays.
  assert.throws(() => rpc.reload({ whoami: () => "v3", "rpc.bad": () => 0 }), TypeError);
  assert.throws(() => rpc.reload({ whoami: 7 as unknown as () => string }), TypeError);
  assert.equal(await a!.call("whoami"), "v2 ada");
  a!.close();
  b!.close();
  await server.shutdown();
});

test("rpcHandler notifyRoom() pushes to a room's members only, but the one excepted", async () => {
  const { server, rpc } = await rpcServer({
    join: ([room]: [string], { conn, server }) => server.rooms.join(conn, room),
  });
  const pushes: Array<Array<[string, unknown]>> = [[], [], []];
  const clients = await Promise.all(pushes.map(async (list) =>
    rpcClient(await connect({ port: server.addr.port }), {
      onNotification: (method, params) => list.push([method, params]),
    })
  ));
  await clients[0]!.call("join", ["red"]);
  await clients[1]!.call("join", ["red"]);
  await clients[2]!.call("join", ["blue"]);
  const [first] = server.rooms.members("red");
  assert.equal(rpc.notifyRoom(server, "red", "hi", { to: "red" }), 2);
  assert.equal(rpc.notifyRoom(server, "red", "but", [], first), 1);
  assert.equal(rpc.notifyRoom(server, "blue", "hi", { to: "blue" }), 1);
  await until(() => pushes[2]!.length === 1 && pushes[0]!.length + pushes[1]!.length === 3, "the pushes");
  assert.deepEqual(pushes[2], [["hi", { to: "blue" }]]);
  for (const list of pushes.slice(0, 2)) assert.deepEqual(list[0], ["hi", { to: "red" }]);
  assert.throws(() => rpc.notifyRoom(server, "red", 7 as unknown as string), TypeError);
  for (const client of clients) client.close();
  await server.shutdown();
});
