import assert from "node:assert/strict";
import type { Connection } from "../mod.ts";
import { test } from "./_harness.ts";
import { client, echoHandler, startServer, text, until } from "./_fixtures.ts";
import { startFaultProxy } from "../examples/_fault_proxy.ts";

test("startFaultProxy relays frames both ways and counts the bytes", async () => {
  const { server } = await startServer(echoHandler);
  await using proxy = await startFaultProxy(server.addr.port);
  const conn = await client({ addr: { hostname: "127.0.0.1", port: proxy.port } });
  await conn.send(text("hello"));
  assert.deepEqual(await conn.receive(), text("hello"));
  assert.equal(proxy.counters.accepted, 1);
  assert.equal(proxy.counters.bytesUp, 9);
  assert.equal(proxy.counters.bytesDown, 9);
  conn.close();
  await server.shutdown();
});

test("startFaultProxy stall swallows bytes without closing, until healed", async () => {
  const { server } = await startServer(echoHandler);
  await using proxy = await startFaultProxy(server.addr.port);
  const conn = await client({ addr: { hostname: "127.0.0.1", port: proxy.port } });
  await conn.send(text("a"));
  assert.deepEqual(await conn.receive(), text("a"));
  proxy.stall("up");
  await conn.send(text("lost"));
  await until(() => proxy.counters.stalledChunks === 1, "the stalled chunk");
  assert.equal(proxy.open, 1, "a silent link is still open");
  assert.equal(server.size, 1);
  proxy.heal();
  await conn.send(text("b"));
  assert.deepEqual(await conn.receive(), text("b"), "the swallowed frame never arrives");
  conn.close();
  await server.shutdown();
});

test("startFaultProxy reset ends both sides", async () => {
  const { server, ends } = await startServer(echoHandler);
  await using proxy = await startFaultProxy(server.addr.port);
  const conn = await client({ addr: { hostname: "127.0.0.1", port: proxy.port } });
  await conn.send(text("a"));
  assert.deepEqual(await conn.receive(), text("a"));
  proxy.reset();
  assert.equal(proxy.counters.resets, 1);
  assert.equal(await conn.receive(), undefined);
  await until(() => ends.length === 1, "the server's side to end");
  assert.ok(["peer-closed", "socket-error"].includes(ends[0]!.closeReason!), ends[0]!.closeReason);
  await server.shutdown();
});

test("startFaultProxy cutAfter ends a connection in the middle of a frame", async () => {
  const { server, ends } = await startServer(echoHandler);
  await using proxy = await startFaultProxy(server.addr.port);
  const conn: Connection = await client({ addr: { hostname: "127.0.0.1", port: proxy.port } });
  await conn.send(text("a"));
  assert.deepEqual(await conn.receive(), text("a"));
  proxy.cutAfter("up", 6);
  await conn.send(text("0123456789"));
  await until(() => ends.length === 1, "the server's side to end");
  assert.equal(proxy.counters.cuts, 1);
  assert.ok(["truncated-frame", "socket-error"].includes(ends[0]!.closeReason!), ends[0]!.closeReason);
  assert.equal(ends[0]!.framesIn, 1, "the cut frame is never handled");
  await server.shutdown();
});

test("startFaultProxy delay holds chunks back and counts them", async () => {
  const { server } = await startServer(echoHandler);
  await using proxy = await startFaultProxy(server.addr.port);
  const conn = await client({ addr: { hostname: "127.0.0.1", port: proxy.port } });
  proxy.delay(20);
  await conn.send(text("late"));
  assert.deepEqual(await conn.receive(), text("late"));
  assert.equal(proxy.counters.delayedChunks, 2, "one chunk each way");
  conn.close();
  await server.shutdown();
});

test("startFaultProxy silence stalls the links open now, closes too, while a new link forwards; then ends them", async () => {
  const { server, ends } = await startServer(echoHandler);
  await using proxy = await startFaultProxy(server.addr.port);
  const old = await client({ addr: { hostname: "127.0.0.1", port: proxy.port } });
  await old.send(text("a"));
  assert.deepEqual(await old.receive(), text("a"));
  proxy.silence(200);
  assert.equal(proxy.counters.silenced, 1);
  await old.send(text("lost"));
  await until(() => proxy.counters.stalledChunks === 1, "the swallowed chunk");
  // The client gives up on the old link: its close goes nowhere either.
  old.close();
  const fresh = await client({ addr: { hostname: "127.0.0.1", port: proxy.port } });
  await fresh.send(text("b"));
  assert.deepEqual(await fresh.receive(), text("b"), "a link made after the silence forwards");
  assert.equal(server.size, 2, "the server still holds the silent link");
  assert.equal(ends.length, 0);
  proxy.silence(10_000);
  assert.equal(proxy.counters.silenced, 2, "the old pair is silenced once, the new one now");
  await until(() => ends.length === 1, "the first silent pair to be destroyed");
  assert.equal(proxy.open, 1);
  fresh.close();
  await server.shutdown();
});
