/**
 * `connectWebSocket({ resume })` through the fault proxy (examples/_fault_proxy.ts
 * relays the WebSocket's TCP connection): a reset, a silent link, a cut in
 * the middle of a message; nothing lost, nothing twice, the handler's state
 * and rooms intact, the resumes counted on both sides. And a session begun
 * over TCP that resumes over WebSocket, the same server's sessions for both.
 *
 * @module
 */
import assert from "node:assert/strict";
import { connectWebSocket } from "../src/browser.ts";
import { clientPlanOf, openClient } from "../src/core/client/open_client.ts";
import { webSocketDoor } from "../src/edges/websocket/websocket.ts";
import { defaultTransport } from "../src/transport/select.ts";
import { dialWebSocket } from "../src/transport/ws_client.ts";
import type { RawSocket } from "../src/transport/types.ts";
import { sessions, silentLogger } from "../mod.ts";
import { startServer, text, until } from "./_fixtures.ts";
import { startFaultProxy } from "../examples/_fault_proxy.ts";
import { test } from "./_harness.ts";
import { counter, fast, takeText } from "./_sessions.ts";

const heartbeat = { interval: 0.05 };

async function resumingServer(onResume?: () => void) {
  const door = webSocketDoor({ pingInterval: 0 });
  const started = await startServer(counter as never, {
    ...fast,
    doors: [door],
    sessions: sessions({ resumeWindow: 10, onResume }),
  });
  return { ...started, wsPort: door.addr.port };
}

const numbered = (from: number, to: number, suffix = (i: number) => `:${i}`) =>
  Array.from({ length: to - from + 1 }, (_, k) => `${from + k}${suffix(from + k)}`);

test("connectWebSocket resumes after a reset: calls in flight handled once, state and room intact", async () => {
  let resumed = 0;
  const { server, ends, wsPort } = await resumingServer(() => void resumed++);
  await using proxy = await startFaultProxy(wsPort);
  const conn = await connectWebSocket({ url: `ws://127.0.0.1:${proxy.port}/`, resume: true, heartbeat });
  for (let i = 1; i <= 50; i++) void conn.send(text(`${i}`));
  const first = await takeText(conn, 50);
  for (let i = 51; i <= 100; i++) void conn.send(text(`${i}`));
  proxy.reset();
  const rest = await takeText(conn, 50);
  assert.deepEqual([...first, ...rest], numbered(1, 100));
  assert.equal(proxy.counters.resets, 1);
  assert.ok(proxy.counters.accepted >= 2, "a new link");
  assert.equal(conn.stats.session!.resumes, 1);
  assert.equal(resumed, 1, "the server was told");
  assert.equal(server.size, 1, "one connection all along");
  assert.equal(server.rooms.size("lobby"), 1, "still in its room");
  assert.equal(ends.length, 0, "no connection ended");
  conn.close();
  await until(() => ends.length === 1, "the clean close");
  assert.equal(ends[0]!.closeReason, "peer-closed");
  await server.shutdown();
});

test("connectWebSocket: a silent link is found by the heartbeat; pushes sent meanwhile arrive once, in order", async () => {
  const { server, wsPort } = await resumingServer();
  await using proxy = await startFaultProxy(wsPort);
  const conn = await connectWebSocket({ url: `ws://127.0.0.1:${proxy.port}/`, resume: true, heartbeat });
  await conn.send(text("hi"));
  assert.deepEqual(await takeText(conn, 1), ["hi:1"]);
  proxy.stall("both");
  for (let i = 1; i <= 20; i++) server.rooms.broadcast("lobby", text(`push ${i}`));
  await until(() => conn.stats.session!.suspensions === 1, "the client to find the link silent");
  proxy.heal();
  for (let i = 21; i <= 40; i++) server.rooms.broadcast("lobby", text(`push ${i}`));
  const pushes = await takeText(conn, 40);
  assert.deepEqual(pushes, numbered(1, 40, () => "").map((n) => `push ${n}`));
  assert.equal(conn.stats.session!.resumes, 1);
  await conn.send(text("after"));
  assert.deepEqual(await takeText(conn, 1), ["after:2"], "the handler's state went on");
  conn.close();
  await server.shutdown();
});

test("connectWebSocket: a link cut in the middle of a message, both ways, goes on inside it", async () => {
  const { server, wsPort } = await resumingServer();
  await using proxy = await startFaultProxy(wsPort);
  const conn = await connectWebSocket({ url: `ws://127.0.0.1:${proxy.port}/`, resume: true, heartbeat });
  await conn.send(text("0"));
  assert.deepEqual(await takeText(conn, 1), ["0:1"]);
  const big = "x".repeat(20_000);
  // Down: the server's answers are cut after some bytes of a big message; up: the client's.
  proxy.cutAfter("down", 7_001);
  for (let i = 1; i <= 5; i++) void conn.send(text(`${i}${big}`));
  const down = await takeText(conn, 5);
  assert.deepEqual(down, numbered(1, 5, (i) => `${big}:${i + 1}`));
  await until(() => proxy.counters.cuts === 1, "the first cut");
  proxy.cutAfter("up", 9_003);
  for (let i = 6; i <= 10; i++) void conn.send(text(`${i}${big}`));
  const up = await takeText(conn, 5);
  assert.deepEqual(up, numbered(6, 10, (i) => `${big}:${i + 1}`));
  assert.equal(proxy.counters.cuts, 2);
  assert.equal(conn.stats.session!.resumes, 2);
  assert.equal(server.size, 1);
  conn.close();
  await server.shutdown();
});

test("a session begun over TCP resumes over WebSocket: one server's sessions for both doors", async () => {
  const { server, wsPort } = await resumingServer();
  await using proxy = await startFaultProxy(server.addr.port);
  const transport = await defaultTransport();
  let links = 0;
  // The first link over TCP (through the proxy), every later one over the WebSocket door.
  const link = (): Promise<RawSocket> =>
    links++ === 0
      ? transport.connect({ hostname: "127.0.0.1", port: proxy.port })
      : dialWebSocket({ url: `ws://127.0.0.1:${wsPort}/`, messageBytes: 65_536, readAheadLimit: 1_048_576 });
  const conn = await openClient(clientPlanOf({ resume: true, heartbeat, logger: silentLogger }), "mixed", link);
  await conn.send(text("over tcp"));
  assert.deepEqual(await takeText(conn, 1), ["over tcp:1"]);
  proxy.reset();
  await conn.send(text("over ws"));
  assert.deepEqual(await takeText(conn, 1), ["over ws:2"]);
  assert.equal(links, 2);
  assert.equal(conn.stats.session!.resumes, 1);
  assert.equal(server.size, 1);
  conn.close();
  await server.shutdown();
});
