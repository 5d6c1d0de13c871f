import assert from "node:assert/strict";
import * as net from "node:net";
import { ConnectionClosedError, encodeFrame, FrameDecoder, FrameTooLargeError } from "../mod.ts";
import type { Connection } from "../src/core/connection/connection.ts";
import { FramedConnection } from "../src/core/connection/framed_connection.ts";
import { Outbox } from "../src/core/connection/outbox.ts";
import { Sender } from "../src/core/connection/sender.ts";
import { WaterMarks, waterMarksOf } from "../src/core/connection/water_marks.ts";
import { framingOf } from "../src/core/framing/length_prefixed.ts";
import type { RawSocket } from "../src/transport/types.ts";
import { test } from "./_harness.ts";
import { concat, readToEnd, startServer, text } from "./_fixtures.ts";
import { ScriptedSocket, settingsOf, settle, socketPair } from "./_memory.ts";

const payload = (size: number, seed: number) => new Uint8Array(size).fill(seed);
const open = () => {};

/** A sender over `socket` with marks `high`/`low`; `input.processing` says whether an event is being handled. */
function senderOver(socket: RawSocket, high: number, low: number, processing = false) {
  const marks = new WaterMarks(high, low);
  const outbox = new Outbox(socket, marks);
  const input = { processing };
  return { sender: new Sender(outbox, framingOf(), marks, input), outbox, input };
}

test("Sender keeps the outbox under the high-water mark while the peer reads nothing, and sends it all once it reads", async () => {
  const { client, server } = await socketPair({ bufferSize: 256 });
  const { sender, outbox } = senderOver(server, 1000, 500);
  const frame = payload(96, 7);
  let sent = 0;
  const sending = (async () => {
    for (; sent < 100; sent++) await sender.send(frame, open);
  })();
  await settle();
  assert.ok(sent < 100, `send() waits (${sent} of 100 sent)`);
  assert.ok(outbox.bytes <= 1000 && outbox.bytes > 1000 - 100, `the outbox is full up to the mark: ${outbox.bytes}`);
  const reading = readToEnd(client);
  await sending;
  await outbox.drain();
  server.close();
  assert.equal((await reading).length, 100 * 100);
  assert.ok(outbox.peak <= 1000, `peak ${outbox.peak}`);
  assert.equal(sender.framesOut, 100);
});

test("Sender: a frame larger than the mark waits for an empty outbox and goes alone", async () => {
  const socket = new ScriptedSocket();
  const { sender, outbox } = senderOver(socket, 100, 50);
  await sender.send(payload(10, 1), open);
  await settle(); // flushed: the small frame's write is pending
  let bigQueued = false;
  const big = sender.send(payload(500, 2), open).then(() => bigQueued = true);
  await settle();
  assert.equal(bigQueued, false, "not while the small frame is in flight");
  socket.completeWrite();
  await big;
  assert.equal(outbox.bytes, 504, "alone in the outbox");
  assert.equal(outbox.peak, 504);
  socket.completeWrite();
  await settle();
  assert.deepEqual(socket.writes.map((w) => w.length), [14, 504]);
});

test("Sender: a send that waited keeps its place; later sends queue behind it even when they would fit", async () => {
  const socket = new ScriptedSocket();
  const { sender } = senderOver(socket, 100, 50);
  const order: string[] = [];
  await sender.send(payload(60, 1), open); // 64 bytes, flushed at the end of this microtask run
  const b = sender.send(payload(40, 2), open).then(() => order.push("b")); // 64 + 44 > 100: waits
  const c = sender.send(payload(1, 3), open).then(() => order.push("c")); // 64 + 5 would fit: behind b
  await settle();
  assert.deepEqual(order, []);
  socket.completeWrite();
  await Promise.all([b, c]);
  assert.deepEqual(order, ["b", "c"]);
  await settle();
  socket.completeWrite();
  await settle();
  assert.deepEqual(
    concat(socket.writes),
    concat([1, 2, 3].map((seed, i) => encodeFrame(payload([60, 40, 1][i]!, seed)))),
  );
});

test("Sender: sends made while no event is handled go out together at the end of the microtask run", async () => {
  const socket = new ScriptedSocket();
  const { sender } = senderOver(socket, 1000, 500, false);
  void sender.send(payload(3, 1), open);
  void sender.send(payload(3, 2), open);
  assert.equal(socket.writes.length, 0, "not written synchronously");
  await Promise.resolve();
  assert.equal(socket.writes.length, 1, "written at the end of the run that sent them, as one write");
  assert.deepEqual(socket.writes[0], concat([encodeFrame(payload(3, 1)), encodeFrame(payload(3, 2))]));
});

test("Sender: while an event is handled, sends wait for the loop's flush point, or for room", async () => {
  const socket = new ScriptedSocket();
  const { sender, outbox, input } = senderOver(socket, 100, 50, true);
  await sender.send(payload(10, 1), open);
  await settle();
  assert.equal(socket.writes.length, 0, "no timer and no microtask flush: the loop flushes when it waits");
  const waiting = sender.send(payload(90, 2), open); // 14 + 94 would pass the mark
  await settle();
  assert.equal(socket.writes.length, 1, "a send that must wait for room flushes what is queued");
  assert.equal(socket.writes[0]!.length, 14);
  socket.completeWrite();
  await waiting;
  await settle();
  assert.equal(outbox.bytes, 94);
  assert.equal(socket.writes.length, 1, "queued, under the mark: waits for the flush point again");
  input.processing = false;
  outbox.flush(); // the loop's flush point
  assert.equal(socket.writes.length, 2);
});

test("Sender: reaching the high-water mark flushes at once, even while an event is handled", () => {
  const socket = new ScriptedSocket();
  const { sender } = senderOver(socket, 100, 50, true);
  void sender.send(payload(96, 1), open); // exactly 100 bytes
  assert.equal(socket.writes.length, 1, "flushed synchronously at the mark");
});

test("Sender.send refuses a payload over the limit with FrameTooLargeError, queueing nothing", () => {
  const socket = new ScriptedSocket();
  const marks = new WaterMarks(100, 50);
  const outbox = new Outbox(socket, marks);
  const sender = new Sender(outbox, framingOf({ maxFrameSize: 10 }), marks, { processing: false });
  assert.throws(() => sender.send(payload(11, 1), open), (error: unknown) => {
    assert.ok(error instanceof FrameTooLargeError);
    assert.equal(error.length, 11);
    assert.equal(error.limit, 10);
    return true;
  });
  const small = new Sender(outbox, framingOf({ packet: 1, maxFrameSize: 1000 }), marks, { processing: false });
  assert.throws(() => small.send(payload(256, 1), open), FrameTooLargeError, "over what a 1-byte header can say");
  assert.equal(outbox.bytes, 0);
  assert.equal(sender.framesOut + small.framesOut, 0);
});

test("Sender: a waiting send checks again before it queues, and queues nothing once the connection closed", async () => {
  const socket = new ScriptedSocket();
  const { sender, outbox } = senderOver(socket, 100, 50);
  await sender.send(payload(90, 1), open);
  let closed = false;
  const check = () => {
    if (closed) throw new ConnectionClosedError("closed");
  };
  const waiting = assert.rejects(sender.send(payload(50, 2), check), ConnectionClosedError);
  await settle();
  closed = true;
  socket.completeWrite();
  await waiting;
  assert.equal(outbox.bytes, 0, "the refused frame was not queued");
  assert.equal(sender.framesOut, 1);
});

test("Sender.deliverEncoded queues a broadcast under the mark and counts a drop over it", async () => {
  const socket = new ScriptedSocket();
  const { sender } = senderOver(socket, 100, 50);
  assert.equal(sender.deliverEncoded(new Uint8Array(60)), "queued");
  assert.equal(sender.deliverEncoded(new Uint8Array(41)), "full", "60 + 41 > 100");
  assert.equal(sender.deliverEncoded(new Uint8Array(40)), "queued", "60 + 40 = 100 fits");
  assert.deepEqual([sender.framesOut, sender.framesDropped], [2, 1]);
  await settle();
  socket.completeWrite();
  await settle();
  assert.equal(sender.deliverEncoded(new Uint8Array(500)), "queued", "an empty outbox takes any frame");
});

// Large frames written from the caller's buffer, and reads held while a send waits.

/** The socket side of the kit's seam, whose writes settle when the test says. */
class HeldSocket implements RawSocket {
  readonly localAddr = { hostname: "127.0.0.1", port: 1 };
  readonly remoteAddr = { hostname: "127.0.0.1", port: 2 };
  readonly writes: Uint8Array[] = [];
  readonly #settles: Array<() => void> = [];
  holds = 0;
  read(): Promise<Uint8Array | null> {
    return new Promise(() => {});
  }
  write(data: Uint8Array): Promise<void> {
    this.writes.push(data);
    return new Promise((resolve) => this.#settles.push(resolve));
  }
  holdReads(): void {
    this.holds++;
  }
  close(): void {}
  /** Settles the oldest pending write. */
  settle(): void {
    this.#settles.shift()!();
  }
}

const HIGH = 1024;
const MAX_FRAME = 8192;

function largeFrameSender(socket: RawSocket): Sender {
  const marks = new WaterMarks(HIGH, HIGH / 2);
  const outbox = new Outbox(socket, marks);
  return new Sender(outbox, framingOf({ maxFrameSize: MAX_FRAME }), marks, { processing: true });
}

/** True once `promise` has settled, after the microtasks queued now have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(() => done = true, () => done = true);
  await new Promise((resolve) => setTimeout(resolve, 0));
  return done;
}

test("Sender writes a frame over the high-water mark and half maxFrameSize from the caller's buffer, settling once written", async () => {
  const socket = new HeldSocket();
  const sender = largeFrameSender(socket);
  const payload = new Uint8Array(MAX_FRAME / 2 + 1).fill(7);
  const sent = sender.send(payload, () => {});
  assert.equal(await settled(sent), false, "the write is pending: the send waits for it");
  socket.settle(); // the header
  await settled(sent);
  assert.equal(socket.writes.length, 2);
  assert.deepEqual(socket.writes[0], new Uint8Array([0, 0, 16, 1]));
  // Not a copy: the very bytes the caller handed over.
  assert.equal(socket.writes[1]!.buffer, payload.buffer);
  assert.equal(socket.writes[1]!.length, payload.length);
  assert.equal(sender.outbox.bytes, 4 + payload.length, "counted under the high-water mark while in flight");
  socket.settle();
  assert.equal(await settled(sent), true);
  assert.equal(sender.outbox.bytes, 0);
  assert.equal(sender.outbox.written, 4 + payload.length);
});

test("Sender copies a frame under the high-water mark, or up to half maxFrameSize, and settles at once", async () => {
  for (const size of [100, MAX_FRAME / 2 - 4]) {
    const socket = new HeldSocket();
    const sender = largeFrameSender(socket);
    const payload = new Uint8Array(size).fill(3);
    const sent = sender.send(payload, () => {});
    assert.equal(await settled(sent), true, `${size} bytes`);
    sender.outbox.flush();
    assert.equal(socket.writes.length, 1);
    assert.notEqual(socket.writes[0]!.buffer, payload.buffer);
    assert.deepEqual(socket.writes[0], encodeFrame(payload, { maxFrameSize: MAX_FRAME }));
  }
});

test("Sender holds the socket's reads while a send waits for the peer", async () => {
  const socket = new HeldSocket();
  const sender = largeFrameSender(socket);
  assert.equal(await settled(sender.send(new Uint8Array(600), () => {})), true);
  assert.equal(socket.holds, 0, "a send that fits holds nothing");
  // Over the mark: it waits, the outbox is flushed, and the write stays pending (a peer that does not read).
  const waiting = sender.send(new Uint8Array(600), () => {});
  assert.equal(socket.holds, 1);
  assert.equal(await settled(waiting), false);
  assert.equal(socket.writes.length, 1);
  socket.settle();
  assert.equal(await settled(waiting), true);
});

test("Sender keeps the order of frames over and under the high-water mark sent without waiting", async () => {
  const sizes = [10, 300_000, 20, 70_000, 70_000, 5, 0, 200_000, 64_000, 1];
  const payloads = sizes.map((size, i) => new Uint8Array(size).fill(i + 1));
  const { server } = await startServer(async (conn) => {
    for await (const _ of conn) {
      await Promise.all(payloads.map((p) => conn.send(p)));
      await conn.flush();
    }
  }, { maxFrameSize: 300_000 });
  const frames = await new Promise<Uint8Array[]>((resolve, reject) => {
    const decoder = new FrameDecoder({ maxFrameSize: 300_000 });
    const got: Uint8Array[] = [];
    const socket = net.connect({ host: "127.0.0.1", port: server.addr.port }, () => {
      socket.write(encodeFrame(text("go")));
    });
    socket.on("data", (chunk: Uint8Array) => {
      decoder.decode(new Uint8Array(chunk), got);
      if (got.length === payloads.length) {
        socket.destroy();
        resolve(got);
      }
    });
    socket.on("error", reject);
  });
  await server.shutdown();
  assert.deepEqual(frames.map((f) => f.length), sizes);
  frames.forEach((frame, i) => assert.ok(frame.every((b) => b === i + 1), `frame ${i}`));
});

/** A ScriptedSocket that also keeps the arrays it was asked to write (not only copies of them). */
class ReferenceSocket extends ScriptedSocket {
  readonly given: Uint8Array[] = [];
  override write(data: Uint8Array): Promise<void> {
    this.given.push(data);
    return super.write(data);
  }
}

/** A connection whose handler answers each frame with `answer`, over a ReferenceSocket. */
async function answering(answer: (conn: Connection, frame: Uint8Array) => Promise<void>, high = 65_536) {
  const socket = new ReferenceSocket();
  const conn = new FramedConnection(socket, settingsOf({ waterMarks: waterMarksOf({ highWaterMark: high }) }), 1);
  void conn.run(async (c: Connection) => {
    for await (const frames of c.batches()) for (const frame of frames) await answer(c, frame);
  }, undefined);
  await settle();
  // The first read: frames are kept for sendOwned from its first call on, so these are copied.
  socket.deliver(encodeFrame(text("first")));
  await settle();
  socket.completeWrite();
  await settle();
  return { socket, conn };
}

test("Sender.sendOwned: an echo of a whole read is written from the read buffer itself, as the bytes came", async () => {
  const { socket, conn } = await answering((c, frame) => c.sendOwned(frame));
  const read = new Uint8Array(200);
  const frames = concat(["a", "bb", "ccc"].map((s) => encodeFrame(text(s))));
  read.set(frames, 10);
  const chunk = read.subarray(10, 10 + frames.length);
  socket.deliver(chunk);
  await settle();
  const written = socket.given.at(-1)!;
  assert.equal(written.buffer, read.buffer, "no copy: the read's own memory");
  assert.equal(written.byteOffset, chunk.byteOffset);
  assert.equal(written.length, chunk.length);
  socket.completeWrite(); // fails if the kit changed those bytes meanwhile
  assert.equal(conn.stats.framesOut, 4);
  socket.deliver(null);
  await conn.finished;
});

test("Sender.sendOwned: owned runs and copies between them go out in order, in one write; others are copied", async () => {
  const { socket, conn } = await answering(async (c, frame) => {
    await c.sendOwned(frame);
    await c.sendOwned(text(`re:${frame.length}`)); // not a frame the kit read: copied, as send()
  });
  const chunk = concat(["a", "bb"].map((s) => encodeFrame(text(s))));
  socket.deliver(chunk);
  await settle();
  assert.equal(socket.writes.length, 2, "one write for the read");
  assert.deepEqual(socket.writes[1], concat(["a", "re:1", "bb", "re:2"].map((s) => encodeFrame(text(s)))));
  socket.completeWrite();
  await assert.rejects(conn.sendOwned(new Uint8Array(70_000_000)), FrameTooLargeError);
  socket.deliver(null);
  await conn.finished;
});

test("Sender.sendOwned: a frame over the high-water mark goes alone, from the read buffer, header and all", async () => {
  const { socket, conn } = await answering((c, frame) => c.sendOwned(frame), 100);
  const chunk = encodeFrame(new Uint8Array(500).fill(9));
  socket.deliver(chunk);
  await settle();
  const written = socket.given.at(-1)!;
  assert.equal(written.buffer, chunk.buffer);
  assert.equal(written.length, 504);
  assert.equal(conn.stats.outboxPeak, 504);
  socket.completeWrite();
  socket.deliver(null);
  await conn.finished;
});
