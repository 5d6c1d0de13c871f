import assert from "node:assert/strict";
import { type CallbackHandler, encodeFrame, serve, silentLogger } from "../mod.ts";
import type { CallbackSource } from "../src/core/connection/callbacks.ts";
import { checkCallbacks } from "../src/core/connection/callbacks.ts";
import type { Connection } from "../src/core/connection/connection.ts";
import { FramedConnection } from "../src/core/connection/framed_connection.ts";
import { rateLimitsOf } from "../src/core/connection/rate_limit.ts";
import { waterMarksOf } from "../src/core/connection/water_marks.ts";
import type { Server } from "../src/core/server/server.ts";
import { test } from "./_harness.ts";
import { client, concat, decoder, text } from "./_fixtures.ts";
import { ScriptedSocket, settingsOf, settle } from "./_memory.ts";
import { type Running, runShape, type Shape, SHAPES } from "./_shapes.ts";

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** What a test compares between shapes after each step: the socket's reads and writes, and the kit's counters. */
function snapshot({ conn, socket }: Running) {
  const stats = conn.stats;
  return {
    reads: socket.reads,
    writes: socket.writes.map(hex),
    bytesIn: stats.bytesIn,
    framesIn: stats.framesIn,
    framesOut: stats.framesOut,
    messagesIn: stats.messagesIn,
    outboxPeak: stats.outboxPeak,
    closeReason: stats.closeReason,
  };
}

type Snapshot = ReturnType<typeof snapshot>;

/** Runs `script` on every shape and asserts that each one's snapshots equal the `for await` loop's. */
async function sameForEveryShape(
  script: (running: Running) => Promise<Snapshot[]>,
  settings: Parameters<typeof runShape>[1] = {},
): Promise<Snapshot[]> {
  const [loop, ...others] = SHAPES as [Shape, ...Shape[]];
  const expected = await script(runShape(loop, settings));
  for (const shape of others) {
    assert.deepEqual(await script(runShape(shape, settings)), expected, `${shape.name} as the for await loop`);
  }
  return expected;
}

/** `bytes` cut at `cuts`, the pieces laid one after another in one buffer (as a socket reading into its rest). */
function adjacentChunks(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const buffer = new Uint8Array(bytes.length + 16);
  buffer.set(bytes, 8);
  const ends = [...cuts, bytes.length];
  let from = 0;
  return ends.map((to) => {
    const chunk = buffer.subarray(8 + from, 8 + to);
    from = to;
    return chunk;
  });
}

/** Completes writes until none is pending after the microtasks settle (bounded). */
async function completeWrites(socket: ScriptedSocket): Promise<void> {
  for (let i = 0; i < 50; i++) {
    await settle();
    if (!socket.writePending) return;
    socket.completeWrite();
  }
  throw new Error("Cannot complete writes: still writing after 50");
}

test("CallbackHandler and batches answer the same frames in the same writes as the loop, a message first, split frames too", async () => {
  const frames = ["a", "bb", "ccc", "dddd", "eeeee", "f".repeat(300)].map((s) => encodeFrame(text(s)));
  const first = concat(frames.slice(0, 3));
  const rest = concat(frames.slice(3));
  const expected = await sameForEveryShape(async (running) => {
    const { conn, socket } = running;
    const steps: Snapshot[] = [];
    await settle();
    steps.push(snapshot(running));
    // A message posted while the handler waits for input is handled at once, before the frames that come next.
    assert.equal(conn.deliver("m1"), true);
    await completeWrites(socket);
    steps.push(snapshot(running));
    // Three frames and two bytes of the next one's header, in a buffer of its own.
    socket.deliver(concat([first, rest.subarray(0, 2)]));
    await completeWrites(socket);
    steps.push(snapshot(running));
    // The rest in two chunks, adjacent in one buffer: the 300-byte frame spans them.
    const [second, third] = adjacentChunks(rest.subarray(2), [rest.length - 2 - 100]);
    socket.deliver(second!);
    await completeWrites(socket);
    steps.push(snapshot(running));
    socket.deliver(third!);
    await completeWrites(socket);
    steps.push(snapshot(running));
    socket.deliver(null);
    await completeWrites(socket);
    await conn.finished;
    steps.push(snapshot(running));
    return steps;
  });
  const last = expected.at(-1)!;
  assert.equal(last.framesIn, 6);
  assert.equal(last.framesOut, 7);
  assert.equal(last.closeReason, "peer-closed");
  assert.deepEqual(expected[1]!.writes, [hex(encodeFrame(text("msg:m1")))], "the message's answer");
  assert.deepEqual(expected[2]!.writes.slice(1), [hex(first)], "the first read's three echoes in one write");
  assert.equal(last.writes.join(""), hex(concat([encodeFrame(text("msg:m1")), ...frames])), "every byte, in order");
});

test("CallbackHandler and batches read nothing more while the handler does not ask, as the loop", async () => {
  const chunk = concat(["a", "hold", "b"].map((s) => encodeFrame(text(s))));
  const expected = await sameForEveryShape(async (running) => {
    const { conn, socket, gate, flush } = running;
    const steps: Snapshot[] = [];
    gate.close();
    await settle();
    socket.deliver(chunk);
    // The handler waits at "hold": its earlier reply goes out with the deferred flush of this turn.
    const runs = flush.runs;
    for (let i = 0; i < 50 && flush.runs === runs; i++) await settle();
    await settle();
    assert.equal(gate.arrived, 1);
    assert.ok(flush.runs > runs, "the deferred flush ran");
    assert.equal(socket.readPending, false, "no read while the handler is busy");
    // A message posted meanwhile comes after the frames already read.
    conn.deliver("m2");
    await settle();
    steps.push(snapshot(running));
    gate.open();
    await completeWrites(socket);
    steps.push(snapshot(running));
    assert.equal(socket.readPending, true, "it reads again once it asks");
    conn.abort(new Error("done"));
    socket.deliver(null);
    await completeWrites(socket);
    await conn.finished;
    return steps;
  });
  assert.equal(expected[0]!.reads, 1, "one read: the handler asked for nothing more");
  assert.equal(expected[0]!.bytesIn, chunk.length);
  assert.deepEqual(expected[0]!.writes, [hex(encodeFrame(text("a")))], "the reply before the slow work went out");
  assert.equal(expected[1]!.reads, 2);
  assert.equal(
    expected[1]!.writes.join(""),
    hex(concat(["a", "held", "b", "msg:m2"].map((s) => encodeFrame(text(s))))),
  );
});

test("CallbackHandler and batches keep the outbox under the high-water mark and read nothing while a send waits", async () => {
  const chunk = concat(Array.from({ length: 6 }, (_, i) => encodeFrame(new Uint8Array(40).fill(i + 1))));
  const expected = await sameForEveryShape(async (running) => {
    const { conn, socket } = running;
    const steps: Snapshot[] = [];
    await settle();
    socket.deliver(chunk);
    for (let i = 0; i < 20 && conn.stats.framesOut < 6; i++) {
      await settle();
      steps.push(snapshot(running));
      if (conn.stats.framesOut < 6) {
        assert.equal(socket.reads, 1, `${running.shape.name}: no read while a send waits for room (step ${i})`);
      }
      if (socket.writePending) socket.completeWrite();
    }
    await completeWrites(socket);
    steps.push(snapshot(running));
    conn.abort(new Error("done"));
    socket.deliver(null);
    await conn.finished;
    return steps;
  }, { waterMarks: waterMarksOf({ highWaterMark: 100 }) });
  assert.ok(expected[0]!.framesOut < 6, "sends waited for room");
  const last = expected.at(-1)!;
  assert.equal(last.framesOut, 6);
  assert.ok(last.outboxPeak <= 100, `peak ${last.outboxPeak}`);
  assert.equal(last.writes.join(""), hex(chunk));
  assert.equal(last.reads, 2);
});

test("CallbackHandler and batches pause reading over the rate limit and go on when it refills, as the loop", async () => {
  const chunk = concat(Array.from({ length: 5 }, (_, i) => encodeFrame(text(`f${i}`))));
  const expected = await sameForEveryShape(async (running) => {
    const { conn, socket } = running;
    const steps: Snapshot[] = [];
    await settle();
    socket.deliver(chunk);
    await completeWrites(socket);
    steps.push(snapshot(running));
    for (let tick = 0; tick < 3; tick++) {
      conn.tick(1);
      await completeWrites(socket);
      steps.push(snapshot(running));
    }
    conn.abort(new Error("done"));
    if (socket.readPending) socket.deliver(null);
    await conn.finished;
    return steps;
  }, { rateLimits: rateLimitsOf({ maxFramesPerSecond: 3, rateLimitPolicy: "pause" }) });
  assert.equal(expected[0]!.framesOut, 3, "the budget's frames of the read are handled, the rest kept undecoded");
  assert.equal(expected[0]!.reads, 1, "then nothing is read while the budget is spent");
  assert.equal(expected[1]!.framesOut, 5, "a tick's refill decodes the bytes kept");
  assert.equal(expected.at(-1)!.reads, 2, "the refilled budget lets it read again");
});

test("CallbackHandler callbacks are looked up on source.current at every event, with the state kept", async () => {
  const socket = new ScriptedSocket();
  const conn = new FramedConnection(socket, settingsOf(), 1);
  let opened = 0;
  const counting: CallbackHandler<{ frames: number }> = {
    open: () => (opened++, { frames: 0 }),
    frame: (c, _frame, state) => c.send(text(`v1:${++state.frames}`)),
  };
  const source: CallbackSource = { current: counting };
  conn.runCallbacks(source, undefined as unknown as Server);
  await settle();
  socket.deliver(encodeFrame(text("x")));
  await completeWrites(socket);
  source.current = {
    open: () => (opened++, { frames: 100 }),
    frame: (c: Connection, _frame: Uint8Array, state: { frames: number }) => c.send(text(`v2:${++state.frames}`)),
  };
  socket.deliver(concat([encodeFrame(text("y")), encodeFrame(text("z"))]));
  await completeWrites(socket);
  assert.equal(opened, 1, "open ran once, before the swap");
  assert.deepEqual(
    concat(socket.writes),
    concat(["v1:1", "v2:2", "v2:3"].map((s) => encodeFrame(text(s)))),
    "the next frame found the new callbacks, with the connection's state",
  );
  socket.deliver(null);
  await conn.finished;
});

test("CallbackHandler close runs once after the last frame; a throwing callback ends the connection with handler-error", async () => {
  const closes: number[] = [];
  const handler: CallbackHandler<{ frames: number }> = {
    open: () => ({ frames: 0 }),
    frame(conn, frame, state) {
      state.frames++;
      if (decoder.decode(frame) === "crash") throw new Error("crash requested");
      return conn.send(frame);
    },
    close: (_conn, state) => void closes.push(state.frames),
  };
  await using server = await serve({ port: 0, logger: silentLogger }, handler);
  await using one = await client(server);
  await one.send(text("a"));
  await one.send(text("b"));
  assert.equal(decoder.decode((await one.receive())!), "a");
  assert.equal(decoder.decode((await one.receive())!), "b");
  one.close();
  await using two = await client(server);
  await two.send(text("crash"));
  assert.equal(await two.receive(), undefined, "the server closed it");
  for (let i = 0; i < 50 && (server.stats.closedByReason["handler-error"] ?? 0) === 0; i++) await settle();
  assert.equal(server.stats.closedByReason["handler-error"], 1);
  for (let i = 0; i < 50 && closes.length === 0; i++) await settle();
  assert.deepEqual(closes, [2], "close ran once, for the connection that ended well, with its state");
});

test("CallbackHandler over real sockets echoes frames that span reads, with sendOwned, byte for byte", async () => {
  const handler: CallbackHandler = { frame: (conn, frame) => conn.sendOwned(frame) };
  await using server = await serve({ port: 0, logger: silentLogger, maxFrameSize: 1 << 20 }, handler);
  await using peer = await client(server, { maxFrameSize: 1 << 20 });
  const sizes = [0, 1, 100, 70_000, 5, 300_000, 64];
  const payloads = sizes.map((size, i) => Uint8Array.from({ length: size }, (_, j) => (j * 31 + i) & 255));
  for (const payload of payloads) void peer.send(payload);
  for (const payload of payloads) assert.deepEqual(await peer.receive(), payload);
});

test("checkCallbacks refuses a handler without a frame() function, or with another callback that is no function", () => {
  assert.throws(() => checkCallbacks({} as CallbackHandler), TypeError);
  assert.throws(() => checkCallbacks({ frame() {}, close: 1 } as unknown as CallbackHandler), {
    name: "TypeError",
    message: "Cannot use handler: its close is a number, not a function",
  });
});

test("serve refuses an object handler without a frame() callback with TypeError", async () => {
  await assert.rejects(
    serve({ port: 0, logger: silentLogger }, { frames() {} } as unknown as CallbackHandler),
    TypeError,
  );
});
