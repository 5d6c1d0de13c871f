import assert from "node:assert/strict";
import { READ_AHEAD_BYTES, ReadQueue } from "../src/transport/_read_queue.ts";
import { test } from "./_harness.ts";

const bytes = (...values: number[]) => new Uint8Array(values);

/** A queue whose pause and resume calls are recorded, in order. */
function recorded(): { queue: ReadQueue; calls: string[] } {
  const calls: string[] = [];
  return { queue: new ReadQueue({ pause: () => calls.push("pause"), resume: () => calls.push("resume") }), calls };
}

test("ReadQueue hands a chunk to a waiting read, and queued chunks to later reads in arrival order", async () => {
  const { queue } = recorded();
  const waiting = queue.read();
  const first = bytes(1);
  queue.push(first);
  assert.equal(await waiting, first, "the same chunk, not a copy");
  queue.push(bytes(2));
  queue.push(bytes(3, 4));
  assert.deepEqual(await queue.read(), bytes(2));
  assert.deepEqual(await queue.read(), bytes(3, 4));
});

test("ReadQueue pauses the socket once at the read-ahead bound, and resumes it once back under", async () => {
  const { queue, calls } = recorded();
  const quarter = READ_AHEAD_BYTES / 4;
  for (let i = 0; i < 3; i++) queue.push(new Uint8Array(quarter));
  assert.deepEqual(calls, [], "under the bound: reading goes on");
  queue.push(new Uint8Array(quarter));
  assert.deepEqual(calls, ["pause"], "at the bound");
  queue.push(new Uint8Array(quarter)); // what the runtime had in hand still arrives
  assert.deepEqual(calls, ["pause"], "paused once");
  await queue.read();
  assert.deepEqual(calls, ["pause"], "still at the bound after one read");
  await queue.read();
  assert.deepEqual(calls, ["pause", "resume"], "under it again");
  await queue.read();
  await queue.read();
  assert.deepEqual(calls, ["pause", "resume"], "resumed once");
  queue.push(new Uint8Array(READ_AHEAD_BYTES * 2));
  assert.deepEqual(calls, ["pause", "resume", "pause"], "one big chunk pauses too");
});

test("ReadQueue.end: queued chunks are still read, then null; a waiting read gets null at once", async () => {
  const { queue } = recorded();
  queue.push(bytes(1));
  queue.end();
  queue.push(bytes(2)); // after the end: dropped
  assert.deepEqual(await queue.read(), bytes(1));
  assert.equal(await queue.read(), null);
  assert.equal(await queue.read(), null);
  const other = recorded().queue;
  const waiting = other.read();
  other.end();
  assert.equal(await waiting, null);
});

test("ReadQueue.end with an error: queued chunks first, then the error, also when given after a plain end", async () => {
  const reset = new Error("reset");
  const { queue } = recorded();
  queue.push(bytes(1));
  queue.end(reset);
  assert.deepEqual(await queue.read(), bytes(1));
  await assert.rejects(queue.read(), reset);
  const waiting = recorded().queue;
  const read = waiting.read();
  waiting.end(reset);
  await assert.rejects(read, reset);
  const late = recorded().queue;
  late.end();
  late.end(reset);
  await assert.rejects(late.read(), reset, "an error given later is kept");
});

test("ReadQueue.clear drops what is queued", async () => {
  const { queue } = recorded();
  queue.push(bytes(1));
  queue.push(bytes(2));
  queue.clear();
  queue.end();
  assert.equal(await queue.read(), null);
});

/** A queue whose pauses and resumes are counted, as a runtime's socket would see them. */
function counted(): { queue: ReadQueue; paused: () => boolean; pauses: () => number } {
  let paused = false;
  let pauses = 0;
  const queue = new ReadQueue({
    pause: () => {
      paused = true;
      pauses++;
    },
    resume: () => paused = false,
  });
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

/** One pull's outcome, once its microtask ran. */
function pulled(queue: ReadQueue): { got: (Uint8Array | null | Error)[]; pull(): void } {
  const got: (Uint8Array | null | Error)[] = [];
  const onChunk = (chunk: Uint8Array | null) => void got.push(chunk);
  const onError = (error: unknown) => void got.push(error as Error);
  return { got, pull: () => queue.pull(onChunk, onError) };
}

test("ReadQueue.pull hands chunks in arrival order, each in a microtask, never inside push() or pull()", async () => {
  const { queue, calls } = recorded();
  const { got, pull } = pulled(queue);
  pull();
  const first = bytes(1);
  queue.push(first);
  assert.deepEqual(got, [], "not inside push()");
  await Promise.resolve();
  assert.equal(got[0], first, "the same chunk, not a copy");
  queue.push(bytes(2));
  queue.push(bytes(3));
  pull();
  assert.equal(got.length, 1, "not inside pull(), with a chunk queued");
  await Promise.resolve();
  pull();
  await Promise.resolve();
  assert.deepEqual(got.slice(1), [bytes(2), bytes(3)]);
  pull();
  queue.hold();
  assert.deepEqual(calls, [], "a pull waits: hold() does not pause");
  queue.end();
  await Promise.resolve();
  assert.deepEqual(got.at(-1), null, "the end, after every chunk");
});

test("ReadQueue.pull gives the error input ended with, and resumes a socket held with nothing queued", async () => {
  const { queue, calls } = recorded();
  const { got, pull } = pulled(queue);
  queue.hold();
  assert.deepEqual(calls, ["pause"]);
  pull();
  assert.deepEqual(calls, ["pause", "resume"], "the kit asks again");
  const reset = new Error("reset");
  queue.end(reset);
  await Promise.resolve();
  assert.deepEqual(got, [reset]);
  pull();
  await Promise.resolve();
  assert.deepEqual(got, [reset, reset], "and again at every later pull");
});
