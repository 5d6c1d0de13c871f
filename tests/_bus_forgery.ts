/**
 * Forged cluster messages for the bus's hostile tests: valid messages of
 * every kind (fast-check arbitraries), mutations of them, raw JSON bodies of
 * any shape, the messages the trust issue named, and a check that a
 * server's figures are still sane.
 *
 * @module
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { NODE_ID_SPAN, type ServerStats } from "../mod.ts";
import { type ClusterMessage, encodeMessage, KINDS } from "../src/core/cluster/messages.ts";

const encoder = new TextEncoder();

/** A message of `kind` from node `from` whose body is `body` as JSON, whatever its shape. */
export function forgeJson(kind: ClusterMessage["kind"], from: number, body: unknown): Uint8Array {
  const json = encoder.encode(JSON.stringify(body));
  const bytes = new Uint8Array(9 + json.length);
  bytes[0] = KINDS.indexOf(kind);
  new DataView(bytes.buffer).setFloat64(1, from);
  bytes.set(json, 9);
  return bytes;
}

/** A server's figures from a node that reports `stats` (fields as given). */
export function forgedReport(from: number, stats: Record<string, unknown>, seq = 0): Uint8Array {
  const sane = {
    accepted: 0,
    active: 0,
    refused: {},
    closedByReason: {},
    framesDropped: 0,
    bytesIn: 0,
    bytesOut: 0,
    messagesDropped: 0,
    acceptErrors: {},
    acceptPauses: 0,
  };
  return forgeJson("report", from, { seq, stats: { ...sane, ...stats } });
}

/** The forgeries the trust issue measured, from node `from`. */
export function namedForgeries(from: number): Record<string, Uint8Array> {
  const huge = new Uint8Array(14 + 16);
  new DataView(huge.buffer).setFloat64(1, from);
  huge.set([KINDS.indexOf("broadcast"), 0], 0);
  huge.set([1, 0xff, 0xff, 0xff, 0xff], 9);
  const garbage = Array.from({ length: 20_000 }, (_, i) => [`x${i}`, null, "port", {}, -1, "soon"]);
  return {
    'a report with active "x"': forgedReport(from, { active: "x" }),
    "a broadcast that claims 2^32 - 1 ids": huge,
    "a delta of 20 000 garbage joins": forgeJson("delta", from, { seq: 1, joins: garbage, leaves: [] }),
    "a report with a __proto__ reason": forgeJson("report", from, {
      seq: 0,
      stats: JSON.parse(
        '{"accepted":0,"active":0,"refused":{},"closedByReason":{"__proto__":{"x":1}},' +
          '"framesDropped":0,"bytesIn":0,"bytesOut":0,"messagesDropped":0,"acceptErrors":{},"acceptPauses":0}',
      ),
    }),
    "a post to a connection of another node": encodeMessage(from, { kind: "post", id: 1, body: encoder.encode("{}") }),
  };
}

const node = fc.integer({ min: 1, max: 900_718 });
const anyId = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
const idOf = (from: number) => fc.integer({ min: 1, max: NODE_ID_SPAN - 1 }).map((n) => from * NODE_ID_SPAN + n);
const bytes = fc.uint8Array({ maxLength: 48 });
const count = fc.integer({ min: 0, max: 1_000_000 });
const roomName = fc.string({ minLength: 1, maxLength: 12 }).filter((name) => !/\p{Cs}/u.test(name));
const entryOf = (from: number) =>
  fc.tuple(idOf(from), fc.ipV4(), fc.integer({ min: 0, max: 65535 }), fc.ipV4(), fc.nat(65535), fc.nat());
const stats = fc.record({
  accepted: count,
  active: count,
  refused: fc.dictionary(fc.constantFrom("max-connections", "max-connections-per-address"), count),
  closedByReason: fc.dictionary(fc.constantFrom("peer-closed", "idle-timeout", "constructor"), count),
  framesDropped: count,
  bytesIn: count,
  bytesOut: count,
  messagesDropped: count,
  acceptErrors: fc.dictionary(fc.constantFrom("EMFILE", "ENOTCONN"), count),
  acceptPauses: count,
});

/** A valid message of any kind and the node it comes from. */
export const validMessage: fc.Arbitrary<{ from: number; message: ClusterMessage }> = node.chain((from) =>
  fc.oneof(
    fc.record({ payload: bytes, ids: fc.array(anyId, { maxLength: 6 }), mode: fc.constantFrom(0, 1, 2) }).map((
      { payload, ids, mode },
    ): ClusterMessage =>
      mode === 0
        ? { kind: "broadcast", payload }
        : mode === 1
        ? { kind: "broadcast", payload, except: ids }
        : { kind: "broadcast", payload, only: ids }
    ),
    fc.record({ id: anyId, body: bytes }).map(({ id, body }): ClusterMessage => ({ kind: "post", id, body })),
    fc.record({ id: anyId, payload: bytes }).map(({ id, payload }): ClusterMessage => ({ kind: "send", id, payload })),
    anyId.map((id): ClusterMessage => ({ kind: "close", id })),
    fc.record({ room: roomName, except: fc.oneof(fc.constant(0), anyId), payload: bytes }).map((room) =>
      ({ kind: "room", ...room }) as ClusterMessage
    ),
    fc.record({
      seq: fc.integer({ min: 1, max: 1000 }),
      active: fc.nat(1_000_000),
      rooms: fc.array(fc.tuple(roomName, fc.nat(100)), { maxLength: 3 }),
    }).map((delta) => ({ kind: "delta", ...delta }) as ClusterMessage),
    fc.record({ seq: fc.nat(1000), stats }).map((report) => ({ kind: "report", ...report }) as ClusterMessage),
    fc.constantFrom<ClusterMessage>({ kind: "hello" }, { kind: "snapshot-request" }, { kind: "ping" }),
    node.map((left): ClusterMessage => ({ kind: "left", node: left })),
    fc.record({ seq: fc.nat(1000), active: fc.nat(1_000_000), rooms: fc.array(fc.tuple(roomName, fc.nat(100))) })
      .map((snapshot) => ({ kind: "snapshot", ...snapshot }) as ClusterMessage),
    fc.record({ limit: fc.integer({ min: 1, max: 10_000 }), room: fc.option(roomName, { nil: undefined }) }).map((
      fetch,
    ) =>
      (fetch.room === undefined ? { kind: "fetch", limit: fetch.limit } : { kind: "fetch", ...fetch }) as ClusterMessage
    ),
    fc.record({ entries: fc.array(entryOf(from), { maxLength: 3 }), more: fc.boolean() }).map((listing) =>
      ({ kind: "listing", ...listing }) as ClusterMessage
    ),
  ).map((message) => ({ from, message }))
);

type Mutation =
  | { type: "set"; at: number; value: number }
  | { type: "cut"; at: number }
  | { type: "append"; bytes: Uint8Array }
  | { type: "u32"; at: number; value: number }
  | { type: "f64"; at: number; value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ type: fc.constant("set" as const), at: fc.nat(), value: fc.nat(255) }),
  fc.record({ type: fc.constant("cut" as const), at: fc.nat() }),
  fc.record({ type: fc.constant("append" as const), bytes }),
  fc.record({ type: fc.constant("u32" as const), at: fc.nat(), value: fc.constantFrom(0, 1, 2 ** 31, 2 ** 32 - 1) }),
  fc.record({
    type: fc.constant("f64" as const),
    at: fc.nat(),
    value: fc.constantFrom(NaN, -1, Infinity, 0.5, 2 ** 53, -0, 900_719),
  }),
);

function mutate(original: Uint8Array, mutations: Mutation[]): Uint8Array {
  let bytes = original.slice();
  for (const m of mutations) {
    const at = bytes.length === 0 ? 0 : ("at" in m ? m.at % bytes.length : 0);
    if (m.type === "set" && bytes.length > 0) bytes[at] = m.value;
    else if (m.type === "cut") bytes = bytes.slice(0, at);
    else if (m.type === "append") bytes = Uint8Array.from([...bytes, ...m.bytes]);
    else if (m.type === "u32" && at + 4 <= bytes.length) new DataView(bytes.buffer).setUint32(at, m.value);
    else if (m.type === "f64" && at + 8 <= bytes.length) new DataView(bytes.buffer).setFloat64(at, m.value);
  }
  return bytes;
}

const jsonKind = fc.constantFrom<ClusterMessage["kind"]>("delta", "report", "hello", "left", "snapshot", "ping");

/** Bytes a hostile publisher may send: anything, valid messages mutated, JSON bodies of any shape. */
export const forgedBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 256 }),
  fc.tuple(validMessage, fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([{ from, message }, mutations]) =>
    mutate(encodeMessage(from, message), mutations)
  ),
  fc.tuple(jsonKind, node, fc.jsonValue({ maxDepth: 4 })).map(([kind, from, body]) => forgeJson(kind, from, body)),
  // A valid body with one field replaced by any JSON value.
  fc.tuple(validMessage, fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 })).map(([valid, key, value]) => {
    const { kind, ...body } = valid.message as ClusterMessage & Record<string, unknown>;
    const fields = Object.keys(body);
    const field = fields.length === 0 ? key : fields[key.length % fields.length]!;
    return forgeJson(kind, valid.from, { ...body, [field]: value });
  }),
);

/** Asserts that `stats` holds only what a server could count: non-negative integers, reasons that are names. */
export function assertSaneStats(stats: ServerStats): void {
  for (const [name, value] of Object.entries(stats)) {
    if (typeof value === "number") {
      assert.ok(Number.isSafeInteger(value) && value >= 0, `${name} is ${value}`);
      continue;
    }
    assert.equal(Object.getPrototypeOf(value), Object.prototype, `${name} is a plain object`);
    for (const [key, count] of Object.entries(value as Record<string, unknown>)) {
      assert.match(key, /^[A-Za-z][A-Za-z0-9_.-]*$/, `${name} has the key ${JSON.stringify(key)}`);
      assert.ok(Number.isSafeInteger(count) && (count as number) >= 0, `${name}.${key} is ${count}`);
    }
  }
}
