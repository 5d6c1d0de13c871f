/**
 * The MessagePack codec: plain MessagePack bytes, round trips of random
 * values, an exact nesting bound, malformed bytes refused before msgpackr
 * reads them, and JSON-RPC over a real socket in MessagePack.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { connect } from "../mod.ts";
import { msgpackCodec } from "../src/edges/msgpack/msgpack.ts";
import { rpcClient, RpcError } from "../src/edges/rpc/rpc.ts";
import { test } from "./_harness.ts";
import { until } from "./_fixtures.ts";
import { rawPeer, rpcServer } from "./_rpc_fixtures.ts";

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

function depthOf(value: unknown): number {
  if (typeof value !== "object" || value === null || value instanceof Uint8Array) return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + children.reduce((max: number, child) => Math.max(max, depthOf(child)), 0);
}

test("msgpackCodec writes plain MessagePack, readable by any library", () => {
  const bytes = msgpackCodec.encode({ jsonrpc: "2.0", method: "a", id: 1 });
  const text = (s: string) => hex(new TextEncoder().encode(s));
  // map 16 of 3 (msgpackr's choice: it need not count keys first); fixstr keys and values; positive fixint 1.
  assert.equal(
    hex(bytes),
    `de0003a7${text("jsonrpc")}a3${text("2.0")}a6${text("method")}a1${text("a")}a2${text("id")}01`,
  );
  assert.equal(hex(msgpackCodec.encode({ v: undefined })), `de0001a1${text("v")}c0`, "undefined is nil");
  assert.equal(hex(msgpackCodec.encode([1.5, -1, "é"])), `93cb3ff8000000000000ffa2${text("é")}`);
});

test("msgpackCodec decodes what it encodes, bytes included, with a depth bound that is exact", () => {
  const value = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.jsonValue({ maxDepth: 2 }),
      fc.uint8Array({ maxLength: 300 }),
      fc.array(tie("node"), { maxLength: 20 }),
      fc.dictionary(fc.string(), tie("node"), { maxKeys: 20 }),
    ),
  })).node;
  fc.assert(
    fc.property(value, (input) => {
      const frame = msgpackCodec.encode(input);
      const depth = depthOf(input);
      const output = msgpackCodec.decode(frame, Math.max(depth, 1));
      assert.deepEqual(normalize(output), normalize(input, true));
      if (depth > 1) {
        assert.throws(() => msgpackCodec.decode(frame, depth - 1), {
          name: "RangeError",
          message: `Cannot decode MessagePack: nested deeper than ${depth - 1}`,
        });
      }
    }),
    { numRuns: 300 },
  );
});

/**
 * -0 comes back as 0, and bytes as a Buffer on some runtimes: compare what
 * matters. msgpackr reads a "__proto__" key as "__proto_" (its guard against
 * prototype pollution), so the input's is renamed when `sent`.
 */
function normalize(value: unknown, sent = false): unknown {
  if (value instanceof Uint8Array) return { bytes: hex(value) };
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map((item) => normalize(item, sent));
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).map((
      [k, v],
    ) => [sent && k === "__proto__" ? "__proto_" : k, normalize(v, sent)]);
    return Object.fromEntries(entries);
  }
  return value;
}

test("msgpackCodec joins encoded answers into one MessagePack array of any length", () => {
  for (const count of [0, 1, 15, 16, 65_535, 65_536]) {
    const parts = Array.from({ length: count }, (_, i) => msgpackCodec.encode(i % 3 === 0 ? { id: i } : i));
    const joined = msgpackCodec.decode(msgpackCodec.encodeArray(parts), 4) as unknown[];
    assert.equal(joined.length, count);
    if (count > 3) assert.deepEqual(joined.slice(0, 4), [{ id: 0 }, 1, 2, { id: 3 }]);
  }
});

test("msgpackCodec refuses malformed bytes before decoding them", () => {
  const refused = (bytes: number[], name: string, detail: string) =>
    assert.throws(
      () => msgpackCodec.decode(Uint8Array.from(bytes), 32),
      { name, message: `Cannot decode MessagePack: ${detail}` },
      hex(Uint8Array.from(bytes)),
    );
  refused([], "TypeError", "truncated");
  refused([0x92, 0x01], "TypeError", "truncated");
  refused([0xa5, 0x61], "TypeError", "truncated");
  refused([0x01, 0x02], "TypeError", "bytes after the value");
  refused([0xc1], "TypeError", "byte 0xc1");
  // An array32 announcing 4 billion elements: refused without allocating anything for them.
  refused([0xdd, 0xff, 0xff, 0xff, 0xff, 0x01], "TypeError", "truncated");
  refused([0xdf, 0x7f, 0xff, 0xff, 0xff], "TypeError", "truncated");
  refused([0xc6, 0xff, 0xff, 0xff, 0xff], "TypeError", "truncated");
  refused(Array(100_000).fill(0x91), "RangeError", "nested deeper than 32");
});

test("msgpackCodec's decode of random bytes returns a value or throws one of its own errors, and nothing else", () => {
  // Random bytes, and random bytes behind headers that make them look like the start of a longer value.
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.tuple(fc.constantFrom(0x91, 0x92, 0x81, 0xdc, 0xc4, 0xd9, 0xc7, 0xd6), fc.uint8Array({ maxLength: 63 }))
      .map(([head, rest]) => Uint8Array.of(head, ...rest)),
  );
  fc.assert(
    fc.property(bytes, (frame) => {
      let error: unknown;
      try {
        msgpackCodec.decode(frame, 8);
      } catch (thrown) {
        error = thrown;
      }
      if (error === undefined) return;
      assert.ok(error instanceof TypeError || error instanceof RangeError, `${hex(frame)}: ${String(error)}`);
      assert.ok(error.name === "TypeError" || error.name === "RangeError");
      assert.match(error.message, /^Cannot decode MessagePack: ./, hex(frame));
      if (error instanceof RangeError) assert.equal(error.message, "Cannot decode MessagePack: nested deeper than 8");
    }),
    { numRuns: 3000 },
  );
});

test("rpcHandler speaks the same JSON-RPC messages in MessagePack: calls, errors, batches, pushes, parse errors", async () => {
  const { server, rpc } = await rpcServer({
    reverse: ([bytes]: [Uint8Array]) => Uint8Array.from(bytes).reverse(),
    refuse: () => {
      throw new RpcError(4001, "no", { data: { why: "test" } });
    },
    hello: (_p, context) => context.notify("welcome", { to: context.conn.id }),
  }, { codec: msgpackCodec });
  const pushes: unknown[] = [];
  const client = rpcClient(await connect({ port: server.addr.port }), {
    codec: msgpackCodec,
    onNotification: (method, params) => pushes.push([method, params]),
  });
  assert.equal(hex(await client.call<Uint8Array>("reverse", [Uint8Array.of(1, 2, 3)])), "030201");
  await assert.rejects(client.call("refuse"), { name: "RpcError", code: 4001, data: { why: "test" } });
  await assert.rejects(client.call("missing"), { code: -32601 });
  await client.call("hello");
  await until(() => pushes.length === 1, "the push");
  assert.equal((pushes[0] as [string])[0], "welcome");

  const peer = await rawPeer(server, msgpackCodec);
  const batch = await peer.ask([
    { jsonrpc: "2.0", method: "reverse", params: [Uint8Array.of(9, 8)], id: 1 },
    { jsonrpc: "2.0", method: "missing", id: 2 },
  ]) as Array<{ id: number }>;
  assert.deepEqual(batch.map((answer) => answer.id).sort(), [1, 2]);
  // A JSON frame is not MessagePack (0x7b is the integer 123, then bytes after it): a parse error, in MessagePack.
  assert.deepEqual(await peer.ask(new TextEncoder().encode('{"jsonrpc":"2.0"}')), {
    jsonrpc: "2.0",
    id: null,
    error: { code: -32700, message: "Parse error" },
  });
  assert.equal(rpc.stats.errors["-32700"], 1);
  peer.close();
  client.close();
  await server.shutdown();
});
