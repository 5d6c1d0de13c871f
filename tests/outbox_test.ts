import assert from "node:assert/strict";
import { ConnectionClosedError, encodeFrame } from "../mod.ts";
import { Outbox } from "../src/core/connection/outbox.ts";
import { WaterMarks } from "../src/core/connection/water_marks.ts";
import { test } from "./_harness.ts";
import { concat } from "./_fixtures.ts";
import { ScriptedSocket, settle, socketPair } from "./_memory.ts";

const marks = new WaterMarks(100, 10);
const payload = (size: number, seed: number) => new Uint8Array(size).map((_, i) => (i * 31 + seed) & 0xff);

/** Reads `peer` until `length` bytes have come. */
async function readBytes(peer: { read(): Promise<Uint8Array | null> }, length: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let got = 0;
  while (got < length) {
    const chunk = await peer.read();
    assert.ok(chunk !== null, `the end after ${got} of ${length} bytes`);
    parts.push(chunk);
    got += chunk.length;
  }
  return concat(parts);
}

test("Outbox.bytes counts queued and in-flight bytes until the runtime has taken every one", async () => {
  const socket = new ScriptedSocket();
  const outbox = new Outbox(socket, marks);
  outbox.appendFrame(payload(10, 1), 4);
  assert.equal(outbox.bytes, 14);
  outbox.flush();
  assert.equal(socket.writes.length, 1);
  assert.equal(outbox.bytes, 14, "in flight still counts");
  assert.equal(outbox.written, 0);
  outbox.appendFrame(payload(6, 2), 2);
  assert.equal(outbox.bytes, 22, "queued behind the write, counted too");
  assert.equal(outbox.peak, 22);
  socket.completeWrite();
  await settle();
  assert.equal(outbox.written, 14);
  assert.equal(outbox.bytes, 8, "what was queued meanwhile is being written now");
  assert.equal(socket.writes.length, 2);
  socket.completeWrite();
  await settle();
  assert.equal(outbox.bytes, 0);
  assert.equal(outbox.written, 22);
  assert.equal(outbox.peak, 22);
});

test("Outbox keeps one write pending and leaves its buffer alone until it settles; bytes leave in order", async () => {
  const socket = new ScriptedSocket();
  const outbox = new Outbox(socket, new WaterMarks(1 << 20, 0));
  // The second fits the first's buffer: an outbox that reused it while its write is pending would overwrite it.
  const frames = [payload(300, 1), payload(10, 2), payload(5000, 3), payload(70_000, 4)];
  outbox.appendFrame(frames[0]!, 4);
  outbox.flush();
  // Appended while the first write is pending: it must not reuse the buffer that write reads.
  outbox.appendFrame(frames[1]!, 4);
  outbox.flush();
  outbox.appendFrame(frames[2]!, 4);
  assert.equal(socket.writes.length, 1, "no second write while one is pending");
  socket.completeWrite(); // throws if the pending buffer was changed
  await settle();
  outbox.appendFrame(frames[3]!, 4); // into the spare buffer while the second write is pending
  socket.completeWrite();
  await settle();
  socket.completeWrite();
  await settle();
  assert.equal(socket.writePending, false);
  assert.deepEqual(concat(socket.writes), concat(frames.map((frame) => encodeFrame(frame))));
});

test("Outbox over a memory pair: frames appended during a slow write arrive whole and in order", async () => {
  const { client, server } = await socketPair({ bufferSize: 7 });
  const outbox = new Outbox(server, new WaterMarks(1 << 20, 0));
  const frames = Array.from({ length: 50 }, (_, i) => payload((i * 13) % 40, i));
  const wire = concat(frames.map((frame) => encodeFrame(frame, { packet: 2 })));
  const received = readBytes(client, wire.length); // 7 bytes at a time, as room allows
  for (const [i, frame] of frames.entries()) {
    outbox.appendFrame(frame, 2);
    outbox.flush();
    if (i % 3 === 0) await Promise.resolve(); // part of a write goes out; the rest is pending
  }
  assert.deepEqual(await received, wire);
  await settle();
  assert.equal(outbox.failed, false, "never a second pending write: the memory socket refuses one");
  assert.equal(outbox.bytes, 0);
  assert.equal(outbox.written, wire.length);
});

test("Outbox.flush offers tryWrite first: all taken, no write() and nothing in flight", () => {
  const socket = new ScriptedSocket();
  socket.acceptSynchronously(Infinity);
  const outbox = new Outbox(socket, marks);
  outbox.appendFrame(payload(20, 1), 4);
  outbox.flush();
  assert.equal(socket.writePending, false);
  assert.equal(outbox.bytes, 0, "taken synchronously");
  assert.equal(outbox.written, 24);
  outbox.appendFrame(payload(3, 2), 4); // the same buffer, free again at once
  outbox.flush();
  assert.deepEqual(concat(socket.writes), concat([encodeFrame(payload(20, 1)), encodeFrame(payload(3, 2))]));
});

test("Outbox.flush: what tryWrite does not take goes to write(), the rest of the same bytes", async () => {
  const socket = new ScriptedSocket();
  socket.acceptSynchronously(5);
  const outbox = new Outbox(socket, marks);
  const frame = payload(20, 1);
  outbox.appendFrame(frame, 4);
  outbox.flush();
  assert.equal(socket.writePending, true);
  assert.equal(outbox.bytes, 24, "in flight until the write settles");
  socket.completeWrite();
  await settle();
  assert.equal(outbox.written, 24);
  assert.deepEqual(socket.writes.map((w) => w.length), [5, 19]);
  assert.deepEqual(concat(socket.writes), encodeFrame(frame));
});

test("Outbox.whenRoom settles at the low-water mark, not before; drain once every byte is taken", async () => {
  const socket = new ScriptedSocket();
  const outbox = new Outbox(socket, new WaterMarks(100, 10));
  outbox.appendFrame(payload(16, 1), 4); // 20, written
  outbox.flush();
  outbox.appendFrame(payload(7, 2), 4); // 11, queued
  let room = false;
  let drained = false;
  void outbox.whenRoom().then(() => room = true);
  void outbox.drain().then(() => drained = true);
  socket.completeWrite();
  await settle();
  assert.equal(outbox.bytes, 11);
  assert.equal(room, false, "11 bytes are above the low mark of 10");
  socket.completeWrite();
  await settle();
  assert.equal(room, true);
  assert.equal(drained, true);
  assert.equal(await outbox.whenRoom().then(() => "at once"), "at once", "an empty outbox has room");
});

test("Outbox.whenRoom: an outbox down to exactly the low-water mark has room", async () => {
  const socket = new ScriptedSocket();
  const outbox = new Outbox(socket, new WaterMarks(100, 11));
  outbox.appendFrame(payload(16, 1), 4);
  outbox.flush();
  outbox.appendFrame(payload(7, 2), 4); // 11 queued
  let room = false;
  void outbox.whenRoom().then(() => room = true);
  socket.completeWrite();
  await settle();
  assert.equal(room, true);
});

test("Outbox.fail rejects waiters and later waits, drops what is queued, and makes its error only when met", async () => {
  const socket = new ScriptedSocket();
  const outbox = new Outbox(socket, marks);
  let made = 0;
  const error = () => {
    made++;
    return new ConnectionClosedError("shutdown");
  };
  outbox.appendFrame(payload(200, 1), 4);
  outbox.fail(error);
  assert.equal(made, 0, "nobody waited: no error made, no stack trace taken");
  assert.equal(outbox.failed, true);
  assert.equal(outbox.bytes, 0, "what was queued is dropped");
  outbox.flush();
  assert.equal(socket.writes.length, 0, "nothing is written after a failure");
  await assert.rejects(outbox.drain(), { name: "ConnectionClosedError", reason: "shutdown" });
  await assert.rejects(outbox.whenRoom(), ConnectionClosedError);
  assert.equal(made, 1, "made once, then kept");

  const waited = new Outbox(new ScriptedSocket(), marks);
  waited.appendFrame(payload(200, 1), 4);
  const waiting = waited.drain();
  waited.fail(new ConnectionClosedError("closed"));
  await assert.rejects(waiting, { reason: "closed" });
});

test("Outbox: a failed write fails the outbox with socket-error and ends the input once", async () => {
  const socket = new ScriptedSocket();
  const outbox = new Outbox(socket, marks);
  const ended: unknown[][] = [];
  outbox.input = { end: (reason, error) => void ended.push([reason, error]) };
  const reset = Object.assign(new Error("reset"), { code: "ECONNRESET" });
  outbox.appendFrame(payload(10, 1), 4);
  const drained = outbox.drain();
  socket.completeWrite(reset);
  await assert.rejects(drained, (error: unknown) => {
    assert.ok(error instanceof ConnectionClosedError);
    assert.equal(error.reason, "socket-error");
    assert.equal(error.cause, reset);
    return true;
  });
  assert.deepEqual(ended, [["socket-error", reset]]);
  assert.equal(outbox.failed, true);
  assert.equal(outbox.written, 0, "nothing counted as written");
});
