import assert from "node:assert/strict";
import { encodeFrame, GuardError } from "../mod.ts";
import { test } from "./_harness.ts";
import { client, decoder, echoHandler, rawConnect, readToEnd, startServer, take, text, until } from "./_fixtures.ts";

// A fast ticker keeps these tests short; the guards count ticks, not wall time.
const FAST = { tickInterval: 0.05 };

test("idleTimeout closes a connection that completes no frame, and leaves the server working", async () => {
  const { server, ends } = await startServer(echoHandler, { ...FAST, idleTimeout: 0.2 });
  const idle = await client(server);
  await idle.send(text("one"));
  await take(idle, 1);
  assert.deepEqual(await take(idle, 1), [], "the idle connection is closed");
  await until(() => ends.length === 1, "the idle connection to end");
  assert.equal(ends[0]!.closeReason, "idle-timeout");
  assert.ok(ends[0]!.error instanceof GuardError);
  const fresh = await client(server);
  await fresh.send(text("still serving"));
  assert.equal(decoder.decode((await take(fresh, 1))[0]), "still serving");
  fresh.close();
  await server.shutdown();
});

test("idleTimeout closes a peer that sends half a header and stalls (slowloris)", async () => {
  const { server, ends } = await startServer(echoHandler, { ...FAST, idleTimeout: 0.2 });
  const stalled = await rawConnect(server);
  await stalled.write(new Uint8Array([0, 0]));
  await readToEnd(stalled);
  await until(() => ends.length === 1, "the stalled connection to end");
  assert.equal(ends[0]!.closeReason, "idle-timeout");
  assert.equal(ends[0]!.bytesIn, 2);
  await server.shutdown();
});

test("firstFrameTimeout closes a connection that never completes a first frame, and no other", async () => {
  const { server, ends } = await startServer(echoHandler, { ...FAST, firstFrameTimeout: 0.2 });
  const talker = await client(server);
  await talker.send(text("hi"));
  await take(talker, 1);
  const silent = await rawConnect(server);
  await readToEnd(silent);
  await until(() => ends.length === 1, "the silent connection to end");
  assert.equal(ends[0]!.closeReason, "first-frame-timeout");
  assert.equal(server.size, 1, "the connection that sent a frame stays");
  await talker.send(text("after"));
  assert.equal(decoder.decode((await take(talker, 1))[0]), "after");
  talker.close();
  await server.shutdown();
});

test("maxBytesPerSecond closes the connection over it with rate-limit", async () => {
  const { server, ends } = await startServer(echoHandler, { maxBytesPerSecond: 1000 });
  const calm = await client(server);
  const flooder = await client(server);
  for (let i = 0; i < 3; i++) void flooder.send(new Uint8Array(600));
  await take(flooder, 10);
  await until(() => ends.length === 1, "the flooder to end");
  assert.equal(ends[0]!.closeReason, "rate-limit");
  assert.match(String(ends[0]!.error), /over 1000 bytes per second/);
  await calm.send(text("calm"));
  assert.equal(decoder.decode((await take(calm, 1))[0]), "calm");
  calm.close();
  await server.shutdown();
});

test("maxFramesPerSecond closes the connection over it with rate-limit", async () => {
  const { server, ends } = await startServer(echoHandler, { maxFramesPerSecond: 10 });
  const flooder = await client(server);
  for (let i = 0; i < 50; i++) void flooder.send(text(`${i}`));
  await take(flooder, 50);
  await until(() => ends.length === 1, "the flooder to end");
  assert.equal(ends[0]!.closeReason, "rate-limit");
  assert.match(String(ends[0]!.error), /over 10 frames per second/);
  await server.shutdown();
});

test("rateLimitPolicy pause stops reading until the budget refills, and loses nothing", async () => {
  // 20 frames per second refilled by 1 per 0.05 s tick: of a burst of 30, 20 are handled at once and each of the
  // other 10 only after a tick's refill; the handler sees each such tick before the frame it let through.
  const ticksBefore: number[] = [];
  let ticks = 0;
  const { server, ends } = await startServer(async (conn) => {
    for await (const event of conn.events({ ticks: true })) {
      if (event.type === "tick") ticks++;
      else if (event.type === "frame") {
        ticksBefore.push(ticks);
        await conn.send(event.frame);
      }
    }
  }, { ...FAST, maxFramesPerSecond: 20, rateLimitPolicy: "pause" });
  const conn = await client(server);
  const first = Array.from({ length: 30 }, (_, i) => `first ${i}`);
  for (const frame of first) void conn.send(text(frame));
  await take(conn, 30);
  const second = Array.from({ length: 5 }, (_, i) => `second ${i}`);
  for (const frame of second) void conn.send(text(frame));
  assert.deepEqual((await take(conn, 5)).map((r) => decoder.decode(r)), second, "nothing lost");
  for (let frame = 20; frame < 30; frame++) {
    assert.ok(ticksBefore[frame]! > ticksBefore[frame - 1]!, `a refill before frame ${frame + 1}: ${ticksBefore}`);
  }
  assert.equal(ends.length, 0, "the connection was not closed");
  conn.close();
  await server.shutdown();
});

test("maxConnections refuses one more at once with the goodbye frame, counts it, and frees up", async () => {
  const { server } = await startServer(echoHandler, { maxConnections: 3, goodbye: text("full") });
  const clients = await Promise.all([1, 2, 3].map(() => client(server)));
  await until(() => server.size === 3, "3 registered connections");
  const refused = await rawConnect(server);
  assert.deepEqual(await readToEnd(refused), encodeFrame(text("full")));
  assert.equal(server.stats.refused["max-connections"], 1);
  for (const conn of clients) {
    await conn.send(text("ok"));
    assert.equal(decoder.decode((await take(conn, 1))[0]), "ok");
  }
  clients[0]!.close();
  await until(() => server.size === 2, "the slot to free up");
  const next = await client(server);
  await next.send(text("in"));
  assert.equal(decoder.decode((await take(next, 1))[0]), "in");
  for (const conn of [...clients, next]) conn.close();
  await server.shutdown();
});

test("maxConnectionsPerAddress refuses one more from the same address", async () => {
  const { server } = await startServer(echoHandler, { maxConnectionsPerAddress: 2 });
  const clients = await Promise.all([1, 2].map(() => client(server)));
  await until(() => server.size === 2, "2 registered connections");
  const refused = await rawConnect(server);
  assert.equal((await readToEnd(refused)).length, 0);
  assert.equal(server.stats.refused["max-connections-per-address"], 1);
  assert.equal(server.size, 2);
  for (const conn of clients) conn.close();
  await server.shutdown();
});

for (const policy of ["disconnect", "drop"] as const) {
  test(`slowConsumer ${policy}: a client that stops reading under a broadcast flood never grows its outbox past the mark`, async () => {
    const highWaterMark = 65_536;
    const { server, ends } = await startServer(echoHandler, { highWaterMark, slowConsumer: policy });
    const reader = await client(server);
    const slow = await rawConnect(server); // never reads
    await until(() => server.size === 2, "both clients registered");
    const slowSide = [...server.connections()].find((c) => c.remoteAddr.port === slow.localAddr.port)!;
    const readerSide = [...server.connections()].find((c) => c.remoteAddr.port === reader.localAddr.port)!;
    let received = 0;
    const reading = (async () => {
      for await (const _ of reader) received++;
    })();
    const frame = new Uint8Array(1024).fill(1);
    // A bounded flood, 8 KiB per turn of the event loop: a reading peer keeps up, and
    // the one that reads nothing fills the socket buffers, then its outbox.
    let sent = 0;
    while (sent < 40_000 && !slowSide.closing && slowSide.stats.framesDropped < 100) {
      server.broadcast(frame);
      if (++sent % 8 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    const stats = slowSide.stats;
    assert.ok(stats.outboxPeak <= highWaterMark, `outbox peak ${stats.outboxPeak} <= ${highWaterMark}`);
    assert.ok(stats.bytesOut > highWaterMark * 4, `the socket buffers filled first (${stats.bytesOut} bytes out)`);
    if (policy === "disconnect") {
      await until(() => ends.length === 1, "the slow consumer to be disconnected");
      assert.equal(ends[0]!.closeReason, "slow-consumer");
      assert.ok(ends[0]!.outboxPeak <= highWaterMark);
    } else {
      assert.ok(stats.framesDropped >= 100, `dropped ${stats.framesDropped}`);
      assert.equal(slowSide.closing, false, "a dropping consumer stays connected");
      assert.ok(server.stats.framesDropped >= 100);
    }
    assert.equal(readerSide.closing, false, "the reading client is not a slow consumer");
    await until(() => received === readerSide.stats.framesOut, "the reader to get every frame queued for it");
    reader.close();
    await reading;
    slow.close();
    await server.shutdown();
  });
}

test("closeTimeout force-closes an ending connection whose handler waits on a peer that reads nothing", async () => {
  // The first connection watches the server's ticks; every later one floods a peer that reads nothing.
  // The force-close is timed in ticks of the kit's own ticker, against the default closeTimeout of 5 s.
  let ticks = 0;
  const { server, ends } = await startServer(async (conn) => {
    if (conn.id === 1) {
      for await (const event of conn.events({ ticks: true })) if (event.type === "tick") ticks++;
      return;
    }
    const big = new Uint8Array(65_536);
    for (let i = 0; i < 1000; i++) await conn.send(big); // 64 MiB: blocks once the buffers fill
  }, { ...FAST, firstFrameTimeout: 0.2, closeTimeout: 0.2 });
  const watcher = await client(server);
  await watcher.send(text("watching")); // its first frame: the first-frame timeout is behind it
  await until(() => ticks > 0 && server.stats.bytesIn > 0, "the watcher's first frame and tick");
  const deaf = await rawConnect(server);
  await until(() => server.size === 2, "the deaf peer registered");
  const opened = ticks;
  await until(() => ends.length === 1, "the connection to be force-closed");
  const lived = ticks - opened;
  assert.equal(ends[0]!.closeReason, "first-frame-timeout");
  assert.ok(ends[0]!.framesOut < 1000, "the handler was stopped mid-flood");
  // 4 ticks to the first-frame timeout, 4 more to the close deadline; the default deadline would take 100.
  assert.ok(lived >= 6 && lived <= 20, `force-closed ${lived} ticks after opening`);
  deaf.close();
  watcher.close();
  await server.shutdown();
});

test("the connection count is exact after 1000 connect/disconnect cycles, resets included", async () => {
  // 200 per address: if ended connections did not give their slot back, cycles past 200 would be refused.
  const { server, ends } = await startServer(echoHandler, { maxConnectionsPerAddress: 200 });
  const serverSide = (port: number) => [...server.connections()].find((c) => c.remoteAddr.port === port);
  for (let batch = 0; batch < 20; batch++) {
    await Promise.all(Array.from({ length: 50 }, async (_, i) => {
      const socket = await rawConnect(server);
      if (i % 2 === 0) {
        // Close with the echo unread in the receive buffer: the close becomes a reset.
        await socket.write(encodeFrame(text("bye")));
        await until(() => (serverSide(socket.localAddr.port)?.stats.bytesOut ?? 0) > 0, "the echo written");
      }
      socket.close();
    }));
  }
  await until(() => ends.length === 1000, "1000 ended connections");
  assert.equal(server.size, 0);
  const stats = server.stats;
  assert.equal(stats.accepted, 1000);
  assert.deepEqual(stats.refused, {}, "per-address slots were given back");
  const closed = Object.values(stats.closedByReason).reduce((n, c) => n + (c ?? 0), 0);
  assert.equal(closed, 1000, JSON.stringify(stats.closedByReason));
  await server.shutdown();
});

test("Connection.events delivers the shared ticker's ticks when asked", async () => {
  const seen: number[] = [];
  const { server } = await startServer(async (conn) => {
    for await (const event of conn.events({ ticks: true })) {
      if (event.type === "tick") seen.push(event.idleSeconds);
      if (seen.length === 3) return;
    }
  }, FAST);
  const conn = await client(server);
  assert.deepEqual(await take(conn, 1), [], "the handler returns after 3 ticks");
  assert.equal(seen.length, 3);
  assert.ok(seen[2]! > seen[0]!, `idle seconds grow: ${seen.join(", ")}`);
  await server.shutdown();
});

test("serve refuses bad guard options", async () => {
  await assert.rejects(startServer(echoHandler, { idleTimeout: 0 }), RangeError);
  await assert.rejects(startServer(echoHandler, { maxConnections: 1.5 }), RangeError);
  await assert.rejects(startServer(echoHandler, { slowConsumer: "ignore" as "drop" }), TypeError);
});
