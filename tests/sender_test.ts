import assert from "node:assert/strict";
import * as net from "node:net";
import { encodeFrame, FrameDecoder } from "../mod.ts";
import { framingOf } from "../src/length_prefixed.ts";
import { Outbox } from "../src/outbox.ts";
import { Sender } from "../src/sender.ts";
import type { RawSocket } from "../src/transport/types.ts";
import { test } from "./_harness.ts";
import { startServer, text } from "./_fixtures.ts";

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

function senderOver(socket: RawSocket): Sender {
  const outbox = new Outbox(socket, HIGH / 2);
  return new Sender(outbox, framingOf({ maxFrameSize: MAX_FRAME }), HIGH, HIGH / 2, { processing: true });
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
  const sender = senderOver(socket);
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
    const sender = senderOver(socket);
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
  const sender = senderOver(socket);
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
