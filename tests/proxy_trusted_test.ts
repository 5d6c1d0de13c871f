import assert from "node:assert/strict";
import { type Address, type Connection, encodeFrame, type RawSocket, serve, silentLogger } from "../mod.ts";
import { defaultTransport } from "../src/transport/select.ts";
import { skip, test } from "./_harness.ts";
import { concat, decoder, echoHandler, readToEnd, startServer, text, until } from "./_fixtures.ts";

const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
const be16 = (n: number): number[] => [n >> 8, n & 0xff];

/** A v1 header from `hostname` to 192.0.2.1:7000. */
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

async function rawTo(server: { readonly addr: Address }, hostname = "127.0.0.1"): Promise<RawSocket> {
  return (await defaultTransport()).connect({ hostname, port: server.addr.port });
}

/** Reads one frame with a 4-byte header off a raw socket (the only frame the test expects), as text. */
async function readFrame(socket: RawSocket): Promise<string> {
  let bytes: Uint8Array = new Uint8Array(0);
  const size = () => bytes.length < 4 ? Infinity : 4 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
  while (bytes.length < size()) {
    const chunk = await socket.read();
    if (chunk === null) throw new Error(`stream ended after ${bytes.length} bytes`);
    bytes = concat([bytes, chunk]);
  }
  return decoder.decode(bytes.subarray(4, size()));
}

/** Writes `bytes`, and says whether the server then closed without a byte back (a refusal). */
async function refused(socket: RawSocket, bytes: Uint8Array): Promise<boolean> {
  // The server may close before the write lands: a reset is a refusal too.
  await socket.write(bytes).catch(() => {});
  return (await readToEnd(socket)).length === 0;
}

/** A handler that keeps each connection's remote address, then echoes. */
function addressKeeper(): { handler: (conn: Connection) => Promise<void>; seen: string[] } {
  const seen: string[] = [];
  return { seen, handler: (conn) => (seen.push(conn.remoteAddr.hostname), echoHandler(conn)) };
}

test("serve proxyProtocol: a trusted proxy's header is honoured (a block that holds the source)", async () => {
  const { handler, seen } = addressKeeper();
  const { server, ends } = await startServer(handler, { proxyProtocol: { trusted: ["10.0.0.0/8", "127.0.0.0/8"] } });
  const socket = await rawTo(server);
  await socket.write(concat([v1("203.0.113.7", 4000), encodeFrame(text("hi"))]));
  assert.equal(await readFrame(socket), "hi");
  assert.deepEqual(seen, ["203.0.113.7"]);
  assert.deepEqual(server.stats.refused, {});
  socket.close();
  await until(() => ends.length === 1, "the connection's end");
  assert.equal(ends[0]!.remoteAddr.hostname, "203.0.113.7");
  await server.shutdown();
});

test("serve proxyProtocol: a header from a source outside trusted is refused at accept, counted and logged", async () => {
  let handled = 0;
  const { server, ends, logger } = await startServer(() => void handled++, {
    proxyProtocol: { trusted: ["10.0.0.0/8", "fd00::/8", "127.0.0.2"] },
  });
  for (let i = 0; i < 3; i++) {
    const socket = await rawTo(server);
    assert.ok(await refused(socket, concat([v1("203.0.113.7", 4000 + i), encodeFrame(text("hi"))])));
    socket.close();
  }
  assert.deepEqual(server.stats.refused, { "untrusted-proxy-source": 3 });
  // Refused before it was a connection: no handler, no end, nobody took the address it claimed.
  assert.equal(handled, 0);
  assert.equal(server.stats.accepted, 0);
  assert.equal(ends.length, 0);
  const lines = logger.records.filter((r) => r.message === "refused connection from {remote}: {reason}");
  assert.ok(lines.length >= 1);
  assert.equal(lines[0]!.properties?.reason, "untrusted-proxy-source");
  assert.match(String(lines[0]!.properties?.remote), /^127\.0\.0\.1:\d+$/);
  await server.shutdown();
});

test("serve proxyProtocol: the per-address limit counts an IPv6 /64 once, behind a trusted proxy", async () => {
  const words = (...tail: number[]) => [0x2001, 0xdb8, 0, ...tail];
  const { server } = await startServer(echoHandler, {
    proxyProtocol: { trusted: ["127.0.0.1"] },
    maxConnectionsPerAddress: 1,
  });
  const open = async (source: number[], port: number) => {
    const socket = await rawTo(server);
    await socket.write(concat([v2ipv6(source, port), encodeFrame(text("hi"))])).catch(() => {});
    return socket;
  };
  const first = await open(words(1, 0xaaaa, 0, 0, 1), 1001);
  assert.equal(await readFrame(first), "hi");
  // Another address of the same /64 (2001:db8:0:1::/64): the same client.
  const sameNet = await open(words(1, 0xbbbb, 0x1234, 0, 2), 1002);
  assert.equal((await readToEnd(sameNet)).length, 0, "refused: closed without an echo");
  // The next /64 is another client.
  const nextNet = await open(words(2, 0xaaaa, 0, 0, 1), 1003);
  assert.equal(await readFrame(nextNet), "hi");
  assert.deepEqual(server.stats.refused, { "max-connections-per-address": 1 });
  assert.equal(server.size, 2);
  for (const socket of [first, sameNet, nextNet]) socket.close();
  await server.shutdown();
});

test("serve addressPrefix: /128 counts IPv6 addresses apart, /24 groups IPv4 ones", async () => {
  const { server } = await startServer(echoHandler, {
    proxyProtocol: { trusted: ["127.0.0.1"] },
    maxConnectionsPerAddress: 1,
    addressPrefix: { ipv4: 24, ipv6: 128 },
  });
  const open = async (header: Uint8Array) => {
    const socket = await rawTo(server);
    await socket.write(concat([header, encodeFrame(text("hi"))])).catch(() => {});
    return socket;
  };
  const a = await open(v2ipv6([0x2001, 0xdb8, 0, 1, 0, 0, 0, 1], 1001));
  const b = await open(v2ipv6([0x2001, 0xdb8, 0, 1, 0, 0, 0, 2], 1002));
  assert.equal(await readFrame(a), "hi");
  assert.equal(await readFrame(b), "hi");
  const c = await open(v1("203.0.113.7", 1003));
  assert.equal(await readFrame(c), "hi");
  const d = await open(v1("203.0.113.200", 1004));
  assert.equal((await readToEnd(d)).length, 0, "203.0.113.0/24 holds one connection");
  assert.deepEqual(server.stats.refused, { "max-connections-per-address": 1 });
  for (const socket of [a, b, c, d]) socket.close();
  await server.shutdown();
});

// IPv6 loopback: the source is "::1", which an IPv4 entry does not cover.
const ipv6Loopback = await (async () => {
  try {
    const server = await serve({ hostname: "::1", port: 0, logger: silentLogger }, () => {});
    await server.shutdown();
    return true;
  } catch {
    return false;
  }
})();
if (!ipv6Loopback) skip("serve proxyProtocol over ::1", "this machine has no IPv6 loopback");
else {
  test('serve proxyProtocol over ::1: trusted by "::1", refused by an IPv4-only list', async () => {
    const { handler, seen } = addressKeeper();
    const { server } = await startServer(handler, { hostname: "::1", proxyProtocol: { trusted: ["::1"] } });
    const socket = await rawTo(server, "::1");
    await socket.write(concat([v1("203.0.113.9", 4000), encodeFrame(text("hi"))]));
    assert.equal(await readFrame(socket), "hi");
    assert.deepEqual(seen, ["203.0.113.9"]);
    socket.close();
    await server.shutdown();

    const other = await startServer(handler, { hostname: "::1", proxyProtocol: { trusted: ["127.0.0.0/8"] } });
    const untrusted = await rawTo(other.server, "::1");
    assert.ok(await refused(untrusted, concat([v1("203.0.113.9", 4001), encodeFrame(text("hi"))])));
    untrusted.close();
    assert.deepEqual(other.server.stats.refused, { "untrusted-proxy-source": 1 });
    assert.deepEqual(seen, ["203.0.113.9"]);
    await other.server.shutdown();
  });
}

test("serve refuses proxyProtocol true, an empty or malformed trusted list, and a bad addressPrefix, before it listens", async () => {
  const handler = () => {};
  await assert.rejects(serve({ proxyProtocol: true as unknown as false }, handler), {
    name: "TypeError",
    message: "Cannot use proxyProtocol true: name the proxies whose headers to trust, as " +
      'proxyProtocol: { trusted: ["10.0.0.0/8"] }; a header from anyone else lets a client choose its address (PP 2)',
  });
  await assert.rejects(serve({ proxyProtocol: { trusted: [] } }, handler), {
    name: "TypeError",
    message: 'Cannot use proxyProtocol.trusted: it must list the proxies\' addresses or blocks, such as ["10.0.0.0/8"]',
  });
  await assert.rejects(serve({ proxyProtocol: { trusted: ["127.0.0.1", "10.0.0.0/33"] } }, handler), {
    name: "TypeError",
    message: 'Cannot trust proxy source "10.0.0.0/33": the prefix must be a whole number from 0 to 32',
  });
  await assert.rejects(serve({ addressPrefix: { ipv6: 0 } }, handler), {
    name: "RangeError",
    message: "Cannot use addressPrefix.ipv6 0: must be a whole number from 1 to 128",
  });
});
