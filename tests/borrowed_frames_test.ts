/**
 * Borrowed frames (docs/handlers.md, "Borrowed frames"): frames handed to
 * callbacks and `batches()` are valid until their handling ends, and
 * `debugBorrowedFrames` fills them with 0xDB then; the `for await` loop's
 * frames are the caller's for good. Over real sockets on loopback (each runtime's
 * adapter, read buffers reused where it reads into its own), and over a
 * scripted socket for the shapes' reads, writes and counters.
 */
import assert from "node:assert/strict";
import { type CallbackHandler, type Connection, encodeFrame, FrameDecoder, serve, silentLogger } from "../mod.ts";
import { POISON } from "../src/core/connection/read_loans.ts";
import { test } from "./_harness.ts";
import { client, concat, rawConnect, text } from "./_fixtures.ts";
import { settle } from "./_memory.ts";
import { runShape, SHAPES } from "./_shapes.ts";

const patterned = (size: number, seed: number) => Uint8Array.from({ length: size }, (_, j) => (j * 31 + seed) & 255);
const poisoned = (frame: Uint8Array) => frame.length > 0 && frame.every((byte) => byte === POISON);

/** Sends each payload and waits for its echo before the next, so that each comes in a read of its own. */
async function pingPong(peer: Connection, payloads: Uint8Array[]): Promise<void> {
  for (const payload of payloads) {
    await peer.send(payload);
    assert.deepEqual(await peer.receive(), payload, "the echo, byte for byte");
  }
}

const three = [patterned(100, 1), patterned(200, 2), patterned(300, 3)];

for (const send of ["send", "sendOwned"] as const) {
  test(`debugBorrowedFrames: a frame kept from a callback (${send}) is poisoned, its slice() intact`, async () => {
    const kept: Uint8Array[] = [];
    const copies: Uint8Array[] = [];
    const handler: CallbackHandler = {
      frame(conn, frame) {
        kept.push(frame);
        copies.push(frame.slice());
        return conn[send](frame);
      },
    };
    await using server = await serve({ port: 0, logger: silentLogger, debugBorrowedFrames: true }, handler);
    await using peer = await client(server);
    await pingPong(peer, three);
    // The first frame's lifetime ended when the second read began; its write had settled by the third.
    assert.ok(poisoned(kept[0]!), "the first frame kept past its callback is poisoned");
    assert.ok(poisoned(kept[1]!) || send === "sendOwned", "the second one too, once no write reads it");
    assert.deepEqual(copies, three, "the copies are intact");
  });
}

test("debugBorrowedFrames: a batch kept past the next batch is poisoned, a slice() of it intact", async () => {
  const kept: Uint8Array[] = [];
  const copies: Uint8Array[] = [];
  await using server = await serve({ port: 0, logger: silentLogger, debugBorrowedFrames: true }, async (conn) => {
    for await (const batch of conn.batches()) {
      for (const frame of batch) {
        kept.push(frame);
        copies.push(frame.slice());
        await conn.send(frame);
      }
    }
  });
  await using peer = await client(server);
  await pingPong(peer, three);
  assert.ok(poisoned(kept[0]!) && poisoned(kept[1]!), "frames of earlier batches are poisoned");
  assert.deepEqual(copies, three);
});

test("debugBorrowedFrames: the for await loop's frames are owned, never poisoned", async () => {
  const kept: Uint8Array[] = [];
  await using server = await serve({ port: 0, logger: silentLogger, debugBorrowedFrames: true }, async (conn) => {
    for await (const frame of conn) {
      kept.push(frame);
      await conn.sendOwned(frame);
    }
  });
  await using peer = await client(server);
  await pingPong(peer, three);
  await pingPong(peer, three);
  assert.deepEqual(kept, [...three, ...three], "every frame kept is intact");
});

test("Borrowed frames: callbacks and batches echo frames that span reads and buffers, byte for byte, with the loop's counters", async () => {
  // Sizes around the read buffers' (4 KiB to 256 KiB on Deno): frames kept across reads, moved, and too big to move.
  const sizes = [0, 1, 4000, 5000, 70_000, 3, 131_000, 300_000, 64, 262_000, 9];
  const payloads = sizes.map((size, i) => patterned(size, i));
  const bytes = sizes.reduce((sum, size) => sum + 4 + size, 0);
  const shapes: [string, Parameters<typeof serve>[1]][] = [
    ["callbacks", { frame: (conn, frame) => conn.sendOwned(frame) } satisfies CallbackHandler],
    ["batches", async (conn) => {
      for await (const batch of conn.batches()) for (const frame of batch) await conn.sendOwned(frame);
    }],
    ["loop", async (conn) => {
      for await (const frame of conn) await conn.sendOwned(frame);
    }],
  ];
  for (const debugBorrowedFrames of [false, true]) {
    for (const [name, handler] of shapes) {
      const ended: { framesIn: number; framesOut: number; bytesIn: number; bytesOut: number }[] = [];
      const server = await serve({
        port: 0,
        logger: silentLogger,
        maxFrameSize: 1 << 20,
        debugBorrowedFrames,
        onConnectionEnd: (stats) => void ended.push(stats),
      }, handler);
      const peer = await client(server, { maxFrameSize: 1 << 20 });
      // All at once (frames run into each other in reads), then one at a time.
      for (const payload of payloads) void peer.send(payload);
      for (const payload of payloads) {
        assert.deepEqual(await peer.receive(), payload, `${name}, ${debugBorrowedFrames}`);
      }
      await pingPong(peer, payloads.slice(0, 6));
      await peer.close();
      await server.shutdown();
      const stats = ended[0]!;
      const n = payloads.length + 6;
      const more = payloads.slice(0, 6).reduce((sum, p) => sum + 4 + p.length, 0);
      assert.deepEqual(
        [stats.framesIn, stats.framesOut, stats.bytesIn, stats.bytesOut],
        [n, n, bytes + more, bytes + more],
        `${name} counts every frame and byte (debugBorrowedFrames: ${debugBorrowedFrames})`,
      );
    }
  }
});

test("debugBorrowedFrames: every shape gives the loop's reads, writes and counters over a scripted socket", async () => {
  const frames = ["a", "bb", "ccc", "d".repeat(300)].map((s) => encodeFrame(text(s)));
  const results = [];
  for (const shape of SHAPES) {
    const { conn, socket } = runShape(shape, { debugBorrowedFrames: true });
    await settle();
    socket.deliver(concat(frames.slice(0, 2)));
    for (let i = 0; i < 20 && socket.writePending; i++) {
      await settle();
      socket.completeWrite();
    }
    await settle();
    socket.deliver(concat(frames.slice(2)));
    for (let i = 0; i < 50; i++) {
      await settle();
      if (socket.writePending) socket.completeWrite();
    }
    socket.deliver(null);
    for (let i = 0; i < 50 && socket.writePending; i++) {
      await settle();
      socket.completeWrite();
    }
    const stats = await conn.finished;
    results.push({
      reads: socket.reads,
      writes: concat(socket.writes),
      counters: [stats.framesIn, stats.framesOut, stats.bytesIn, stats.bytesOut, stats.closeReason],
    });
  }
  for (const [i, result] of results.entries()) {
    assert.deepEqual(result, results[0], `${SHAPES[i]!.name} as the for await loop`);
  }
  assert.deepEqual(results[0]!.writes, concat(frames), "every echo intact, in order");
});

test("FrameDecoder.recycle: a frame assembled over two buffers lends its buffer to the next once handled, unless held", () => {
  const decoder = new FrameDecoder();
  const spanning = (seed: number) => {
    const framed = encodeFrame(patterned(1000, seed));
    const out: Uint8Array[] = [];
    decoder.decode(framed.slice(0, 300), out);
    decoder.decode(framed.slice(300), out);
    assert.deepEqual(out, [framed.subarray(4)], "assembled whole");
    return out[0]!;
  };
  const first = spanning(1);
  decoder.recycle({ holds: () => false });
  const second = spanning(2);
  assert.equal(second.buffer, first.buffer, "the next frame assembled in the first one's buffer");
  decoder.recycle({ holds: (bytes) => bytes.buffer === second.buffer });
  const third = spanning(3);
  assert.notEqual(third.buffer, second.buffer, "a buffer a write still reads is not lent again");
  assert.deepEqual(second, patterned(1000, 2), "and stays as it was");
  decoder.recycle({ holds: () => false }, true);
  assert.notEqual(spanning(4).buffer, third.buffer, "trimmed: no buffer kept");
});

test("Borrowed frames: a peer that writes 15 MB before it reads a byte gets every echo intact (no buffer reused under a pending write)", async () => {
  for (const debugBorrowedFrames of [false, true]) {
    const handler: CallbackHandler = { frame: (conn, frame) => conn.sendOwned(frame) };
    await using server = await serve({ port: 0, logger: silentLogger, debugBorrowedFrames }, handler);
    await using peer = await client(server);
    const payloads = Array.from({ length: 320 }, (_, i) => patterned(48_000 + i, i));
    // Not awaited: the peer reads nothing until it has written everything: the kernel's buffers fill, the server's
    // writes wait while it goes on reading, then its sends wait for room.
    const sent = Promise.all(payloads.map((payload) => peer.send(payload)));
    for (const [i, payload] of payloads.entries()) assert.deepEqual(await peer.receive(), payload, `echo ${i}`);
    await sent;
    const stats = [...server.connections()][0]!.stats;
    assert.equal(stats.framesIn, 320);
    assert.ok(stats.outboxPeak > 0);
  }
});

test("Borrowed frames: a peer that announces more than it sends, then closes, ends with truncated-frame; the frames before are echoed intact", async () => {
  let reason: (value: string | undefined) => void = () => {};
  const ended = new Promise<string | undefined>((resolve) => reason = resolve);
  const handler: CallbackHandler = { frame: (conn, frame) => conn.sendOwned(frame) };
  await using server = await serve({
    port: 0,
    logger: silentLogger,
    debugBorrowedFrames: true,
    onConnectionEnd: (stats) => reason(stats.closeReason),
  }, handler);
  const socket = await rawConnect(server);
  const whole = [patterned(10, 1), patterned(5000, 2)].map((p) => encodeFrame(p));
  // Two whole frames, then a header announcing 100 000 bytes and 10 of them.
  await socket.write(concat([...whole, new Uint8Array([0, 1, 0x86, 0xa0]), patterned(10, 3)]));
  const expected = concat(whole);
  const echoed: Uint8Array[] = [];
  let got = 0;
  while (got < expected.length) {
    const chunk = await socket.read();
    assert.ok(chunk !== null, "the echoes come before the end");
    echoed.push(chunk.slice());
    got += chunk.length;
  }
  assert.deepEqual(concat(echoed), expected);
  socket.close();
  assert.equal(await ended, "truncated-frame");
});
