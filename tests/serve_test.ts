import assert from "node:assert/strict";
import { type Connection, ConnectionClosedError, encodeFrame, FrameTooLargeError, ShutdownError } from "../mod.ts";
import { test } from "./_harness.ts";
import {
  client,
  crashHandler,
  decoder,
  echoHandler,
  rawConnect,
  readToEnd,
  startServer,
  take,
  text,
  until,
} from "./_fixtures.ts";

test("serve echoes frames of sizes 0 to the limit", async () => {
  const { server } = await startServer(echoHandler);
  const conn = await client(server);
  for (const size of [0, 1, 255, 65536, 262144]) {
    const payload = new Uint8Array(size).map((_, i) => i * 7);
    await conn.send(payload);
    const [reply] = await take(conn, 1);
    assert.deepEqual(reply, payload, `size ${size}`);
  }
  conn.close();
  await server.shutdown();
});

test("serve answers 200 pipelined frames in order", async () => {
  const { server } = await startServer(echoHandler);
  const conn = await client(server);
  const sent = Array.from({ length: 200 }, (_, i) => text(`frame ${i}`));
  for (const frame of sent) void conn.send(frame);
  const replies = await take(conn, 200);
  assert.deepEqual(replies.map((r) => decoder.decode(r)), sent.map((s) => decoder.decode(s)));
  conn.close();
  await server.shutdown();
});

test("serve handles 200 concurrent clients, each in its own loop", async () => {
  const { server, ends } = await startServer(echoHandler);
  const clients = await Promise.all(Array.from({ length: 200 }, () => client(server)));
  await until(() => server.size === 200, "200 registered connections");
  await Promise.all(clients.map(async (conn, n) => {
    for (let i = 0; i < 5; i++) await conn.send(text(`${n}:${i}`));
    const replies = await take(conn, 5);
    assert.deepEqual(replies.map((r) => decoder.decode(r)), [0, 1, 2, 3, 4].map((i) => `${n}:${i}`));
  }));
  for (const conn of clients) conn.close();
  await until(() => ends.length === 200, "200 ended connections");
  assert.equal(server.size, 0);
  assert.equal(server.stats.accepted, 200);
  assert.equal(server.stats.closedByReason["peer-closed"], 200);
  assert.ok(ends.every((s) => s.framesIn === 5 && s.framesOut === 5 && s.bytesIn === s.bytesOut));
  await server.shutdown();
});

test("serve closes only the connection that announces an oversize frame", async () => {
  const { server, ends, logger } = await startServer(echoHandler, { maxFrameSize: 1000 });
  const good = await client(server);
  const bad = await rawConnect(server);
  // One good frame, then a header announcing 0xFFFFFFFF bytes.
  await bad.write(new Uint8Array([...encodeFrame(text("ok")), 0xff, 0xff, 0xff, 0xff]));
  const received = await readToEnd(bad);
  assert.deepEqual(received, encodeFrame(text("ok")), "the frame before the bad header is still answered");
  await until(() => ends.length === 1, "the bad connection to end");
  assert.equal(ends[0]!.closeReason, "frame-too-large");
  // One info line with the figure that tripped, no stack: a peer's fault is not the server's.
  const line = logger.records.find((r) => r.properties?.reason === "frame-too-large");
  assert.equal(line?.level, "info");
  assert.equal(line?.message, "connection {id} from {remote} closed: {reason} ({detail})");
  assert.equal(line?.properties?.detail, "4294967295 bytes announced, limit 1000");
  assert.equal(line?.properties?.length, 4294967295);
  assert.equal(line?.properties?.limit, 1000);
  assert.match(String(line?.properties?.remote), /^127\.0\.0\.1:\d+$/);
  assert.ok(!("error" in line!.properties!), "no error object, so no stack");
  await good.send(text("still here"));
  assert.equal(decoder.decode((await take(good, 1))[0]), "still here");
  good.close();
  bad.close();
  await server.shutdown();
});

test("serve closes only the connection whose handler throws, and logs the stack", async () => {
  const { server, ends, logger } = await startServer(crashHandler);
  const calm = await client(server);
  const crashing = await client(server);
  await crashing.send(text("crash"));
  assert.deepEqual(await take(crashing, 1), [], "the crashing connection ends without a reply");
  await until(() => ends.length === 1, "the crashing connection to end");
  assert.equal(ends[0]!.closeReason, "handler-error");
  assert.match(String((ends[0]!.error as Error).stack), /crash requested/);
  const logged = logger.records.find((r) => r.level === "error");
  assert.ok(logged?.properties?.error instanceof Error);
  await calm.send(text("fine"));
  assert.equal(decoder.decode((await take(calm, 1))[0]), "fine");
  calm.close();
  await server.shutdown();
});

test("Server.broadcast reaches every connection, or those the filter accepts", async () => {
  const { server } = await startServer(echoHandler);
  const clients = await Promise.all(Array.from({ length: 10 }, () => client(server)));
  await until(() => server.size === 10, "10 registered connections");
  assert.equal(server.broadcast(text("news")), 10);
  for (const conn of clients) assert.equal(decoder.decode((await take(conn, 1))[0]), "news");
  const even = (conn: { id: number }) => conn.id % 2 === 0;
  const evens = [...server.connections()].filter(even).length;
  assert.equal(server.broadcast(text("evens"), even), evens);
  for (const conn of clients) void conn.send(text("ping"));
  for (const conn of clients) {
    const serverSide = [...server.connections()].find((c) => c.remoteAddr.port === conn.localAddr.port)!;
    const expected = even(serverSide) ? ["evens", "ping"] : ["ping"];
    assert.deepEqual((await take(conn, expected.length)).map((f) => decoder.decode(f)), expected);
  }
  assert.throws(() => server.broadcast(new Uint8Array(262_145)), FrameTooLargeError);
  for (const conn of clients) conn.close();
  await server.shutdown();
});

test("Server.post reaches the right connection, in order with its frames", async () => {
  const { server } = await startServer(async (conn) => {
    for await (const event of conn.events()) {
      if (event.type === "frame") await conn.send(event.frame);
      else if (event.type === "message") await conn.send(text(`message ${event.message}`));
    }
  });
  const first = await client(server);
  const second = await client(server);
  await until(() => server.size === 2, "2 registered connections");
  const idOf = (conn: Connection) =>
    [...server.connections()].find((c) => c.remoteAddr.port === conn.localAddr.port)!.id;
  await first.send(text("a"));
  assert.equal(decoder.decode((await take(first, 1))[0]), "a");
  // m1 is posted before b arrives, m2 after b's echo: each comes in its place.
  assert.equal(server.post(idOf(first), "m1"), true);
  await first.send(text("b"));
  assert.deepEqual((await take(first, 2)).map((f) => decoder.decode(f)), ["message m1", "b"]);
  assert.equal(server.post(idOf(first), "m2"), true);
  await first.send(text("c"));
  assert.deepEqual((await take(first, 2)).map((f) => decoder.decode(f)), ["message m2", "c"]);
  await second.send(text("d"));
  assert.deepEqual((await take(second, 1)).map((f) => decoder.decode(f)), ["d"], "second got no message");
  assert.equal(server.post(9999, "nobody"), false);
  first.close();
  second.close();
  await server.shutdown();
});

test("Server.shutdown closes every connection and settles finished", async () => {
  const { server, ends } = await startServer(echoHandler);
  const clients = await Promise.all(Array.from({ length: 20 }, () => client(server)));
  await until(() => server.size === 20, "20 registered connections");
  let finished = false;
  void server.finished.then(() => finished = true);
  await server.shutdown({ timeout: 5 });
  assert.equal(finished, true, "finished had settled when shutdown() settled");
  assert.equal(server.size, 0);
  assert.equal(ends.length, 20);
  assert.ok(ends.every((s) => s.closeReason === "shutdown" && s.error instanceof ShutdownError));
  assert.ok(server.signal.aborted);
  for (const conn of clients) assert.deepEqual(await take(conn, 1), [], "client sees the end");
  await assert.rejects(client(server), { code: "ECONNREFUSED" }, "nothing listens any more");
});

test("Server.shutdown force-closes a handler that ignores the abort, after the timeout", async () => {
  const { server, ends } = await startServer(async (conn) => {
    for await (const _ of conn) await new Promise(() => {}); // never finishes its first frame
  });
  const conn = await client(server);
  await conn.send(text("hang"));
  await until(() => server.get([...server.connections()][0]?.id ?? 0)?.stats.framesIn === 1, "the frame in");
  await server.shutdown({ timeout: 0.05 });
  assert.equal(ends.length, 1);
  assert.equal(ends[0]!.closeReason, "shutdown");
  assert.deepEqual(await take(conn, 1), [], "the client sees the end");
  await assert.rejects(conn.send(text("after")), ConnectionClosedError);
});

test("serve shuts down when its parent signal aborts", async () => {
  const parent = new AbortController();
  const { server } = await startServer(echoHandler, { signal: parent.signal });
  const conn = await client(server);
  await until(() => server.size === 1, "1 registered connection");
  parent.abort(new Error("app stopping"));
  await server.finished;
  assert.deepEqual(await take(conn, 1), []);
});

test("Connection.send waits for a slow reader while the outbox stays under its high-water mark", async () => {
  const highWaterMark = 65_536;
  const frame = new Uint8Array(8192).fill(7);
  const total = 2000; // 16 MiB: far more than the socket buffers hold
  let sent = 0;
  const { server, ends } = await startServer(async (conn) => {
    for (; sent < total; sent++) await conn.send(frame);
  }, { highWaterMark });
  const reader = await rawConnect(server);
  await until(() => server.size === 1, "1 registered connection");
  const serverSide = [...server.connections()][0]!;
  // Wait until the handler stops making progress: send() is waiting on the peer.
  let last = -1;
  await until(() => {
    const stalled = sent === last && serverSide.stats.outboxBytes > 0;
    last = sent;
    return stalled;
  }, "send() to wait");
  assert.ok(sent < total, `send() waited (${sent} of ${total} sent)`);
  assert.ok(serverSide.stats.outboxPeak <= highWaterMark, `outbox peak ${serverSide.stats.outboxPeak}`);
  const received = await readToEnd(reader);
  assert.equal(received.length, total * (frame.length + 4), "every frame arrives once the peer reads");
  await until(() => ends.length === 1, "the connection to end");
  assert.ok(ends[0]!.outboxPeak <= highWaterMark, `final outbox peak ${ends[0]!.outboxPeak}`);
  assert.equal(ends[0]!.framesOut, total);
  await server.shutdown();
});

test("serve refuses bad options with RangeError", async () => {
  await assert.rejects(startServer(echoHandler, { packet: 3 as 4 }), RangeError);
  await assert.rejects(startServer(echoHandler, { port: 70000 }), RangeError);
  await assert.rejects(startServer(echoHandler, { highWaterMark: 10, lowWaterMark: 20 }), RangeError);
});

test("Connection.send refuses a frame over the limit with FrameTooLargeError and sends nothing", async () => {
  const { server } = await startServer(async (conn) => {
    for await (const frame of conn) {
      const error = await conn.send(new Uint8Array(frame.length + 262_144)).catch((e) => e);
      await conn.send(text(error instanceof FrameTooLargeError ? `refused ${error.length}` : "sent"));
    }
  });
  const conn = await client(server);
  await conn.send(text("x"));
  assert.deepEqual((await take(conn, 1)).map((f) => decoder.decode(f)), ["refused 262145"]);
  assert.equal([...server.connections()][0]!.stats.framesOut, 1, "only the answer went out");
  conn.close();
  await server.shutdown();
});

test("Connection.send after the loop broke out is flushed without another read", async () => {
  const { server } = await startServer(echoHandler);
  const conn = await client(server);
  await conn.send(text("one"));
  await take(conn, 1); // breaks out of the loop: no flush point is coming from it
  await conn.send(text("two"));
  const serverSide = [...server.connections()][0]!;
  await until(() => serverSide.stats.framesIn === 2, "the second frame to reach the server");
  assert.equal(serverSide.stats.bytesIn, 2 * (4 + 3), "both frames arrived whole");
  assert.equal(conn.stats.bytesIn, 4 + 3, "the client read nothing after breaking out: only the first echo");
  assert.equal(conn.stats.outboxBytes, 0, "the client's outbox was written out");
  conn.close();
  await server.shutdown();
});

test("a reply sent before slow work reaches the peer by the next tick at the latest", async () => {
  let release!: () => void;
  const slowWork = new Promise<void>((resolve) => release = resolve);
  const { server } = await startServer(async (conn) => {
    for await (const frame of conn) {
      await conn.send(frame);
      await slowWork; // no next() call, so no flush point from the loop
    }
  }, { tickInterval: 0.05 });
  const conn = await client(server);
  await conn.send(text("now"));
  assert.equal(decoder.decode((await take(conn, 1))[0]), "now");
  release();
  conn.close();
  await server.shutdown();
});

test("Server.shutdown settles only after every onConnectionEnd hook has finished", async () => {
  const recorded: number[] = [];
  const { server } = await startServer(echoHandler, {
    onConnectionEnd: async (stats) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      recorded.push(stats.id);
    },
  });
  await Promise.all([1, 2, 3].map(() => client(server)));
  await until(() => server.size === 3, "3 registered connections");
  await server.shutdown();
  assert.equal(recorded.length, 3);
});

test("the handler gets its server as the second argument", async () => {
  const { server } = await startServer(async (conn, own) => {
    for await (const _ of conn) await conn.send(text(`size ${own.size}`));
  });
  const conn = await client(server);
  await conn.send(text("?"));
  assert.equal(decoder.decode((await take(conn, 1))[0]), "size 1");
  conn.close();
  await server.shutdown();
});

test("Server.post to a handler that iterates frames only, with no onMessage: false, and counted as dropped", async () => {
  const { server, ends } = await startServer(echoHandler);
  const conn = await client(server);
  await conn.send(text("started"));
  assert.equal(decoder.decode((await take(conn, 1))[0]), "started", "the handler iterates frames now");
  const id = [...server.connections()][0]!.id;
  assert.equal(server.post(id, "lost"), false);
  assert.equal(server.post(id, "lost again"), false);
  assert.equal(server.stats.messagesDropped, 2);
  conn.close();
  await until(() => ends.length === 1, "the end");
  assert.equal(ends[0]!.messagesDropped, 2);
  assert.equal(ends[0]!.messagesIn, 0);
  await server.shutdown();
});

test("Server.post before a frames-only handler starts iterating: taken, then counted as dropped when met", async () => {
  let release!: () => void;
  const started = new Promise<void>((resolve) => release = resolve);
  const { server, ends } = await startServer(async (conn) => {
    await started;
    for await (const frame of conn) await conn.send(frame);
  });
  const conn = await client(server);
  await until(() => server.size === 1, "registered");
  const id = [...server.connections()][0]!.id;
  assert.equal(server.post(id, "early"), true, "the handler may still call events()");
  release();
  await conn.send(text("after"));
  assert.equal(decoder.decode((await take(conn, 1))[0]), "after");
  conn.close();
  await until(() => ends.length === 1, "the end");
  assert.equal(ends[0]!.messagesDropped, 1);
  assert.equal(ends[0]!.messagesIn, 0);
  await server.shutdown();
});
