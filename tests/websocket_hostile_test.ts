/**
 * Hostile peers at the WebSocket door, over real sockets on every runtime:
 * bad upgrades, a foreign Origin, a wrong path or subprotocol, a forged
 * X-Forwarded-For, an oversize message, a text message, a peer that never
 * reads, a peer that never answers a ping, an unmasked frame.
 *
 * @module
 */
import assert from "node:assert/strict";
import { webSocketDoor, type WebSocketOptions } from "../src/edges/websocket/websocket.ts";
import { isDeno, isNode } from "../src/transport/select.ts";
import type { Connection, ConnectionStats, ServeOptions } from "../mod.ts";
import { echoHandler, rawConnect, startServer, text, until } from "./_fixtures.ts";
import { skip, test } from "./_harness.ts";
import { clientFrame, closeCodeIn, rawExchange, upgradeLines, wsOpen } from "./_ws.ts";

const request = (lines: string[]): string => lines.join("\r\n") + "\r\n\r\n";
const status = (response: string): number => Number(response.split(" ")[1]);

async function door(
  options: WebSocketOptions = {},
  serveOptions: Partial<ServeOptions> = {},
  handler: (conn: Connection) => Promise<void> = echoHandler,
) {
  const ws = webSocketDoor({ pingInterval: 0, ...options });
  const started = await startServer(handler, { doors: [ws], ...serveOptions });
  return { ...started, port: ws.addr.port };
}

test("webSocketDoor refuses a bad upgrade (no key: 400, version 8: 426) and counts no connection", async () => {
  const { server, port } = await door();
  try {
    const noKey = await rawExchange(
      port,
      request(upgradeLines(port).filter((l) => !l.startsWith("Sec-WebSocket-Key"))),
    );
    assert.equal(status(noKey.text), 400);
    const v8 = upgradeLines(port).map((l) => l.startsWith("Sec-WebSocket-Version") ? "Sec-WebSocket-Version: 8" : l);
    const old = await rawExchange(port, request(v8));
    assert.equal(status(old.text), 426);
    assert.match(old.text, /Sec-WebSocket-Version: 13/i);
    assert.equal(server.stats.accepted, 0);
  } finally {
    await server.shutdown();
  }
});

test("webSocketDoor refuses headers over maxHeaderBytes with 431", async () => {
  const { server, port } = await door({ maxHeaderBytes: 4096 });
  try {
    const big = await rawExchange(port, request(upgradeLines(port, "/", [`X-Big: ${"a".repeat(6000)}`])));
    assert.equal(status(big.text), 431);
    const huge = await rawExchange(port, request(upgradeLines(port, "/", [`X-Big: ${"a".repeat(200_000)}`])));
    assert.ok([400, 431].includes(status(huge.text)), huge.text.slice(0, 40));
    assert.equal(server.stats.accepted, 0);
  } finally {
    await server.shutdown();
  }
});

const slowName = "webSocketDoor closes an upgrade whose headers never finish";
if (isDeno()) {
  skip(slowName, "Deno.serve has no bound on a request's headers (Node's is upgradeTimeout, Bun's its own 10 s)");
} else {
  test(slowName, async () => {
    const { server, port } = await door({ upgradeTimeout: 1 });
    try {
      const slow = await rawExchange(port, "GET / HTTP/1.1\r\nHost: x\r\n", { limitMs: 20_000 });
      assert.equal(slow.timedOut, false, "the server closed it");
      // Node answers 408 after upgradeTimeout; Bun closes after its own HTTP idle timeout (10 s), silently.
      if (!("Bun" in globalThis)) assert.equal(status(slow.text), 408);
      assert.equal(server.stats.accepted, 0);
    } finally {
      await server.shutdown();
    }
  });
}

test("webSocketDoor refuses an Origin not on the list (403); a listed one and none pass", async () => {
  const { server, port, ends } = await door({ origins: ["https://game.example"] });
  try {
    const evil = await rawExchange(port, request(upgradeLines(port, "/", ["Origin: https://evil.example"])));
    assert.equal(status(evil.text), 403);
    const good = await rawExchange(port, request(upgradeLines(port, "/", ["Origin: https://GAME.example"])), {
      limitMs: 300,
    });
    assert.equal(status(good.text), 101);
    const none = await rawExchange(port, request(upgradeLines(port)), { limitMs: 300 });
    assert.equal(status(none.text), 101);
    await until(() => ends.length === 2, "both ended");
    assert.equal(server.stats.accepted, 2);
  } finally {
    await server.shutdown();
  }
});

test("webSocketDoor refuses another path (404) and negotiates a subprotocol in the server's order", async () => {
  const { server, port } = await door({ path: "/game", protocols: ["game.v2", "game.v1"] });
  try {
    const elsewhere = await rawExchange(port, request(upgradeLines(port, "/", ["Sec-WebSocket-Protocol: game.v1"])));
    assert.equal(status(elsewhere.text), 404);
    const none = await rawExchange(port, request(upgradeLines(port, "/game", ["Sec-WebSocket-Protocol: chat"])));
    assert.equal(status(none.text), 400);
    const ws = await wsOpen(`ws://127.0.0.1:${port}/game`, ["game.v1", "game.v2"]);
    assert.equal(ws.ws.protocol, "game.v2");
    ws.send(text("v2"));
    assert.deepEqual(await ws.message(), text("v2"));
    ws.close();
  } finally {
    await server.shutdown();
  }
});

test("webSocketDoor takes the client's address from X-Forwarded-For only from a trusted proxy", async () => {
  const addresses: string[] = [];
  const handler = async (conn: Connection) => {
    addresses.push(conn.remoteAddr.hostname);
    await echoHandler(conn);
  };
  const forwarded = ["X-Forwarded-For: 203.0.113.9, 10.1.2.3"];
  const trusted = await door({ trustedProxies: ["127.0.0.1", "10.0.0.0/8"] }, {}, handler);
  const untrusted = await door({ trustedProxies: ["10.0.0.0/8"] }, {}, handler);
  try {
    await rawExchange(trusted.port, request(upgradeLines(trusted.port, "/", forwarded)), { limitMs: 300 });
    await until(() => addresses.length === 1, "the first connection");
    await rawExchange(untrusted.port, request(upgradeLines(untrusted.port, "/", forwarded)), { limitMs: 300 });
    await until(() => addresses.length === 2, "the second connection");
    assert.equal(addresses[0], "203.0.113.9");
    assert.match(addresses[1]!, /127\.0\.0\.1$/);
  } finally {
    await trusted.server.shutdown();
    await untrusted.server.shutdown();
  }
});

test("webSocketDoor closes a message over maxFrameSize with 1009 (frame-too-large)", async () => {
  const { server, port, ends } = await door({}, { maxFrameSize: 1024 });
  try {
    const ws = await wsOpen(`ws://127.0.0.1:${port}/`);
    ws.send(new Uint8Array(1024));
    assert.equal((await ws.message()).length, 1024, "a message at the limit passes");
    ws.send(new Uint8Array(5000));
    assert.equal((await ws.closed()).code, 1009);
    await until(() => ends.length === 1, "the end");
    assert.equal(ends[0]!.closeReason, "frame-too-large");
    assert.equal(server.stats.closedByReason["frame-too-large"], 1);
  } finally {
    await server.shutdown();
  }
});

test("webSocketDoor closes a text message with 1003 (unsupported-data); the handler never sees it", async () => {
  const { server, port, ends } = await door();
  try {
    const ws = await wsOpen(`ws://127.0.0.1:${port}/`);
    ws.send("hello");
    assert.equal((await ws.closed()).code, 1003);
    await until(() => ends.length === 1, "the end");
    assert.equal(ends[0]!.closeReason, "unsupported-data");
    assert.equal(ends[0]!.framesIn, 0);
  } finally {
    await server.shutdown();
  }
});

test("webSocketDoor: a peer that never reads meets sendTimeout (send-timeout), its memory bounded by the outbox", async () => {
  const chunk = new Uint8Array(65_536);
  const { server, port, ends } = await door({}, { sendTimeout: 1, tickInterval: 0.1 }, async (conn) => {
    for (let i = 0; i < 100_000 && !conn.closing; i++) await conn.send(chunk);
  });
  const socket = await rawConnect({ addr: { hostname: "127.0.0.1", port } });
  try {
    await socket.write(new TextEncoder().encode(request(upgradeLines(port))));
    // Never read again: the kernel's buffers fill, then the runtime's, then the outbox.
    await until(() => ends.length === 1, "the end", 20_000);
    const end: ConnectionStats = ends[0]!;
    assert.equal(end.closeReason, "send-timeout");
    assert.ok(end.outboxPeak <= 1_048_576 + chunk.length + 4, `outbox peak ${end.outboxPeak}`);
  } finally {
    socket.close();
    await server.shutdown();
  }
});

test("webSocketDoor drops a peer that answers no ping", async () => {
  const { server, port, ends } = await door({ pingInterval: isDeno() ? 1 : 0.2 });
  const socket = await rawConnect({ addr: { hostname: "127.0.0.1", port } });
  try {
    await socket.write(new TextEncoder().encode(request(upgradeLines(port))));
    await until(() => ends.length === 1, "the end", 15_000);
    // Deno's server pings on its own (idleTimeout) and closes the socket itself: the reason is what the socket said.
    if (isDeno()) assert.ok(["peer-closed", "socket-error"].includes(ends[0]!.closeReason ?? ""), ends[0]!.closeReason);
    else assert.equal(ends[0]!.closeReason, "ping-timeout");
  } finally {
    socket.close();
    await server.shutdown();
  }
});

const maskName = "webSocketDoor: an unmasked client frame is a protocol error (1002), never a frame";
if (isDeno()) {
  skip(maskName, "Deno's WebSocket server takes unmasked client frames (RFC 6455 5.1 says it must close)");
} else {
  test(maskName, async () => {
    const { server, port, ends } = await door();
    try {
      const response = await rawExchange(port, request(upgradeLines(port)), {
        after: clientFrame(2, new Uint8Array([1, 2, 3]), false),
      });
      assert.equal(closeCodeIn(response.bytes), 1002);
      await until(() => ends.length === 1, "the end");
      assert.equal(ends[0]!.framesIn, 0);
    } finally {
      await server.shutdown();
    }
  });
}

test("webSocketDoor: maxConnectionsPerAddress counts WebSocket connections too", async () => {
  const { server, port } = await door({}, { maxConnectionsPerAddress: 1 });
  try {
    const first = await wsOpen(`ws://127.0.0.1:${port}/`);
    const second = await wsOpen(`ws://127.0.0.1:${port}/`);
    await second.closed();
    assert.equal(server.stats.refused["max-connections-per-address"], 1);
    first.send(text("still here"));
    assert.deepEqual(await first.message(), text("still here"));
    first.close();
  } finally {
    await server.shutdown();
  }
});

test("webSocketDoor: a peer that floods a handler that is not reading is held (Node) or cut at readAheadLimit (1008)", async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => release = resolve);
  let frames = 0;
  const { server, port, ends } = await door({ readAheadLimit: 65_536 }, {}, async (conn) => {
    await held;
    for await (const _ of conn) frames++;
  });
  const ws = await wsOpen(`ws://127.0.0.1:${port}/`);
  try {
    for (let i = 0; i < 64; i++) ws.send(new Uint8Array(4096));
    if (isNode()) {
      // ws pauses the socket: TCP flow control holds the peer, nothing is cut, and every message comes once read.
      release();
      await until(() => frames === 64, "every message read");
      assert.equal(ends.length, 0, "still open");
    } else {
      // 1008, unless the client's messages still in flight make the server's TCP stack reset the connection first.
      const code = (await ws.closed()).code;
      assert.ok([1008, 1006, 0].includes(code), `close code ${code}`);
      // The handler, asking at last, finds its input ended.
      release();
      await until(() => ends.length === 1, "the end");
      assert.equal(ends[0]!.closeReason, "rate-limit");
    }
  } finally {
    release();
    ws.close();
    await server.shutdown();
  }
});
