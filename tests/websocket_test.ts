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
import { clientFrame, rawExchange, upgradeLines, wsOpen } from "./_ws.ts";
import { testCertificates } from "./_tls.ts";
import { connect as tlsConnect } from "node:tls";
import { isDeno } from "../src/transport/select.ts";

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

test("webSocketDoor serves wss:// with the TCP port's TLS options", async () => {
  const { cert, key, ca } = await testCertificates();
  const door = webSocketDoor({ pingInterval: 0, tls: { cert, key } });
  const { server } = await startServer(echoHandler, { doors: [door], logger: silentLogger });
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = tlsConnect({ host: "127.0.0.1", port: door.addr.port, ca, servername: "localhost" }, () => {
        socket.write(upgradeLines(door.addr.port).join("\r\n") + "\r\n\r\n");
        socket.write(clientFrame(2, text("secret")));
      });
      let bytes = "";
      socket.on("data", (chunk: Uint8Array) => {
        bytes += new TextDecoder("latin1").decode(chunk);
        if (bytes.includes("secret")) {
          socket.destroy();
          resolve(bytes);
        }
      });
      socket.on("error", reject);
    });
    assert.match(answer, /^HTTP\/1\.1 101/);
  } finally {
    await server.shutdown();
  }
});

test("webSocketDoor offers permessage-deflate only when asked (not on Deno, whose server has none)", async () => {
  const offer = ["Sec-WebSocket-Extensions: permessage-deflate"];
  if (isDeno()) {
    const { server } = await startServer(echoHandler, {
      doors: [webSocketDoor({ perMessageDeflate: true })],
      logger: silentLogger,
    }).then((started) => started, (error) => ({ server: undefined, error }));
    assert.equal(server, undefined, "refused on Deno");
  }
  const plain = webSocketDoor({ pingInterval: 0 });
  const { server } = await startServer(echoHandler, { doors: [plain], logger: silentLogger });
  try {
    const off = await rawExchange(
      plain.addr.port,
      upgradeLines(plain.addr.port, "/", offer).join("\r\n") + "\r\n\r\n",
      {
        limitMs: 300,
      },
    );
    assert.match(off.text, /^HTTP\/1\.1 101/);
    assert.doesNotMatch(off.text, /permessage-deflate/i);
  } finally {
    await server.shutdown();
  }
  if (isDeno()) return;
  const deflate = webSocketDoor({ pingInterval: 0, perMessageDeflate: true });
  const on = await startServer(echoHandler, { doors: [deflate], logger: silentLogger });
  try {
    const answer = await rawExchange(
      deflate.addr.port,
      upgradeLines(deflate.addr.port, "/", offer).join("\r\n") + "\r\n\r\n",
      { limitMs: 300 },
    );
    assert.match(answer.text, /Sec-WebSocket-Extensions: permessage-deflate/i);
  } finally {
    await on.server.shutdown();
  }
});
