import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Address,
  type Connection,
  encodeFrame,
  ProxyHeaderError,
  type RawSocket,
  serve,
  silentLogger,
  type Transport,
} from "../mod.ts";
import { openConnectionRecords, readRecords } from "../src/edges/records/records.ts";
import { defaultTransport } from "../src/transport/select.ts";
import { test } from "./_harness.ts";
import { concat, decoder, echoHandler, readToEnd, startServer, text, until } from "./_fixtures.ts";

const FAST = { tickInterval: 0.05 };
/** The test's balancer is on loopback: the tests' own clients. */
const LOOPBACK = { trusted: ["127.0.0.1", "::1"] };
const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
const be16 = (n: number): number[] => [n >> 8, n & 0xff];

/** A v1 header from `source` to 192.0.2.1:7000. */
const v1 = (hostname: string, port: number): Uint8Array => text(`PROXY TCP4 ${hostname} 192.0.2.1 ${port} 7000\r\n`);

/** A v2 header for TCP over IPv6, from `source` (eight 16-bit words) to 2001:db8::1 port 7000. */
function v2ipv6(source: number[], port: number): Uint8Array {
  const block = [
    ...source.flatMap(be16),
    ...[0x2001, 0xdb8, 0, 0, 0, 0, 0, 1].flatMap(be16),
    ...be16(port),
    0x1b,
    0x58,
  ];
  return Uint8Array.from([...SIGNATURE, 0x21, 0x21, ...be16(block.length), ...block]);
}

/** A v2 header for TCP over IPv4. */
function v2ipv4(source: number[], port: number): Uint8Array {
  const block = [...source, 192, 0, 2, 1, ...be16(port), 0x1b, 0x58];
  return Uint8Array.from([...SIGNATURE, 0x21, 0x11, ...be16(block.length), ...block]);
}

/** The runtime's transport, counting accepted sockets and the chunks the server has read off them. */
async function countingTransport(): Promise<{ transport: Transport; accepted: () => number; chunks: () => number }> {
  const base = await defaultTransport();
  let accepted = 0;
  let chunks = 0;
  const transport: Transport = {
    name: base.name,
    connect: (options) => base.connect(options),
    listen: (options, onSocket, onError) =>
      base.listen(options, (socket) => {
        accepted++;
        const read = socket.read.bind(socket);
        socket.read = () =>
          read().then((chunk) => {
            if (chunk !== null) chunks++;
            return chunk;
          });
        onSocket(socket);
      }, onError),
  };
  return { transport, accepted: () => accepted, chunks: () => chunks };
}

/** A handler that keeps each connection's addresses, then echoes. */
function addressKeeper(): { handler: (conn: Connection) => Promise<void>; seen: Array<[Address, Address]> } {
  const seen: Array<[Address, Address]> = [];
  return {
    seen,
    handler: async (conn) => {
      seen.push([conn.remoteAddr, conn.localAddr]);
      await echoHandler(conn);
    },
  };
}

async function rawTo(port: number): Promise<RawSocket> {
  return (await defaultTransport()).connect({ hostname: "127.0.0.1", port });
}

// Bytes read past a frame, kept for that socket's next frame.
const leftovers = new WeakMap<RawSocket, Uint8Array>();

/** Reads one frame with a 4-byte header off a raw socket, as text. */
async function readFrame(socket: RawSocket): Promise<string> {
  let bytes: Uint8Array = leftovers.get(socket) ?? new Uint8Array(0);
  const size = () => bytes.length < 4 ? Infinity : 4 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
  while (bytes.length < size()) {
    const chunk = await socket.read();
    if (chunk === null) throw new Error(`stream ended after ${bytes.length} bytes`);
    bytes = concat([bytes, chunk]);
  }
  leftovers.set(socket, bytes.subarray(size()));
  return decoder.decode(bytes.subarray(4, size()));
}

test("serve proxyProtocol: a v1 header's addresses are the connection's, and the frame in the same write is handled", async () => {
  const { handler, seen } = addressKeeper();
  const { server, ends, logger } = await startServer(handler, { proxyProtocol: LOOPBACK });
  const header = v1("203.0.113.7", 56324);
  const socket = await rawTo(server.addr.port);
  await socket.write(concat([header, encodeFrame(text("hello"))]));
  assert.equal(await readFrame(socket), "hello");
  assert.deepEqual(seen, [[{ hostname: "203.0.113.7", port: 56324 }, { hostname: "192.0.2.1", port: 7000 }]]);
  assert.deepEqual(server.get(1)?.remoteAddr, { hostname: "203.0.113.7", port: 56324 });
  socket.close();
  await until(() => ends.length === 1, "the connection's end");
  assert.equal(ends[0]!.closeReason, "peer-closed");
  assert.deepEqual(ends[0]!.remoteAddr, { hostname: "203.0.113.7", port: 56324 });
  // The header's bytes are bytes received: they count in bytesIn.
  assert.equal(ends[0]!.bytesIn, header.length + 9);
  const opened = logger.records.find((r) => r.message.endsWith("opened"));
  assert.equal(opened?.properties?.remote, "203.0.113.7:56324");
  await server.shutdown();
});

test("serve proxyProtocol: a v2 header over IPv6 split across writes, then the frame with its last byte", async () => {
  const { transport, chunks } = await countingTransport();
  const { handler, seen } = addressKeeper();
  const { server, ends } = await startServer(handler, { proxyProtocol: LOOPBACK, transport });
  const header = v2ipv6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 7], 50312);
  const socket = await rawTo(server.addr.port);
  // Each piece is read by the server before the next is written: the header reaches it in three reads.
  for (const [i, piece] of [header.subarray(0, 5), header.subarray(5, 30)].entries()) {
    await socket.write(piece);
    await until(() => chunks() === i + 1, `the server's read ${i + 1}`);
  }
  assert.equal(seen.length, 0, "the handler waits for the whole header");
  assert.equal(server.size, 0, "a socket in its header is not a connection yet");
  await socket.write(concat([header.subarray(30), encodeFrame(text("one")), encodeFrame(text("two"))]));
  assert.equal(await readFrame(socket), "one");
  assert.equal(await readFrame(socket), "two");
  assert.deepEqual(seen[0]![0], { hostname: "2001:db8::7", port: 50312 });
  assert.deepEqual(seen[0]![1], { hostname: "2001:db8::1", port: 7000 });
  socket.close();
  await until(() => ends.length === 1, "the connection's end");
  await server.shutdown();
});

test("serve proxyProtocol: a header and its frame written a byte at a time", async () => {
  const { transport, chunks } = await countingTransport();
  const { handler, seen } = addressKeeper();
  const { server } = await startServer(handler, { proxyProtocol: LOOPBACK, transport });
  const wire = concat([v2ipv4([198, 51, 100, 9], 4000), encodeFrame(text("x"))]);
  const socket = await rawTo(server.addr.port);
  for (let i = 0; i < wire.length; i++) {
    await socket.write(wire.subarray(i, i + 1));
    // Until the header is complete, every byte is a read of its own.
    if (i < 27) await until(() => chunks() === i + 1, `byte ${i} read`);
  }
  assert.equal(await readFrame(socket), "x");
  assert.deepEqual(seen[0]![0], { hostname: "198.51.100.9", port: 4000 });
  socket.close();
  await server.shutdown();
});

test("serve proxyProtocol: maxConnectionsPerAddress counts the header's address, not the balancer's", async () => {
  const { server, logger } = await startServer(echoHandler, { proxyProtocol: LOOPBACK, maxConnectionsPerAddress: 1 });
  const open = async (source: string, port: number) => {
    const socket = await rawTo(server.addr.port);
    await socket.write(concat([v1(source, port), encodeFrame(text("hi"))]));
    return socket;
  };
  // Three connections from 127.0.0.1: two clients behind the balancer fit, the first client's second does not.
  const first = await open("203.0.113.7", 1001);
  const second = await open("203.0.113.8", 1002);
  assert.equal(await readFrame(first), "hi");
  assert.equal(await readFrame(second), "hi");
  const third = await open("203.0.113.7", 1003);
  assert.equal((await readToEnd(third)).length, 0, "refused: closed without an echo");
  assert.deepEqual(server.stats.refused, { "max-connections-per-address": 1 });
  assert.equal(server.size, 2);
  const line = logger.records.find((r) => r.message.startsWith("refused connection"));
  assert.equal(line?.properties?.remote, "203.0.113.7:1003");
  // Its slot is the client's: once the first ends, the same client fits again.
  first.close();
  await until(() => server.size === 1, "the first connection's end");
  const again = await open("203.0.113.7", 1004);
  assert.equal(await readFrame(again), "hi");
  for (const socket of [second, again]) socket.close();
  await server.shutdown();
});

test("serve proxyProtocol: maxConnections counts sockets still waiting for their header", async () => {
  const { transport, accepted } = await countingTransport();
  const { server } = await startServer(echoHandler, { proxyProtocol: LOOPBACK, maxConnections: 1, transport });
  const waiting = await rawTo(server.addr.port); // sends nothing yet
  await until(() => accepted() === 1, "the first socket accepted");
  const refused = await rawTo(server.addr.port);
  await refused.write(v1("203.0.113.9", 1));
  assert.equal((await readToEnd(refused)).length, 0);
  assert.deepEqual(server.stats.refused, { "max-connections": 1 });
  await waiting.write(concat([v1("203.0.113.7", 2), encodeFrame(text("in"))]));
  assert.equal(await readFrame(waiting), "in");
  waiting.close();
  await server.shutdown();
});

test("serve proxyProtocol: the records edge writes the client's address", async () => {
  const dir = await mkdtemp(join(tmpdir(), "spawnkit-proxy-"));
  try {
    const records = openConnectionRecords(join(dir, "connections.csv"));
    const server = await serve({
      port: 0,
      logger: silentLogger,
      proxyProtocol: LOOPBACK,
      onConnectionEnd: records.onConnectionEnd,
    }, echoHandler);
    const socket = await rawTo(server.addr.port);
    await socket.write(concat([v2ipv6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 7], 50312), encodeFrame(text("rec"))]));
    assert.equal(await readFrame(socket), "rec");
    socket.close();
    const garbage = await rawTo(server.addr.port);
    await garbage.write(text("GET / HTTP/1.1\r\n\r\n"));
    await readToEnd(garbage);
    await until(() => server.stats.closedByReason["bad-proxy-header"] === 1, "the garbage closed");
    await server.shutdown();
    records.close();
    const rows = await readRecords(join(dir, "connections.csv"));
    const byReason = Object.fromEntries(rows.map((row) => [row.close_reason, row]));
    assert.equal(byReason["peer-closed"]?.remote, "[2001:db8::7]:50312");
    assert.match(byReason["bad-proxy-header"]?.remote ?? "", /^127\.0\.0\.1:\d+$/);
    assert.equal(byReason["bad-proxy-header"]?.bytes_in, "18");
    assert.match(
      byReason["bad-proxy-header"]?.error ?? "",
      /^ProxyHeaderError: Cannot read PROXY header: first byte 0x47/,
    );
  } finally {
    await rm(dir, { recursive: true });
  }
});

for (
  const [what, wire] of [
    ["a frame sent first", encodeFrame(text("no header"))],
    ["an HTTP request", text("GET / HTTP/1.1\r\nHost: x\r\n\r\n")],
    ["a v1 line with a bad address", text("PROXY TCP4 203.0.113.07 192.0.2.1 1 2\r\n")],
    ["a v2 header with command 2", Uint8Array.from([...SIGNATURE, 0x22, 0x11, 0, 0])],
    ["a v2 length over the cap", Uint8Array.from([...SIGNATURE, 0x21, 0x11, 0xff, 0xff])],
  ] as const
) {
  test(`serve proxyProtocol: ${what} closes with bad-proxy-header, and the handler never runs`, async () => {
    let handled = 0;
    const { server, ends, logger } = await startServer(() => void handled++, { proxyProtocol: LOOPBACK });
    const socket = await rawTo(server.addr.port);
    await socket.write(wire);
    assert.equal((await readToEnd(socket)).length, 0);
    await until(() => ends.length === 1, "the connection's end");
    const end = ends[0]!;
    assert.equal(end.closeReason, "bad-proxy-header");
    assert.ok(end.error instanceof ProxyHeaderError, String(end.error));
    assert.equal(end.remoteAddr.hostname, "127.0.0.1", "the balancer's address: no header gave another");
    assert.equal(handled, 0);
    assert.deepEqual(server.stats.closedByReason, { "bad-proxy-header": 1 });
    const line = logger.records.find((r) => r.properties?.reason === "bad-proxy-header");
    assert.equal(line?.level, "info");
    assert.equal(line?.properties?.detail, end.error.detail);
    await server.shutdown();
  });
}

test("serve without proxyProtocol: a PROXY header is frame bytes, refused by framing, and spoofs nothing", async () => {
  const seen: Address[] = [];
  const { server, ends } = await startServer(async (conn) => {
    seen.push(conn.remoteAddr);
    await echoHandler(conn);
  });
  for (const header of [v1("203.0.113.7", 1), v2ipv4([203, 0, 113, 7], 1)]) {
    const socket = await rawTo(server.addr.port);
    await socket.write(concat([header, encodeFrame(text("x"))]));
    assert.equal((await readToEnd(socket)).length, 0);
  }
  await until(() => ends.length === 2, "both ends");
  // "PROX" and 0D 0A 0D 0A read as lengths of about 1.3 GB and 218 MB: over maxFrameSize.
  assert.deepEqual(ends.map((end) => end.closeReason), ["frame-too-large", "frame-too-large"]);
  assert.ok(seen.every((addr) => addr.hostname === "127.0.0.1"), JSON.stringify(seen));
  assert.ok(ends.every((end) => end.remoteAddr.hostname === "127.0.0.1"));
  await server.shutdown();
});

test("serve proxyProtocol: LOCAL and UNKNOWN keep the socket's own addresses", async () => {
  const { handler, seen } = addressKeeper();
  const { server } = await startServer(handler, { proxyProtocol: LOOPBACK });
  for (const header of [Uint8Array.from([...SIGNATURE, 0x20, 0x00, 0, 0]), text("PROXY UNKNOWN\r\n")]) {
    const socket = await rawTo(server.addr.port);
    await socket.write(concat([header, encodeFrame(text("local"))]));
    assert.equal(await readFrame(socket), "local");
    assert.deepEqual(seen.at(-1), [socket.localAddr, socket.remoteAddr]);
    socket.close();
  }
  await server.shutdown();
});

test("serve proxyProtocol: a header that stops half way, or never comes, closes at proxyHeaderTimeout", async () => {
  const { server, ends } = await startServer(echoHandler, {
    ...FAST,
    proxyProtocol: LOOPBACK,
    proxyHeaderTimeout: 0.2,
  });
  const half = await rawTo(server.addr.port);
  await half.write(text("PROXY TCP4 203.0.113.7 "));
  const silent = await rawTo(server.addr.port);
  assert.equal((await readToEnd(half)).length, 0);
  assert.equal((await readToEnd(silent)).length, 0);
  await until(() => ends.length === 2, "both ends");
  const details = ends.map((end) => (end.error as ProxyHeaderError).detail).sort();
  assert.deepEqual(details, [
    "no complete header within 0.2 seconds (0 bytes received)",
    "no complete header within 0.2 seconds (23 bytes received)",
  ]);
  assert.ok(ends.every((end) => end.closeReason === "bad-proxy-header"));
  await server.shutdown();
});

test("serve proxyProtocol: a peer that leaves inside its header is a bad header; one that sent nothing is peer-closed", async () => {
  const { server, ends } = await startServer(echoHandler, { proxyProtocol: LOOPBACK });
  const inside = await rawTo(server.addr.port);
  await inside.write(text("PROXY TCP4 203.0.113.7"));
  inside.close();
  await until(() => ends.length === 1, "the first end");
  const nothing = await rawTo(server.addr.port);
  nothing.close();
  await until(() => ends.length === 2, "the second end");
  assert.equal(ends[0]!.closeReason, "bad-proxy-header");
  assert.match(String(ends[0]!.error), /stream ended after 22 bytes of a version 1 header/);
  assert.equal(ends[0]!.bytesIn, 22);
  assert.equal(ends[1]!.closeReason, "peer-closed");
  assert.equal(ends[1]!.error, undefined);
  await server.shutdown();
});

test("serve proxyProtocol: shutdown closes sockets still waiting for their header, without a connection", async () => {
  const { transport, accepted } = await countingTransport();
  const { server, ends } = await startServer(echoHandler, { proxyProtocol: LOOPBACK, transport });
  const waiting = await rawTo(server.addr.port);
  await waiting.write(text("PROXY "));
  await until(() => accepted() === 1, "the socket accepted");
  const report = await server.shutdown({ timeout: 5 });
  assert.equal((await readToEnd(waiting)).length, 0);
  assert.equal(report.connections, 0);
  assert.equal(ends.length, 0);
});

test("serve refuses proxyProtocol that is not { trusted }, with tls, or a bad proxyHeaderTimeout, before it listens", async () => {
  const handler = () => {};
  await assert.rejects(serve({ proxyProtocol: "yes" as unknown as false }, handler), {
    name: "TypeError",
    message: 'Cannot use proxyProtocol "yes": must be false or { trusted: [...] }',
  });
  await assert.rejects(serve({ proxyProtocol: LOOPBACK, tls: { cert: "", key: "" } }, handler), {
    name: "TypeError",
    message: /^Cannot use proxyProtocol with tls/,
  });
  await assert.rejects(serve({ proxyProtocol: LOOPBACK, proxyHeaderTimeout: 0 }, handler), {
    name: "RangeError",
    message: "Cannot use proxyHeaderTimeout 0: must be a positive number of seconds up to 2147483",
  });
});
