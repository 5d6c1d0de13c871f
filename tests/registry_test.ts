import assert from "node:assert/strict";
import { type Connection, encodeFrame } from "../mod.ts";
import { Registry } from "../src/core/server/registry.ts";
import { test } from "./_harness.ts";
import { text } from "./_fixtures.ts";
import { framedConnection, settle } from "./_memory.ts";

/** Echoes every frame. */
async function echo(conn: Connection): Promise<void> {
  for await (const frame of conn) await conn.send(frame);
}

/** A connection over memory from `hostname` that the registry is told of when it ends, as serve() does. */
async function open(registry: Registry, id: number, hostname = "127.0.0.1") {
  const made = await framedConnection(id, { onEnd: (conn, stats) => registry.remove(conn, stats) }, { hostname });
  registry.add(made.conn);
  return made;
}

test("Registry counts a connection from add() to remove(), and a second remove() changes nothing", async () => {
  const registry = new Registry(Infinity, Infinity);
  const { conn } = await open(registry, 1);
  assert.equal(registry.size, 1);
  assert.equal(registry.get(1), conn);
  assert.deepEqual([...registry.values()], [conn]);
  const stats = conn.stats;
  registry.remove(conn, { ...stats, closeReason: "peer-closed" });
  registry.remove(conn, { ...stats, closeReason: "peer-closed" });
  assert.equal(registry.size, 0);
  assert.equal(registry.get(1), undefined);
  const figures = registry.stats();
  assert.equal(figures.accepted, 1);
  assert.equal(figures.active, 0);
  assert.deepEqual(figures.closedByReason, { "peer-closed": 1 }, "counted once");
});

test("Registry.refusal refuses at maxConnections in total, counting each refusal", async () => {
  const registry = new Registry(2, Infinity);
  assert.equal(registry.refusal("127.0.0.1"), undefined);
  const first = await open(registry, 1);
  await open(registry, 2, "192.0.2.1");
  assert.equal(registry.refusal("198.51.100.1"), "max-connections", "a new address does not help");
  assert.equal(registry.refusal("127.0.0.1"), "max-connections");
  first.conn.close();
  await first.conn.finished;
  assert.equal(registry.size, 1);
  assert.equal(registry.refusal("127.0.0.1"), undefined, "an ended connection frees its slot");
  assert.deepEqual(registry.stats().refused, { "max-connections": 2 });
});

test("Registry.refusal refuses at maxConnectionsPerAddress from one address only, and frees the slot at remove", async () => {
  const registry = new Registry(Infinity, 2);
  const a = await open(registry, 1, "192.0.2.1");
  await open(registry, 2, "192.0.2.1");
  await open(registry, 3, "192.0.2.2");
  assert.equal(registry.refusal("192.0.2.1"), "max-connections-per-address");
  assert.equal(registry.refusal("192.0.2.2"), undefined, "another address has its own count");
  assert.equal(registry.refusal("192.0.2.3"), undefined);
  a.conn.close();
  await a.conn.finished;
  assert.equal(registry.refusal("192.0.2.1"), undefined);
  assert.deepEqual(registry.stats().refused, { "max-connections-per-address": 1 });
});

test("Registry.stats sums ended and open connections, counting each connection's bytes once", async () => {
  const registry = new Registry(Infinity, Infinity);
  const one = await open(registry, 1);
  const two = await open(registry, 2);
  void one.conn.run(echo, undefined);
  void two.conn.run(echo, undefined);
  await one.peer.write(encodeFrame(text("abc"))); // 7 bytes
  await two.peer.write(encodeFrame(text("hello"))); // 9 bytes
  await settle();
  const live = registry.stats();
  assert.equal(live.bytesIn, 16, "the open connections' bytes");
  assert.equal(live.bytesOut, 16);
  one.peer.close();
  await one.conn.finished;
  const after = registry.stats();
  assert.equal(after.active, 1);
  assert.equal(after.bytesIn, 16, "the ended connection's bytes moved from live to ended, once");
  assert.equal(after.bytesOut, 16);
  assert.deepEqual(after.closedByReason, { "peer-closed": 1 });
  two.peer.close();
  await two.conn.finished;
  assert.equal(registry.stats().bytesIn, 16);
  assert.equal(registry.stats().accepted, 2);
});

test("Registry.empty settles once the last connection is removed, and at once when none is open", async () => {
  const registry = new Registry(Infinity, Infinity);
  await registry.empty();
  const one = await open(registry, 1);
  const two = await open(registry, 2);
  let emptied = false;
  const empty = registry.empty().then(() => emptied = true);
  one.conn.close();
  await one.conn.finished;
  await settle();
  assert.equal(emptied, false, "one is still open");
  two.conn.close();
  await empty;
  assert.equal(registry.size, 0);
});
