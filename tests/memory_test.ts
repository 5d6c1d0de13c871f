import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  connect,
  type Connection,
  ConnectionClosedError,
  encodeFrame,
  type MemorySocket,
  memoryTransport,
  type Server,
  ShutdownError,
  silentLogger,
} from "../mod.ts";
import { test } from "./_harness.ts";
import { concat, decoder, echoHandler, readToEnd, startServer, take, text, until } from "./_fixtures.ts";
import { settle, socketPair } from "./_memory.ts";

const bytes = (...values: number[]) => new Uint8Array(values);

/** A server over a fresh memory transport, and clients of the same one. */
async function memoryServer(
  handler: Parameters<typeof startServer>[0],
  options: Parameters<typeof startServer>[1] = {},
) {
  const transport = memoryTransport();
  const started = await startServer(handler, { transport, ...options });
  const client = () => connect({ port: started.server.addr.port, transport, logger: silentLogger });
  const raw = () => transport.connect({ hostname: "127.0.0.1", port: started.server.addr.port });
  return { ...started, transport, client, raw };
}

/** The server's side of the connection whose client end is `local`. */
function serverSide(server: Server, local: { localAddr: { port: number } }): Connection {
  return [...server.connections()].find((c) => c.remoteAddr.port === local.localAddr.port) as Connection;
}

// The transport itself.

test("memoryTransport connects a client to a listener: 127.0.0.1:N addresses, each end the other's remote", async () => {
  const transport = memoryTransport();
  const accepted: MemorySocket[] = [];
  const listener = await transport.listen(
    { hostname: "127.0.0.1", port: 0 },
    (socket) => accepted.push(socket as MemorySocket),
    () => 0,
  );
  assert.equal(transport.name, "memory");
  assert.equal(listener.addr.hostname, "127.0.0.1");
  assert.ok(listener.addr.port > 0 && listener.addr.port < 65_536, `port ${listener.addr.port}`);
  const client = await transport.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  assert.equal(accepted.length, 1, "accepted by the time connect() settles");
  const server = accepted[0]!;
  assert.deepEqual(client.remoteAddr, listener.addr);
  assert.deepEqual(server.localAddr, listener.addr);
  assert.deepEqual(server.remoteAddr, client.localAddr);
  assert.notEqual(client.localAddr.port, listener.addr.port);
  const second = await transport.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  assert.notEqual(second.localAddr.port, client.localAddr.port, "each client its own port");
  listener.close();
  listener.close();
});

test("memoryTransport refuses: nobody listening (ECONNREFUSED), a port in use (EADDRINUSE), TLS (TypeError)", async () => {
  const transport = memoryTransport();
  const listener = await transport.listen({ hostname: "127.0.0.1", port: 7000 }, () => {}, () => 0);
  assert.equal(listener.addr.port, 7000, "a port asked for is the port bound");
  await assert.rejects(
    transport.listen({ hostname: "127.0.0.1", port: 7000 }, () => {}, () => 0),
    { code: "EADDRINUSE" },
  );
  await assert.rejects(transport.connect({ hostname: "127.0.0.1", port: 7001 }), { code: "ECONNREFUSED" });
  await assert.rejects(memoryTransport().connect({ hostname: "127.0.0.1", port: 7000 }), { code: "ECONNREFUSED" });
  await assert.rejects(
    transport.listen({ hostname: "127.0.0.1", port: 0, tls: { cert: "", key: "" } }, () => {}, () => 0),
    TypeError,
  );
  await assert.rejects(transport.connect({ hostname: "127.0.0.1", port: 7000, tls: {} }), TypeError);
  listener.close();
  await assert.rejects(transport.connect({ hostname: "127.0.0.1", port: 7000 }), { code: "ECONNREFUSED" });
  assert.throws(() => memoryTransport({ bufferSize: 0 }), RangeError);
  assert.throws(() => memoryTransport({ bufferSize: 1.5 }), RangeError);
});

test("MemorySocket: bytes wait for a read, then come in one chunk of the caller's, in order", async () => {
  const { client, server } = await socketPair();
  await client.write(bytes(1, 2));
  const source = bytes(3, 4, 5);
  await client.write(source);
  source.fill(0); // a settled write's data is free again: the pipe holds a copy
  assert.equal(server.unread, 5);
  const chunk = await server.read();
  assert.deepEqual(chunk, bytes(1, 2, 3, 4, 5));
  assert.equal(server.unread, 0);
  const pending = server.read();
  await client.write(bytes(6));
  assert.deepEqual(await pending, bytes(6), "a pending read takes the next write");
  assert.deepEqual(chunk, bytes(1, 2, 3, 4, 5), "a chunk handed out is never written to again");
});

test("MemorySocket: a write waits while the peer's buffer is full, and settles once the peer has read enough", async () => {
  const { client, server } = await socketPair({ bufferSize: 4 });
  let settled = false;
  const write = client.write(bytes(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)).then(() => settled = true);
  await settle();
  assert.equal(settled, false, "10 bytes do not fit in 4");
  assert.equal(server.unread, 4);
  assert.deepEqual(await server.read(), bytes(1, 2, 3, 4));
  await settle();
  assert.equal(settled, false, "4 more taken, 2 still waiting");
  assert.deepEqual(await server.read(), bytes(5, 6, 7, 8));
  await write;
  assert.deepEqual(await server.read(), bytes(9, 10));
});

test("MemorySocket refuses a second pending read and a second pending write", async () => {
  const { client, server } = await socketPair({ bufferSize: 1 });
  const read = server.read();
  await assert.rejects(server.read(), /a read is pending/);
  const write = client.write(bytes(1, 2, 3)); // 1 to the pending read, 2 into the buffer, 3 waits
  await assert.rejects(client.write(bytes(4)), /a write is pending/);
  assert.deepEqual(await read, bytes(1));
  assert.deepEqual(await server.read(), bytes(2));
  assert.deepEqual(await server.read(), bytes(3));
  await write;
});

test("MemorySocket.close: reads give null, a pending write fails; the peer reads what was sent, then null", async () => {
  const { client, server } = await socketPair({ bufferSize: 4 });
  const serverRead = server.read();
  await client.write(bytes(1, 2));
  assert.deepEqual(await serverRead, bytes(1, 2));
  await client.write(bytes(3));
  // 4 fit; the rest waits for a client that will not read.
  const blocked = assert.rejects(server.write(new Uint8Array(10)), { code: "EPIPE" }, "a write waiting for room fails");
  const serverReadAfter = server.read();
  client.close();
  client.close(); // idempotent
  assert.equal(await client.read(), null, "reads give null after close");
  assert.equal(client.unread, 0, "what it had not read is dropped");
  await blocked;
  assert.deepEqual(await serverReadAfter, bytes(3), "the peer reads what was sent before the close");
  assert.equal(await server.read(), null, "then the end");
  await assert.rejects(server.write(bytes(1)), { code: "EPIPE" }, "and its writes fail");
  await assert.rejects(client.write(bytes(1)), /closed/);
});

test("MemorySocket.close ends its own pending read with null and fails its own pending write", async () => {
  const { client } = await socketPair({ bufferSize: 2 });
  const read = client.read();
  const write = assert.rejects(client.write(bytes(1, 2, 3)), /closed/);
  client.close();
  assert.equal(await read, null);
  await write;
});

test("MemorySocket.end half-closes: the peer reads the bytes then null, and can still write back", async () => {
  const { client, server } = await socketPair({ bufferSize: 4 });
  const write = client.write(bytes(1, 2, 3, 4, 5, 6));
  client.end();
  client.end();
  assert.deepEqual(await server.read(), bytes(1, 2, 3, 4));
  assert.deepEqual(await server.read(), bytes(5, 6), "a write pending at end() still goes out");
  await write;
  await assert.rejects(client.write(bytes(7)), /ended/, "no writes after end()");
  assert.equal(await server.read(), null, "then the FIN");
  await server.write(bytes(9));
  assert.deepEqual(await client.read(), bytes(9), "the half-closed end still reads");
  server.close();
  assert.equal(await client.read(), null);
});

test("memoryTransport names no runtime and imports nothing but the transport types and its pipe", () => {
  const importsOf = (file: string) => {
    const code = readFileSync(new URL(`../src/transport/${file}`, import.meta.url), "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/^\s*\/\/.*$/gm, "");
    assert.doesNotMatch(code, /\b(Deno|Bun|process|require)\b|["']node:/);
    return [...code.matchAll(/\bfrom\s*["']([^"']+)["']/g)].map((match) => match[1]);
  };
  assert.deepEqual(importsOf("memory.ts"), ["./_memory_pipe.ts", "./types.ts"]);
  assert.deepEqual(importsOf("_memory_pipe.ts"), []);
});

// The kit over it: serve({ transport }) and connect({ transport }).

test("serve and connect over memoryTransport echo frames of sizes 0 to the limit, and 200 pipelined in order", async () => {
  const { server, client, logger } = await memoryServer(echoHandler);
  assert.ok(logger.records.some((r) => r.properties?.transport === "memory"), "the log names the transport");
  const conn = await client();
  assert.equal(server.size, 1, "accepted by the time connect() settles");
  for (const size of [0, 1, 255, 65_536, 262_144]) {
    const payload = new Uint8Array(size).map((_, i) => i * 7);
    await conn.send(payload);
    assert.deepEqual((await take(conn, 1))[0], payload, `size ${size}`);
  }
  const sent = Array.from({ length: 200 }, (_, i) => `frame ${i}`);
  for (const frame of sent) void conn.send(text(frame));
  assert.deepEqual((await take(conn, 200)).map((f) => decoder.decode(f)), sent);
  conn.close();
  await server.shutdown();
  assert.equal(server.stats.closedByReason["peer-closed"], 1);
});

test("serve over memoryTransport: a peer that does not read makes send() wait at the high-water mark", async () => {
  const highWaterMark = 8192;
  const bufferSize = 4096;
  const frame = new Uint8Array(1000).fill(7);
  const total = 100; // 100 kB: far more than the outbox and the peer's buffer hold
  let sent = 0;
  const transport = memoryTransport({ bufferSize });
  const { server, ends } = await startServer(async (conn) => {
    for (; sent < total; sent++) await conn.send(frame);
  }, { transport, highWaterMark });
  const reader = await transport.connect({ hostname: "127.0.0.1", port: server.addr.port });
  await settle();
  const side = serverSide(server, reader);
  assert.ok(sent < total, `send() waits (${sent} of ${total} sent)`);
  assert.equal(reader.unread, bufferSize, "the peer's buffer is full");
  const { outboxBytes } = side.stats;
  assert.ok(outboxBytes <= highWaterMark, `outbox ${outboxBytes} <= ${highWaterMark}`);
  assert.ok(outboxBytes > highWaterMark - frame.length - 4, `outbox ${outboxBytes}: full up to the mark`);
  await settle();
  assert.equal(side.stats.outboxBytes, outboxBytes, "nothing moves while the peer reads nothing");
  const received = await readToEnd(reader);
  assert.equal(received.length, total * (frame.length + 4), "every frame arrives once the peer reads");
  await until(() => ends.length === 1, "the connection to end");
  assert.ok(ends[0]!.outboxPeak <= highWaterMark, `peak ${ends[0]!.outboxPeak}`);
  assert.equal(ends[0]!.framesOut, total);
  await server.shutdown();
});

test("serve over memoryTransport: a broadcast to a peer that reads nothing disconnects it at the mark", async () => {
  const highWaterMark = 8192;
  const transport = memoryTransport({ bufferSize: 4096 });
  const { server, ends } = await startServer(echoHandler, { transport, highWaterMark });
  const deaf = await transport.connect({ hostname: "127.0.0.1", port: server.addr.port });
  const side = serverSide(server, deaf);
  const frame = new Uint8Array(1000);
  let taken = 0;
  for (let i = 0; i < 100 && !side.closing; i++) {
    taken += server.broadcast(frame);
    await settle();
  }
  await until(() => ends.length === 1, "the slow consumer's end");
  assert.equal(ends[0]!.closeReason, "slow-consumer");
  assert.ok(ends[0]!.outboxPeak <= highWaterMark, `peak ${ends[0]!.outboxPeak}`);
  // Taken: what the peer's buffer and then the outbox held, up to the mark.
  assert.ok(taken * 1004 > 4096 && taken * 1004 <= 4096 + highWaterMark + 1004, `${taken} frames taken`);
  await server.shutdown();
});

test("serve over memoryTransport closes only the connection that announces an oversize frame", async () => {
  const { server, ends, client, raw } = await memoryServer(echoHandler, { maxFrameSize: 1000 });
  const good = await client();
  const bad = await raw();
  await bad.write(concat([encodeFrame(text("ok")), bytes(0xff, 0xff, 0xff, 0xff)]));
  assert.deepEqual(await readToEnd(bad), encodeFrame(text("ok")), "the frame before the bad header is answered");
  await until(() => ends.length === 1, "the bad connection's end");
  assert.equal(ends[0]!.closeReason, "frame-too-large");
  await good.send(text("still here"));
  assert.equal(decoder.decode((await take(good, 1))[0]), "still here");
  good.close();
  await server.shutdown();
});

test("maxConnections over memoryTransport refuses one more with the goodbye frame", async () => {
  const { server, client, raw } = await memoryServer(echoHandler, { maxConnections: 2, goodbye: text("full") });
  const open = [await client(), await client()];
  const refused = await raw();
  assert.deepEqual(await readToEnd(refused), encodeFrame(text("full")));
  assert.equal(server.stats.refused["max-connections"], 1);
  assert.equal(server.size, 2);
  for (const conn of open) conn.close();
  await server.shutdown();
});

test("idleTimeout over memoryTransport closes a peer that stalls inside a header", async () => {
  const { server, ends, raw } = await memoryServer(echoHandler, { tickInterval: 0.05, idleTimeout: 0.2 });
  const stalled = await raw();
  await stalled.write(bytes(0, 0));
  assert.equal(await stalled.read(), null, "the server closed it");
  await until(() => ends.length === 1, "the stalled connection's end");
  assert.equal(ends[0]!.closeReason, "idle-timeout");
  assert.equal(ends[0]!.bytesIn, 2);
  await server.shutdown();
});

test("over memoryTransport, a peer that half-closes after its frames gets replies sent after its FIN", async () => {
  // Replies only once the frame loop has ended, that is once the FIN was read: the server's writes go on.
  const { server, ends, raw } = await memoryServer(async (conn) => {
    const frames: Uint8Array[] = [];
    for await (const frame of conn) frames.push(frame);
    assert.equal(conn.closing, true, "input has ended");
    for (const frame of frames) await conn.send(frame);
  });
  const peer = await raw();
  const frames = [0, 1, 2].map((i) => encodeFrame(bytes(i, i, i)));
  for (const frame of frames) await peer.write(frame);
  peer.end();
  assert.deepEqual(await readToEnd(peer), concat(frames), "every reply, then the server's close");
  await until(() => ends.length === 1, "the end");
  assert.equal(ends[0]!.closeReason, "peer-closed");
  assert.equal(ends[0]!.framesOut, 3);
  await server.shutdown();
});

test("over memoryTransport, either side's close ends the other: peer-closed on the server, the end on the client", async () => {
  const { server, ends, client } = await memoryServer(echoHandler);
  const leaving = await client();
  leaving.close();
  await until(() => ends.length === 1, "the server to see the close");
  assert.equal(ends[0]!.closeReason, "peer-closed");

  const staying = await client();
  await staying.send(text("hi"));
  await take(staying, 1);
  const report = await server.shutdown({ quietPeriod: 0 });
  assert.equal(report.connections, 1);
  assert.deepEqual(await take(staying, 1), [], "the client's loop ends");
  await assert.rejects(staying.send(text("after")), ConnectionClosedError);
  assert.ok(ends[1]!.error instanceof ShutdownError);
  await assert.rejects(client(), { code: "ECONNREFUSED" }, "nothing listens after shutdown");
});
