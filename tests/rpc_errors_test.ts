/**
 * Each JSON-RPC 2.0 error code over a real socket, answered exactly as the
 * specification's examples write them.
 */
import assert from "node:assert/strict";
import { route, RpcError } from "../src/edges/rpc/rpc.ts";
import { test } from "./_harness.ts";
import { rawPeer, rpcServer } from "./_rpc_fixtures.ts";

const isPair = (p: unknown): p is [number, number] =>
  Array.isArray(p) && p.length === 2 && p.every((n) => typeof n === "number");

const routes = {
  subtract: route(isPair, ([a, b]) => a - b),
  strict: route((p: unknown): p is { n: number } => {
    if (typeof (p as { n?: unknown })?.n !== "number") throw new TypeError("n must be a number");
    return true;
  }, ({ n }) => n),
  crash: () => {
    throw new Error("database on fire");
  },
  reject: () => Promise.reject(new Error("async fire")),
  login: () => {
    throw new RpcError(4001, "not logged in", { data: { retry: false } });
  },
  reserved: () => {
    throw new RpcError(-32000, "server busy");
  },
  nothing: () => undefined,
};

test("rpcHandler answers a frame that is not JSON with -32700 and id null", async () => {
  const { server, rpc } = await rpcServer(routes);
  const peer = await rawPeer(server);
  assert.deepEqual(await peer.ask('{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]'), {
    jsonrpc: "2.0",
    id: null,
    error: { code: -32700, message: "Parse error" },
  });
  // Bytes that are not UTF-8, and an empty frame: parse errors too; the connection goes on.
  assert.deepEqual(await peer.ask(Uint8Array.of(0x22, 0xff, 0x22)), await peer.ask(new Uint8Array(0)));
  assert.equal(
    await peer.ask({ jsonrpc: "2.0", method: "subtract", params: [5, 3], id: 1 }).then((r) =>
      (r as { result: number }).result
    ),
    2,
  );
  assert.equal(rpc.stats.errors["-32700"], 3);
  peer.close();
  await server.shutdown();
});

test("rpcHandler answers an invalid Request object with -32600", async () => {
  const { server } = await rpcServer(routes);
  const peer = await rawPeer(server);
  const invalid = (data: string, id: unknown = null) => ({
    jsonrpc: "2.0",
    id,
    error: { code: -32600, message: "Invalid Request", data },
  });
  // The specification's own example: no id to detect, so null.
  assert.deepEqual(await peer.ask({ jsonrpc: "2.0", method: 1, params: "bar" }), invalid("method is not a string"));
  assert.deepEqual(await peer.ask({ jsonrpc: "1.0", method: "subtract", id: 2 }), invalid('jsonrpc is not "2.0"', 2));
  assert.deepEqual(await peer.ask({ method: "subtract", id: "a" }), invalid('jsonrpc is not "2.0"', "a"));
  assert.deepEqual(await peer.ask(1), invalid("not an object"));
  assert.deepEqual(await peer.ask("null"), invalid("not an object"));
  assert.deepEqual(await peer.ask('"text"'), invalid("not an object"));
  peer.close();
  await server.shutdown();
});

test("rpcHandler answers an unknown method with -32601, for any name", async () => {
  const { server, rpc } = await rpcServer(routes);
  const peer = await rawPeer(server);
  for (
    const [method, id] of [["foobar", "1"], ["toString", 2], ["__proto__", 3], ["constructor", 4], ["rpc.discover", 5]]
  ) {
    assert.deepEqual(await peer.ask({ jsonrpc: "2.0", method, id }), {
      jsonrpc: "2.0",
      id,
      error: { code: -32601, message: "Method not found" },
    }, `method ${method}`);
  }
  assert.equal(rpc.stats.errors["-32601"], 5);
  assert.equal(rpc.stats.requests, 0, "no method ran");
  peer.close();
  await server.shutdown();
});

test("rpcHandler answers params its route's check refuses with -32602, a thrown check's message as data", async () => {
  const { server, rpc } = await rpcServer(routes);
  const peer = await rawPeer(server);
  assert.deepEqual(await peer.ask({ jsonrpc: "2.0", method: "subtract", params: [1], id: 1 }), {
    jsonrpc: "2.0",
    id: 1,
    error: { code: -32602, message: "Invalid params" },
  });
  assert.deepEqual(await peer.ask({ jsonrpc: "2.0", method: "subtract", id: 2 }), {
    jsonrpc: "2.0",
    id: 2,
    error: { code: -32602, message: "Invalid params" },
  });
  assert.deepEqual(await peer.ask({ jsonrpc: "2.0", method: "strict", params: { n: "1" }, id: 3 }), {
    jsonrpc: "2.0",
    id: 3,
    error: { code: -32602, message: "Invalid params", data: "n must be a number" },
  });
  assert.deepEqual(await peer.ask({ jsonrpc: "2.0", method: "subtract", params: [42, 23], id: 4 }), {
    jsonrpc: "2.0",
    id: 4,
    result: 19,
  });
  assert.equal(rpc.stats.errors["-32602"], 3);
  peer.close();
  await server.shutdown();
});

test("rpcHandler answers a method that throws with -32603 and logs its stack, which the answer leaves out", async () => {
  const { server, rpc, logger } = await rpcServer(routes);
  const peer = await rawPeer(server);
  for (const [method, id] of [["crash", 1], ["reject", 2]] as const) {
    assert.deepEqual(await peer.ask({ jsonrpc: "2.0", method, id }), {
      jsonrpc: "2.0",
      id,
      error: { code: -32603, message: "Internal error" },
    });
  }
  const errors = logger.records.filter((r) => r.level === "error");
  assert.equal(errors.length, 2);
  const error = errors[0]!.properties?.error as Error;
  assert.equal(error.message, "database on fire");
  assert.match(error.stack ?? "", /crash/);
  assert.equal(errors[0]!.properties?.method, "crash");
  assert.equal(rpc.stats.errors["-32603"], 2);
  // The connection survives its methods' failures.
  assert.deepEqual(await peer.ask({ jsonrpc: "2.0", method: "nothing", id: 3 }), {
    jsonrpc: "2.0",
    id: 3,
    result: null,
  });
  peer.close();
  await server.shutdown();
});

test("rpcHandler answers an RpcError with its own code, message and data, and logs nothing", async () => {
  const { server, rpc, logger } = await rpcServer(routes);
  const peer = await rawPeer(server);
  assert.deepEqual(await peer.ask({ jsonrpc: "2.0", method: "login", id: "x" }), {
    jsonrpc: "2.0",
    id: "x",
    error: { code: 4001, message: "not logged in", data: { retry: false } },
  });
  assert.deepEqual(await peer.ask({ jsonrpc: "2.0", method: "reserved", id: 1 }), {
    jsonrpc: "2.0",
    id: 1,
    error: { code: -32000, message: "server busy" },
  });
  assert.deepEqual(rpc.stats.errors, { "4001": 1, "-32000": 1 });
  assert.equal(logger.records.filter((r) => r.level === "error").length, 0);
  peer.close();
  await server.shutdown();
});

test("rpcHandler answers every code the same to every client, whatever else it sent before", async () => {
  const { server } = await rpcServer(routes);
  const fresh = await rawPeer(server);
  const busy = await rawPeer(server);
  await busy.ask({ jsonrpc: "2.0", method: "login", id: 0 });
  for (const peer of [fresh, busy]) {
    assert.deepEqual(await peer.ask({ jsonrpc: "2.0", method: "fly", id: 9 }), {
      jsonrpc: "2.0",
      id: 9,
      error: { code: -32601, message: "Method not found" },
    });
  }
  fresh.close();
  busy.close();
  await server.shutdown();
});
