/**
 * Plain MessagePack unless asked: a frame with an extension type (the
 * timestamp, msgpackr's typed arrays, BigInt, records, structured clone) is
 * refused before msgpackr reads it, a value that needs one is not written;
 * `createMsgpackCodec({ extensions: true })` reads and writes them as msgpackr does.
 */
import assert from "node:assert/strict";
import { Packr } from "msgpackr";
import { createMsgpackCodec, msgpackCodec } from "../src/edges/msgpack/msgpack.ts";
import { rpcClient } from "../src/edges/rpc/rpc.ts";
import { connect } from "../mod.ts";
import { test } from "./_harness.ts";
import { rawPeer, rpcServer } from "./_rpc_fixtures.ts";

const trusting = createMsgpackCodec({ extensions: true });
const refusal = (type: number) =>
  `Cannot decode MessagePack: extension type ${type} (plain MessagePack has none; ` +
  "createMsgpackCodec({ extensions: true }) allows them)";

// Each frame written out byte by byte, with the extension type it carries.
const TIMESTAMP_32 = [0xd6, 0xff, 0x00, 0x00, 0x00, 0x01]; // 1 s after the epoch
const TIMESTAMP_64 = [0xd7, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02]; // 2 s, 0 ns
const TIMESTAMP_96 = [0xc7, 0x0c, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x03]; // ext 8 of 12 bytes: 3 s
const INT8_ARRAY = [0xc7, 0x03, 0x74, 0x00, 0x01, 0x02]; // msgpackr's typed array ("t"), Int8Array [1, 2]
const BIGINT = [0xd4, 0x42, 0x05]; // msgpackr's BigInt ("B"), 5n
const RECORD = [0xd4, 0x72, 0x40, 0x91, 0xa1, 0x61, 0x01]; // msgpackr's record definition ("r"): { a: 1 }
const FRAMES: Array<[string, number[], number, unknown]> = [
  ["timestamp 32", TIMESTAMP_32, -1, new Date(1000)],
  ["timestamp 64", TIMESTAMP_64, -1, new Date(2000)],
  ["timestamp 96", TIMESTAMP_96, -1, new Date(3000)],
  ["typed array", INT8_ARRAY, 0x74, Int8Array.of(1, 2)],
  ["BigInt", BIGINT, 0x42, 5n],
];
// A msgpackr record definition: the extension is a prefix to the values after it.
const PREFIXES: Array<[string, number[], number]> = [["record", RECORD, 0x72]];

test("msgpackCodec refuses a frame with an extension type, saying which, wherever it sits", () => {
  for (const [what, bytes, type] of [...FRAMES, ...PREFIXES]) {
    assert.throws(
      () => msgpackCodec.decode(Uint8Array.from(bytes), 32),
      { name: "TypeError", message: refusal(type) },
      what,
    );
    // Inside a request's params: [value].
    const request = [
      0x83,
      0xa7,
      ...new TextEncoder().encode("jsonrpc"),
      0xa3,
      0x32,
      0x2e,
      0x30,
      0xa6,
      ...new TextEncoder().encode("method"),
      0xa1,
      0x6d,
      0xa6,
      ...new TextEncoder().encode("params"),
      0x91,
      ...bytes,
    ];
    assert.throws(() => msgpackCodec.decode(Uint8Array.from(request), 32), {
      name: "TypeError",
      message: refusal(type),
    });
  }
});

test("msgpackCodec refuses msgpackr's structured clone (a cycle), Set and RegExp", () => {
  const cyclic: Record<string, unknown> = { name: "loop" };
  cyclic.self = cyclic;
  const cloned = new Packr({ structuredClone: true, useRecords: false }).pack(cyclic);
  assert.throws(() => msgpackCodec.decode(cloned, 32), { name: "TypeError", message: refusal(0x69) });
  const more = new Packr({ moreTypes: true, useRecords: false });
  assert.throws(() => msgpackCodec.decode(more.pack([new Set([1, 2])]), 32), {
    name: "TypeError",
    message: refusal(0x73),
  });
  assert.throws(() => msgpackCodec.decode(more.pack([/a+$/]), 32), { name: "TypeError", message: refusal(0x78) });
});

test("createMsgpackCodec({ extensions: true }) reads each extension as msgpackr does", () => {
  for (const [what, bytes, , value] of FRAMES) {
    assert.deepEqual(trusting.decode(Uint8Array.from(bytes), 32), value, what);
  }
  assert.ok(trusting.decode(Uint8Array.from(TIMESTAMP_32), 32) instanceof Date);
});

test("msgpackCodec does not write a Date (plain MessagePack has no timestamp); the trusting codec does", () => {
  assert.throws(() => msgpackCodec.encode({ at: new Date(1000) }), {
    name: "TypeError",
    message: "Cannot encode plain MessagePack: extension type -1 (plain MessagePack has none; " +
      "createMsgpackCodec({ extensions: true }) allows them)",
  });
  assert.deepEqual([...trusting.encode(new Date(1000))], TIMESTAMP_32);
  assert.throws(() => createMsgpackCodec({ extensions: "yes" as unknown as boolean }), {
    name: "TypeError",
    message: "Cannot use extensions yes: must be true or false",
  });
});

test("rpcHandler over plain MessagePack: a Date in params is a parse error and reaches no method", async () => {
  const seen: unknown[] = [];
  const { server, rpc } = await rpcServer({
    take: (params: unknown[]) => (seen.push(params[0]), "taken"),
    now: () => new Date(1000),
  }, { codec: msgpackCodec });
  const peer = await rawPeer(server, trusting);
  assert.deepEqual(await peer.ask({ jsonrpc: "2.0", method: "take", params: [new Date(1000)], id: 1 }), {
    jsonrpc: "2.0",
    id: null,
    error: { code: -32700, message: "Parse error" },
  });
  assert.deepEqual(await peer.ask({ jsonrpc: "2.0", method: "take", params: [Int8Array.of(1)], id: 2 }), {
    jsonrpc: "2.0",
    id: 2,
    result: "taken",
  });
  // Without extensions msgpackr writes an Int8Array as its bytes: the method gets a Uint8Array-like, not an Int8Array.
  assert.equal(seen.length, 1);
  assert.ok(!(seen[0] instanceof Int8Array));
  // A result that needs an extension cannot be written: -32603, as a result JSON cannot hold.
  assert.deepEqual(await peer.ask({ jsonrpc: "2.0", method: "now", id: 3 }), {
    jsonrpc: "2.0",
    id: 3,
    error: { code: -32603, message: "Internal error" },
  });
  assert.equal(rpc.stats.errors["-32700"], 1);
  peer.close();
  await server.shutdown();
});

test("rpcHandler over MessagePack with extensions on both sides: a Date goes and comes back a Date", async () => {
  const { server } = await rpcServer({ later: ([at]: [Date]) => new Date(at.getTime() + 1000) }, { codec: trusting });
  const client = rpcClient(await connect({ port: server.addr.port }), { codec: trusting });
  const later = await client.call<Date>("later", [new Date(1000)]);
  assert.ok(later instanceof Date);
  assert.equal(later.getTime(), 2000);
  client.close();
  await server.shutdown();
});
