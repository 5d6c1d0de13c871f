import assert from "node:assert/strict";
import { type Bus, BusRequestError } from "../mod.ts";
import { connectPortBus, createPortHub } from "../src/_internal.ts";
import { test } from "./_harness.ts";
import { until } from "./_fixtures.ts";

/** Until every bus's subscriptions have reached the hub. */
const flushed = (...buses: Bus[]) => Promise.all(buses.map((bus) => bus.flush()));

function collect(bus: Bus, topic: string): Uint8Array[] {
  const got: Uint8Array[] = [];
  bus.subscribe(topic, (payload) => got.push(payload));
  return got;
}

test("createPortHub delivers to every subscriber but the publisher, in publish order", async () => {
  const hub = createPortHub();
  const [a, b, c] = [hub.connect(1), hub.connect(2), hub.connect(3)];
  const [atA, atB, atC] = [collect(a, "t"), collect(b, "t"), collect(c, "other")];
  await flushed(a, b, c);
  for (let i = 0; i < 1000; i++) assert.equal(a.publish("t", new Uint8Array([i & 0xff, i >> 8])), true);
  await until(() => atB.length === 1000, "1000 at b");
  assert.deepEqual(atB.map((p) => p[0]! | (p[1]! << 8)), Array.from({ length: 1000 }, (_, i) => i));
  assert.equal(atA.length, 0, "not back to the publisher");
  assert.equal(atC.length, 0, "not to another topic");
  assert.equal(a.stats.published, 1000);
  assert.equal(b.stats.received, 1000);
  for (const bus of [a, b, c]) await bus.close();
  hub.close();
});

test("createPortHub copies a payload: changing it after publish() changes nothing delivered", async () => {
  const hub = createPortHub();
  const [a, b] = [hub.connect(1), hub.connect(2)];
  const got = collect(b, "t");
  await flushed(b);
  const payload = new Uint8Array([1, 2, 3]);
  a.publish("t", payload);
  payload.fill(9);
  await until(() => got.length === 1, "the message");
  assert.deepEqual(got[0], new Uint8Array([1, 2, 3]));
  await a.close();
  await b.close();
  hub.close();
});

test("createPortHub drops and counts what would take a member over maxPendingBytes, and loses nothing else", async () => {
  const hub = createPortHub({ maxPendingBytes: 64 * 1024 });
  const a = connectPortBus(hub.attach(1), { maxPendingBytes: 1 << 30 });
  const b = hub.connect(2);
  const got = collect(b, "t");
  await flushed(b);
  // One turn: nothing is acknowledged before all 1000 are offered, so the hub takes 64 KiB and drops the rest.
  for (let i = 0; i < 1000; i++) a.publish("t", new Uint8Array(1000));
  await until(() => got.length + hub.members().get(2)!.dropped === 1000, "every message delivered or counted");
  assert.ok(got.length > 0 && hub.members().get(2)!.dropped > 0, `${got.length} delivered`);
  assert.ok(got.length * (1000 + 64) <= 64 * 1024, "within the bound");
  // Acknowledged once handled: the member takes more again.
  await until(() => hub.members().get(2)!.pendingBytes === 0, "the acknowledgements");
  a.publish("t", new Uint8Array(10));
  await until(() => got.at(-1)?.length === 10, "a message after the drops");
  await a.close();
  await b.close();
  hub.close();
});

test("connectPortBus refuses, and counts, a publish over its own bound", async () => {
  const hub = createPortHub();
  const a = connectPortBus(hub.attach(1), { maxPendingBytes: 1000 });
  assert.equal(a.publish("t", new Uint8Array(500)), true);
  assert.equal(a.publish("t", new Uint8Array(500)), false);
  assert.equal(a.stats.dropped, 1);
  await a.close();
  assert.equal(a.publish("t", new Uint8Array(1)), false, "closed");
  hub.close();
});

test("bus.request gets the reply, or a typed BusRequestError: no subscriber, no reply in time, bus closed", async () => {
  const hub = createPortHub();
  const [a, b] = [hub.connect(1), hub.connect(2)];
  b.subscribe("echo", (payload, { reply }) => reply?.(payload));
  b.subscribe("silent", () => {});
  await flushed(b);
  assert.deepEqual(await a.request("echo", new Uint8Array([7])), new Uint8Array([7]));
  await assert.rejects(a.request("nobody", new Uint8Array(0)), (error) => {
    assert.ok(error instanceof BusRequestError);
    assert.equal(error.reason, "no-responders");
    return true;
  });
  await assert.rejects(a.request("silent", new Uint8Array(0), { timeout: 0.05 }), { reason: "timeout" });
  const pending = a.request("silent", new Uint8Array(0));
  await a.close();
  await assert.rejects(pending, { reason: "closed", message: "Cannot request silent: bus closed" });
  assert.equal(a.stats.requestsFailed, 2, "no subscriber, no reply in time");
  await b.close();
  hub.close();
});

test("PortHub.attach refuses a node twice; detach forgets its subscriptions", async () => {
  const hub = createPortHub();
  const a = hub.connect(1);
  const b = hub.connect(2);
  assert.throws(() => hub.attach(2), { name: "TypeError", message: "Cannot attach node 2: it is a member already" });
  const got = collect(b, "t");
  await flushed(b);
  hub.detach(2);
  a.publish("t", new Uint8Array(1));
  await a.flush(); // the hub has routed it: to nobody
  assert.equal(got.length, 0);
  assert.deepEqual([...hub.members().keys()], [1]);
  await a.close();
  hub.close();
});

test("bus.flush settles once the hub has the subscriptions sent before it, and rejects once the bus closed", async () => {
  const hub = createPortHub();
  const [a, b] = [hub.connect(1), hub.connect(2)];
  const got = collect(b, "t");
  await b.flush();
  a.publish("t", new Uint8Array([1]));
  await until(() => got.length === 1, "the first message, at once");
  await b.close();
  await assert.rejects(b.flush(), { name: "BusRequestError", reason: "closed" });
  await a.close();
  hub.close();
});
