/**
 * `connectWebSocket()` against hostile servers: a WebSocket server written
 * by hand over node:net (the handshake of RFC 6455 4.2.2, unmasked server
 * frames) that agrees to the stream subprotocol and then lies about a
 * frame's length, sends text, floods a client that does not read, or never
 * reads. The client ends with the close reason that says so, its memory
 * bounded by `maxFrameSize`, `readAheadLimit` and the outbox water marks.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import net from "node:net";
import { ConnectTimeoutError, connectWebSocket } from "../src/browser.ts";
import { silentLogger } from "../mod.ts";
import { isNode } from "../src/transport/select.ts";
import { until } from "./_fixtures.ts";
import { test } from "./_harness.ts";

/** One unmasked server frame (RFC 6455 5.2) with this opcode, its payload up to 65535 bytes. */
function serverFrame(opcode: number, payload: Uint8Array): Uint8Array {
  const head = payload.length < 126 ? [0x80 | opcode, payload.length] : [
    0x80 | opcode,
    126,
    payload.length >> 8,
    payload.length & 0xff,
  ];
  const frame = new Uint8Array(head.length + payload.length);
  frame.set(head);
  frame.set(payload, head.length);
  return frame;
}

/**
 * A server that upgrades each connection with `protocol` and hands the socket to `then`; then it reads only to
 * count the client's close frames (`read`), or not at all.
 */
async function handMadeServer(then: (socket: net.Socket) => void, read = true, protocol = "spawnkit.stream") {
  const sockets = new Set<net.Socket>();
  const seen = { closeFrames: 0 };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    let head = "";
    const onData = (chunk: Buffer) => {
      head += chunk.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      const key = /sec-websocket-key: *(\S+)/i.exec(head)?.[1] ?? "";
      const accept = createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
      socket.write(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          `Sec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
      );
      then(socket);
      // A client frame starts with its opcode: 0x88 is a close (FIN set). Enough for clients that send nothing else.
      if (read) socket.on("data", (data: Buffer) => void (data[0] === 0x88 && seen.closeFrames++));
      else socket.pause();
    };
    socket.on("data", onData);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    seen,
    url: `ws://127.0.0.1:${port}/`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test("connectWebSocket, hostile server: a frame header that lies about its length ends it (frame-too-large)", async () => {
  const server = await handMadeServer((socket) => {
    socket.write(serverFrame(2, new Uint8Array([0, 0x10, 0, 0, 1, 2, 3]))); // announces 1 MiB
  });
  try {
    const conn = await connectWebSocket({ url: server.url, maxFrameSize: 1024, logger: silentLogger });
    assert.equal(await conn.receive().catch(() => undefined), undefined);
    const stats = await conn.finished;
    assert.equal(stats.closeReason, "frame-too-large", String(stats.error));
    assert.equal(stats.framesIn, 0);
  } finally {
    await server.close();
  }
});

test("connectWebSocket, hostile server: a text message ends it (unsupported-data)", async () => {
  const server = await handMadeServer((socket) => {
    socket.write(serverFrame(1, new TextEncoder().encode("\x00\x00\x00\x01a")));
  });
  try {
    const conn = await connectWebSocket({ url: server.url, logger: silentLogger });
    assert.equal(await conn.receive().catch(() => undefined), undefined);
    const stats = await conn.finished;
    assert.equal(stats.closeReason, "unsupported-data");
    await until(() => server.seen.closeFrames === 1, "the client's close frame (1003)");
    assert.equal(stats.framesIn, 0);
  } finally {
    await server.close();
  }
});

test("connectWebSocket, hostile server: a flood for a client that does not read ends it past readAheadLimit", async () => {
  // Whole frames of 60 000 bytes, one per message, far more than the client may hold.
  const payload = new Uint8Array(60_004);
  payload.set([0, 0, 0xea, 0x60]);
  const server = await handMadeServer((socket) => {
    for (let i = 0; i < 100; i++) socket.write(serverFrame(2, payload));
  });
  try {
    const conn = await connectWebSocket({
      url: server.url,
      maxFrameSize: 65_536,
      readAheadLimit: 200_000,
      logger: silentLogger,
    });
    // Never read: the messages pile up under the client until the bound, and it closes (1008).
    await until(() => server.seen.closeFrames === 1, "the client's close frame");
    assert.equal(await conn.receive().catch(() => undefined), undefined);
    const stats = await conn.finished;
    assert.equal(stats.closeReason, "rate-limit");
    assert.ok(stats.framesIn <= 4, `frames handed on: ${stats.framesIn}`);
  } finally {
    await server.close();
  }
});

test("connectWebSocket, hostile server: one that never reads holds the client's sends at the outbox's water mark", async () => {
  // Never reads: the kernel's buffers fill, then the runtime's.
  const server = await handMadeServer(() => {}, false);
  try {
    const conn = await connectWebSocket({ url: server.url, highWaterMark: 65_536, logger: silentLogger });
    const chunk = new Uint8Array(16_384);
    const SENDS = 2000; // 32 MiB: more than the kernel's buffers, the runtime's 256 KiB and the water mark hold
    let settled = 0;
    const sends = Array.from({ length: SENDS }, () => conn.send(chunk).then(() => void settled++));
    // Full: one more frame would cross the water mark, so the sends behind wait.
    await until(() => conn.stats.outboxBytes + chunk.length + 4 > 65_536, "the outbox at its water mark", 20_000);
    assert.ok(settled < SENDS, `sends wait (${settled} of ${SENDS} settled)`);
    assert.ok(conn.stats.outboxBytes <= 65_536 + chunk.length + 4, `outbox ${conn.stats.outboxBytes}`);
    conn.close();
    await Promise.allSettled(sends);
  } finally {
    await server.close();
  }
});

/**
 * Runs `dial` against a server that reads the opening request and never
 * answers it, then checks that the client dropped its socket (Deno and Bun
 * drop the opening socket at close(); Node's WebSocket, undici, keeps it
 * until its own bound).
 */
async function againstSilentServer(dial: (url: string) => Promise<void>): Promise<void> {
  const sockets = new Set<net.Socket>();
  let closed = 0;
  const silent = net.createServer((socket) => {
    sockets.add(socket.on("error", () => {}).on("close", () => closed++));
    socket.resume();
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  try {
    await dial(`ws://127.0.0.1:${(silent.address() as net.AddressInfo).port}/`);
    if (!isNode()) await until(() => sockets.size === 1 && closed === 1, "the client to drop its socket");
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
}

test("connectWebSocket, hostile server: a handshake never answered ends the dial after the heartbeat's timeout", () =>
  againstSilentServer(async (url) => {
    await assert.rejects(
      connectWebSocket({ url, heartbeat: { interval: 0.2 }, logger: silentLogger }),
      /no answer to the handshake within 200 ms/,
    );
  }));

test("connectWebSocket, hostile server: a handshake never answered fails the dial after connectTimeout, typed", () =>
  againstSilentServer(async (url) => {
    const error = await connectWebSocket({ url, connectTimeout: 0.2, logger: silentLogger }).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(error instanceof ConnectTimeoutError, `a ConnectTimeoutError, not ${error}`);
    assert.equal(error.message, `Cannot connect to ${url}: no connection within 0.2 seconds (connectTimeout)`);
  }));
