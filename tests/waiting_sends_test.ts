import assert from "node:assert/strict";
import { WaitingSends } from "../src/core/reconnect/waiting_sends.ts";
import { test } from "./_harness.ts";

const frame = (n: number) => new Uint8Array([n]);

test("WaitingSends hands frames out in sequence order, a frame handed back keeping its place", () => {
  const waiting = new WaitingSends(1000);
  void waiting.add(frame(2), 5, 2);
  void waiting.add(frame(4), 5, 4);
  void waiting.add(frame(3), 5, 3); // handed back by a lost connection after 4 was sent
  void waiting.add(frame(1), 5, 1);
  assert.deepEqual(waiting.takeAll().map((item) => item.seq), [1, 2, 3, 4]);
  assert.equal(waiting.bytes, 0);
  assert.equal(waiting.size, 0);
});

test("WaitingSends refuses a frame past its limit in bytes, but lets one frame of any size wait alone", () => {
  const waiting = new WaitingSends(10);
  assert.ok(waiting.add(frame(1), 64, 1) !== undefined, "a frame over the limit waits when nothing else does");
  assert.equal(waiting.add(frame(2), 5, 2), undefined);
  waiting.takeAll();
  assert.ok(waiting.add(frame(3), 5, 3) !== undefined);
  assert.ok(waiting.add(frame(4), 5, 4) !== undefined, "exactly at the limit");
  assert.equal(waiting.add(frame(5), 1, 5), undefined);
  assert.equal(waiting.bytes, 10);
});

test("WaitingSends takes a frame out when its signal aborts, rejecting with the reason", async () => {
  const waiting = new WaitingSends(100);
  const controller = new AbortController();
  const kept = waiting.add(frame(1), 5, 1)!;
  const withdrawn = waiting.add(frame(2), 7, 2, controller.signal)!;
  const reason = new Error("gave up waiting");
  controller.abort(reason);
  await assert.rejects(withdrawn, (error) => error === reason);
  assert.equal(waiting.bytes, 5);
  const [item, ...rest] = waiting.takeAll();
  assert.equal(rest.length, 0);
  item!.resolve(Promise.resolve());
  await kept;
});

test("WaitingSends.takeAll stops listening to the signals of the frames it hands out", async () => {
  const waiting = new WaitingSends(100);
  const controller = new AbortController();
  const sent = waiting.add(frame(1), 5, 1, controller.signal)!;
  const [item] = waiting.takeAll();
  controller.abort(new Error("too late"));
  item!.resolve(Promise.resolve());
  await sent; // resolved by its send, not rejected by the late abort
});

test("WaitingSends.rejectAll rejects every frame with the error and empties the queue", async () => {
  const waiting = new WaitingSends(100);
  const sends = [waiting.add(frame(1), 5, 1)!, waiting.add(frame(2), 5, 2)!];
  const error = new Error("ended");
  waiting.rejectAll(error);
  for (const send of sends) await assert.rejects(send, (e) => e === error);
  assert.equal(waiting.size, 0);
});
