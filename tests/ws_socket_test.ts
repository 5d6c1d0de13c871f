/**
 * WsSocket, the WebSocket as a RawSocket, on its own: messages in with a
 * header in front, the outbox's bytes out as one message per frame wherever
 * the writes cut them, the runtime's back-pressure, the close codes. The peer
 * records what the runtime would have been asked to do.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type WsPeer, type WsShared, WsSocket } from "../src/transport/ws_socket.ts";
import { encodeFrame } from "../mod.ts";
import { test } from "./_harness.ts";

function peerLog(room = true) {
  const sent: Uint8Array[] = [];
  const closes: Array<[number, string]> = [];
  let terminated = 0;
  const peer: WsPeer = {
    send: (message) => {
      sent.push(message.slice());
      return room;
    },
    close: (code, reason) => void closes.push([code, reason]),
    terminate: () => void terminated++,
  };
  return { peer, sent, closes, terminated: () => terminated };
}

const addr = { hostname: "127.0.0.1", port: 1 };
const shared = (packet: 1 | 2 | 4 = 4, maxFrameSize = 1024): WsShared => ({
  packet,
  maxFrameSize,
  readAheadLimit: 4096,
  goingAway: false,
  open: new Set(),
});

test("WsSocket reads one message as one chunk, its length header in front", async () => {
  const socket = new WsSocket(peerLog().peer, shared(2), addr, addr);
  socket.onMessage(new Uint8Array([7, 8, 9]));
  socket.onMessage(new Uint8Array(0));
  assert.deepEqual(await socket.read(), new Uint8Array([0, 3, 7, 8, 9]));
  assert.deepEqual(await socket.read(), new Uint8Array([0, 0]));
  socket.onGone();
  assert.equal(await socket.read(), null);
});

test("WsSocket sends one message per frame, wherever the writes cut the frames", async () => {
  const frames = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(300).fill(5), new Uint8Array([9])];
  const bytes = new Uint8Array(frames.reduce((n, f) => n + 4 + f.length, 0));
  let at = 0;
  for (const frame of frames) bytes.set(encodeFrame(frame), (at += 4 + frame.length) - 4 - frame.length);
  for (const cut of [1, 2, 3, 5, 7, 100, bytes.length]) {
    const log = peerLog();
    const socket = new WsSocket(log.peer, shared(), addr, addr);
    for (let from = 0; from < bytes.length; from += cut) await socket.write(bytes.subarray(from, from + cut));
    assert.deepEqual(log.sent, frames, `writes of ${cut} bytes`);
  }
});

test("WsSocket: a write waits while the runtime holds too much, until its drain", async () => {
  const log = peerLog(false);
  const socket = new WsSocket(log.peer, shared(), addr, addr);
  let settled = false;
  const write = socket.write(encodeFrame(new Uint8Array([1]))).then(() => settled = true);
  await Promise.resolve();
  assert.equal(settled, false);
  socket.onDrain();
  await write;
  assert.equal(settled, true);
});

test("WsSocket closes with 1009 over maxFrameSize, 1003 for text, 1001 once going away, 1000 otherwise", async () => {
  const cases: Array<[string, (socket: WsSocket, shared: WsShared) => void, number, string | undefined]> = [
    ["oversize", (socket) => socket.onMessage(new Uint8Array(2000)), 1009, "frame-too-large"],
    ["text", (socket) => socket.onText(), 1003, "unsupported-data"],
    [
      "shutdown",
      (socket, s) => {
        s.goingAway = true;
        socket.close();
      },
      1001,
      undefined,
    ],
    ["close", (socket) => socket.close(), 1000, undefined],
  ];
  for (const [name, act, code, reason] of cases) {
    const log = peerLog();
    const s = shared();
    const socket = new WsSocket(log.peer, s, addr, addr);
    act(socket, s);
    assert.equal(log.closes[0]?.[0], code, name);
    if (reason === undefined) assert.equal(await socket.read(), null, name);
    else await assert.rejects(socket.read(), { code: reason }, name);
  }
});

test("WsSocket ends a connection whose unread messages pass readAheadLimit where reads cannot pause (1008)", async () => {
  const log = peerLog();
  const socket = new WsSocket(log.peer, shared(), addr, addr);
  for (let i = 0; i < 5; i++) socket.onMessage(new Uint8Array(1000));
  assert.deepEqual(log.closes.map(([code]) => code), [1008]);
  await assert.rejects(socket.read(), { code: "rate-limit" });
});

test("WsSocket: a close with a write pending drops the connection rather than queue a close frame behind it", () => {
  const log = peerLog(false);
  const socket = new WsSocket(log.peer, shared(), addr, addr);
  void socket.write(encodeFrame(new Uint8Array([1]))).catch(() => {});
  socket.close();
  assert.equal(log.terminated(), 1);
  assert.equal(log.closes.length, 0);
});

test("WsSocket in stream mode takes a message as bytes, and an empty message as nothing (not a chunk to queue)", async () => {
  const socket = new WsSocket(peerLog().peer, shared(4), addr, addr, "spawnkit.stream");
  // A flood of empty messages carries no byte: none may sit in the read queue, where readAheadLimit counts bytes.
  for (let i = 0; i < 1000; i++) socket.onMessage(new Uint8Array(0));
  socket.onMessage(new Uint8Array([0, 0, 0, 1, 42]));
  assert.deepEqual(await socket.read(), new Uint8Array([0, 0, 0, 1, 42]), "the bytes, no header added");
  socket.onGone();
  assert.equal(await socket.read(), null);
});
