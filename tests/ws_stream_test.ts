/**
 * The WebSocket door's stream subprotocol (`spawnkit.stream`), on each
 * runtime's own server (Deno.serve, Bun.serve, ws on Node): messages carry
 * the kit's byte stream as it is, cut anywhere, both ways; the session wire
 * runs over it; hostile stream peers (lying lengths, a message over the
 * bound, text, a peer that never reads) end as on TCP; a door with the
 * stream off, and a client that does not ask, get one frame per message.
 *
 * @module
 */
import assert from "node:assert/strict";
import { connectWebSocket } from "../src/browser.ts";
import { webSocketDoor, type WebSocketOptions } from "../src/edges/websocket/websocket.ts";
import { STREAM_PROTOCOL } from "../src/transport/ws_stream.ts";
import { type Connection, type ConnectionStats, type ServeOptions, sessions, silentLogger } from "../mod.ts";
import { concat, decoder, echoHandler, rawConnect, startServer, text, until } from "./_fixtures.ts";
import { test } from "./_harness.ts";
import { upgradeLines, wsOpen } from "./_ws.ts";

const request = (lines: string[]): string => lines.join("\r\n") + "\r\n\r\n";

async function door(
  options: WebSocketOptions = {},
  serveOptions: Partial<ServeOptions> = {},
  handler: (conn: Connection) => Promise<void> = echoHandler,
) {
  const ws = webSocketDoor({ pingInterval: 0, ...options });
  const started = await startServer(handler, { doors: [ws], ...serveOptions });
  return { ...started, port: ws.addr.port, url: `ws://127.0.0.1:${ws.addr.port}/` };
}

/** Reads binary messages until `bytes` bytes came, and returns them joined (bounded by the messages' count). */
async function readBytes(client: Awaited<ReturnType<typeof wsOpen>>, bytes: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let have = 0;
  for (let i = 0; i < 1000 && have < bytes; i++) {
    const part = await client.message();
    parts.push(part);
    have += part.length;
  }
  return concat(parts);
}

test("stream subprotocol: the door agrees to it, and frames travel as bytes cut anywhere, both ways", async () => {
  const { server, url, ends } = await door();
  try {
    const client = await wsOpen(url, [STREAM_PROTOCOL]);
    assert.equal(client.ws.protocol, STREAM_PROTOCOL);
    // Two frames, "hello" and "x", cut across three messages: inside a header, inside a payload.
    client.send(new Uint8Array([0, 0]));
    client.send(new Uint8Array([0, 5, 104, 101]));
    client.send(new Uint8Array([108, 108, 111, 0, 0, 0, 1, 120]));
    const echoed = await readBytes(client, 9 + 5);
    assert.deepEqual([...echoed], [0, 0, 0, 5, 104, 101, 108, 108, 111, 0, 0, 0, 1, 120]);
    client.close();
    await until(() => ends.length === 1, "the end");
    assert.equal(ends[0]!.framesIn, 2);
    assert.equal(ends[0]!.bytesIn, 14, "no header added in stream mode");
  } finally {
    await server.shutdown();
  }
});

test("stream subprotocol: a client that does not ask, and a door with stream off, get one frame per message", async () => {
  const { server, url } = await door({ stream: false });
  try {
    const plain = await wsOpen(url);
    plain.send(text("one message"));
    assert.equal(decoder.decode(await plain.message()), "one message");
    plain.close();
    // A client that asked and got no subprotocol: browsers, Bun and Node fail the handshake; Deno opens with none.
    const asking = await wsOpen(url, [STREAM_PROTOCOL]).catch(() => undefined);
    assert.equal(asking?.ws.protocol ?? "", "", "not agreed");
    asking?.close();
    await assert.rejects(connectWebSocket({ url, logger: silentLogger }), /Cannot connect to .*spawnkit\.stream/);
  } finally {
    await server.shutdown();
  }
  // A door with its own subprotocols: the stream is taken before them, and they work as before without it.
  const { server: other, url: otherUrl } = await door({ protocols: ["chat.v1"] });
  try {
    const app = await wsOpen(otherUrl, ["chat.v1"]);
    assert.equal(app.ws.protocol, "chat.v1");
    app.send(text("framed"));
    assert.equal(decoder.decode(await app.message()), "framed");
    app.close();
    const stream = await wsOpen(otherUrl, ["chat.v1", STREAM_PROTOCOL]);
    assert.equal(stream.ws.protocol, STREAM_PROTOCOL);
    stream.close();
  } finally {
    await other.shutdown();
  }
});

test("stream subprotocol: the session wire runs over it (heartbeat pings answered by the server, not the handler)", async () => {
  let frames = 0;
  const { server, url } = await door({}, { sessions: sessions({}), tickInterval: 0.02 }, async (conn) => {
    for await (const frame of conn) {
      frames++;
      await conn.send(frame);
    }
  });
  try {
    const conn = await connectWebSocket({ url, heartbeat: { interval: 0.05 }, logger: silentLogger });
    await conn.send(text("hi"));
    assert.equal(decoder.decode(await conn.receive()), "hi");
    await until(() => (conn.stats.session?.pongsReceived ?? 0) >= 2, "two pongs");
    assert.equal(frames, 1, "the handler saw the one frame, no ping");
    await conn.send(new Uint8Array(0));
    assert.equal((await conn.receive())?.length, 0, "an empty frame, escaped on the wire");
    conn.close();
    await until(() => server.size === 0, "the clean close");
  } finally {
    await server.shutdown();
  }
});

test("stream subprotocol, hostile: a header that lies about the length ends the connection (frame-too-large)", async () => {
  const { server, url, ends } = await door({}, { maxFrameSize: 1024 });
  try {
    const liar = await wsOpen(url, [STREAM_PROTOCOL]);
    liar.send(new Uint8Array([0, 0x10, 0, 0, 1, 2, 3])); // announces 1 MiB
    const closed = await liar.closed();
    assert.ok([1000, 1006].includes(closed.code), `close ${closed.code}`);
    await until(() => ends.length === 1, "the end");
    assert.equal(ends[0]!.closeReason, "frame-too-large");
    // A frame cut short by the peer's close: truncated, never handed out.
    const short = await wsOpen(url, [STREAM_PROTOCOL]);
    short.send(new Uint8Array([0, 0, 0, 100, 1, 2, 3]));
    short.close();
    await until(() => ends.length === 2, "the second end");
    assert.equal(ends[1]!.closeReason, "truncated-frame");
    assert.equal(ends[1]!.framesIn, 0);
  } finally {
    await server.shutdown();
  }
});

test("stream subprotocol, hostile: a message over maxFrameSize (1009) and a text message (1003)", async () => {
  const { server, url, ends } = await door({}, { maxFrameSize: 1024 });
  try {
    const big = await wsOpen(url, [STREAM_PROTOCOL]);
    big.send(new Uint8Array(4096));
    assert.equal((await big.closed()).code, 1009);
    const texting = await wsOpen(url, [STREAM_PROTOCOL]);
    texting.send("\x00\x00\x00\x01a");
    assert.equal((await texting.closed()).code, 1003);
    await until(() => ends.length === 2, "both ends");
    assert.deepEqual(ends.map((end) => end.closeReason).sort(), ["frame-too-large", "unsupported-data"]);
    assert.ok(ends.every((end) => end.framesIn === 0));
  } finally {
    await server.shutdown();
  }
});

test("stream subprotocol, hostile: a peer that never reads meets sendTimeout, its memory bounded by the outbox", async () => {
  const chunk = new Uint8Array(65_536);
  const { server, port, ends } = await door({}, { sendTimeout: 1, tickInterval: 0.1 }, async (conn) => {
    for (let i = 0; i < 100_000 && !conn.closing; i++) await conn.send(chunk);
  });
  const socket = await rawConnect({ addr: { hostname: "127.0.0.1", port } });
  try {
    await socket.write(text(request(upgradeLines(port, "/", [`Sec-WebSocket-Protocol: ${STREAM_PROTOCOL}`]))));
    await until(() => ends.length === 1, "the end", 20_000);
    const end: ConnectionStats = ends[0]!;
    assert.equal(end.closeReason, "send-timeout");
    assert.ok(end.outboxPeak <= 1_048_576 + chunk.length + 4, `outbox peak ${end.outboxPeak}`);
  } finally {
    socket.close();
    await server.shutdown();
  }
});
