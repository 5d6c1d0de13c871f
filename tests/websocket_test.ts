/**
 * The WebSocket door: one binary message is one frame, the same handler,
 * registry, rooms, guards and stats as TCP, over real sockets on every runtime.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type Connection, silentLogger } from "../mod.ts";
import { webSocketDoor } from "../src/edges/websocket/websocket.ts";
import { client, echoHandler, startServer, text, until } from "./_fixtures.ts";
import { test } from "./_harness.ts";
import { wsOpen } from "./_ws.ts";

test("webSocketDoor echoes one binary message as one frame, the same handler as TCP", async () => {
  const door = webSocketDoor({ pingInterval: 0 });
  const { server, ends } = await startServer(echoHandler, { doors: [door] });
  try {
    const ws = await wsOpen(`ws://127.0.0.1:${door.addr.port}/`);
    ws.send(text("hello"));
    ws.send(new Uint8Array(0));
    ws.send(new Uint8Array(70_000).fill(7));
    assert.deepEqual(await ws.message(), text("hello"));
    assert.deepEqual(await ws.message(), new Uint8Array(0));
    assert.deepEqual(await ws.message(), new Uint8Array(70_000).fill(7));
    const tcp = await client(server);
    await tcp.send(text("tcp"));
    assert.deepEqual(await tcp.receive(), text("tcp"));
    assert.equal(server.size, 2);
    ws.close();
    tcp.close();
    await until(() => ends.length === 2, "both ends");
    const wsEnd = ends.find((s) => s.framesIn === 3)!;
    assert.equal(wsEnd.framesOut, 3);
    assert.equal(wsEnd.closeReason, "peer-closed");
  } finally {
    await server.shutdown();
  }
});

test("webSocketDoor: a room broadcast reaches a TCP connection and a WebSocket connection alike", async () => {
  const door = webSocketDoor({ pingInterval: 0 });
  const { server } = await startServer(async (conn: Connection, server) => {
    server.rooms.join(conn, "lobby");
    for await (const frame of conn) server.rooms.broadcast("lobby", frame);
  }, { doors: [door], logger: silentLogger });
  try {
    const ws = await wsOpen(`ws://127.0.0.1:${door.addr.port}/`);
    const tcp = await client(server);
    await tcp.send(text("from tcp"));
    await until(() => server.rooms.size("lobby") === 2, "both in the room");
    ws.send(text("from ws"));
    const got = [await ws.message(), await ws.message()].map((f) => new TextDecoder().decode(f)).sort();
    const gotTcp = [await tcp.receive(), await tcp.receive()].map((f) => new TextDecoder().decode(f!)).sort();
    assert.ok(got.includes("from ws"));
    assert.ok(gotTcp.includes("from ws"));
    ws.close();
    tcp.close();
  } finally {
    await server.shutdown();
  }
});

test("webSocketDoor: shutdown closes a WebSocket with 1001", async () => {
  const door = webSocketDoor({ pingInterval: 0 });
  const { server, ends } = await startServer(echoHandler, { doors: [door] });
  const ws = await wsOpen(`ws://127.0.0.1:${door.addr.port}/`);
  ws.send(text("x"));
  await ws.message();
  await server.shutdown();
  assert.equal((await ws.closed()).code, 1001);
  assert.equal(ends[0]!.closeReason, "shutdown");
});
