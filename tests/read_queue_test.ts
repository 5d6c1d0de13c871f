import assert from "node:assert/strict";
import { ReadQueue } from "../src/transport/_read_queue.ts";
import { test } from "./_harness.ts";

/** A queue whose pauses and resumes are counted, as a runtime's socket would see them. */
function counted(): { queue: ReadQueue; paused: () => boolean; pauses: () => number } {
  let paused = false;
  let pauses = 0;
  const queue = new ReadQueue(() => {
    paused = true;
    pauses++;
  }, () => paused = false);
  return { queue, paused: () => paused, pauses: () => pauses };
}

test("ReadQueue pauses the socket past 64 KiB of read-ahead and resumes it below", async () => {
  const { queue, paused } = counted();
  for (let i = 0; i < 3; i++) queue.push(new Uint8Array(16_384));
  assert.equal(paused(), false);
  queue.push(new Uint8Array(16_384));
  assert.equal(paused(), true, "64 KiB queued with no read waiting");
  assert.equal((await queue.read())!.length, 16_384);
  assert.equal(paused(), false, "below the read-ahead again");
});

test("ReadQueue.hold pauses the socket until the next read, and not while a read waits", async () => {
  const { queue, paused, pauses } = counted();
  const waiting = queue.read();
  queue.hold();
  assert.equal(paused(), false, "the kit is asking for bytes");
  queue.push(new Uint8Array([1]));
  assert.deepEqual(await waiting, new Uint8Array([1]));
  queue.hold();
  assert.equal(paused(), true);
  queue.hold();
  assert.equal(pauses(), 1, "held once");
  const next = queue.read();
  assert.equal(paused(), false, "a read resumes it");
  queue.push(new Uint8Array([2]));
  assert.deepEqual(await next, new Uint8Array([2]));
});

test("ReadQueue.hold after the end does nothing, and queued chunks are still read", async () => {
  const { queue, pauses } = counted();
  queue.push(new Uint8Array([1]));
  queue.end();
  queue.hold();
  assert.equal(pauses(), 0);
  assert.deepEqual(await queue.read(), new Uint8Array([1]));
  assert.equal(await queue.read(), null);
});
