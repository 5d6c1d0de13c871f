import assert from "node:assert/strict";
import { test } from "./_harness.ts";
import { client, decoder, echoHandler, rawConnect, readToEnd, startServer, take, text, until } from "./_fixtures.ts";
import { testCertificates } from "./_tls.ts";

const certs = await testCertificates();
const tls = { cert: certs.cert, key: certs.key };

test("serve over TLS echoes frames to a client that trusts its CA", async () => {
  const { server } = await startServer(echoHandler, { tls });
  const conn = await client(server, { tls: { caCerts: [certs.ca] } });
  await conn.send(text("over tls"));
  assert.equal(decoder.decode((await take(conn, 1))[0]), "over tls");
  // Bigger than one TLS record (16 KiB) and than the read-ahead: many records, one frame.
  const big = new Uint8Array(200_000).map((_, i) => i * 13);
  await conn.send(big);
  assert.deepEqual((await take(conn, 1))[0], big);
  conn.close();
  await server.shutdown();
});

test("connect over TLS refuses a server whose CA it does not trust; the server goes on", async () => {
  const { server, ends, logger } = await startServer(echoHandler, { tls });
  await assert.rejects(client(server, { tls: { caCerts: [certs.otherCa] } }));
  // With no CA given, the runtime's trust store does not know the test CA either.
  await assert.rejects(client(server, { tls: {} }));
  await until(() => ends.length === 2, "both refused connections to end on the server");
  // Deno and Bun clients refuse inside the handshake (the server sees an alert: socket-error);
  // a Node client checks the certificate after it and hangs up (the server sees peer-closed).
  for (const end of ends) assert.match(end.closeReason ?? "", /^(socket-error|peer-closed)$/);
  assert.equal(ends.reduce((n, end) => n + end.framesIn, 0), 0);

  const trusted = await client(server, { tls: { caCerts: [certs.ca] } });
  await trusted.send(text("still here"));
  assert.equal(decoder.decode((await take(trusted, 1))[0]), "still here");
  trusted.close();
  await server.shutdown();
  const logged = JSON.stringify(logger.records, (_, value) => value instanceof Error ? String(value) : value);
  assert.ok(!logged.includes("PRIVATE KEY"), "no key material in the log");
});

test("serve over TLS closes a plain TCP client that speaks no TLS", async () => {
  const { server, ends } = await startServer(echoHandler, { tls });
  const plain = await client(server);
  await plain.send(text("not a handshake"));
  assert.deepEqual(await take(plain, 1), [], "the server closed the plain connection");
  await until(() => ends.length === 1, "the plain connection to end on the server");
  assert.equal(ends[0]!.closeReason, "socket-error");
  await server.shutdown();
});

// The start of a TLS 1.2+ ClientHello: a handshake record announcing 512 bytes, of which only these arrive.
const HALF_CLIENT_HELLO = Uint8Array.from([
  0x16,
  0x03,
  0x01,
  0x02,
  0x00, // record: handshake, TLS 1.0 on the record layer, 512 bytes
  0x01,
  0x00,
  0x01,
  0xfc, // ClientHello, 508 bytes
  0x03,
  0x03, // client version TLS 1.2
  ...Array.from({ length: 32 }, (_, i) => i), // client random
]);

for (
  const [name, opening] of [["sends nothing", undefined], ["sends half a ClientHello", HALF_CLIENT_HELLO]] as const
) {
  test(`serve over TLS closes a peer that ${name} after tlsHandshakeTimeout, counted; a finished handshake stays`, async () => {
    const { server, ends } = await startServer(echoHandler, { tls, tickInterval: 0.05, tlsHandshakeTimeout: 0.2 });
    // Connected first: if its finished handshake were not seen, it would reach the timeout first.
    const trusted = await client(server, { tls: { caCerts: [certs.ca] } });
    await trusted.send(text("before"));
    assert.equal(decoder.decode((await take(trusted, 1))[0]), "before");
    const stalled = await rawConnect(server);
    if (opening !== undefined) await stalled.write(opening);
    assert.deepEqual(await readToEnd(stalled), new Uint8Array(0), "closed by the server, nothing sent");
    await until(() => ends.length === 1, "the stalled connection to end");
    assert.equal(ends[0]!.closeReason, "tls-handshake-timeout");
    assert.match(String(ends[0]!.error), /no TLS handshake within 0\.2 seconds/);
    assert.equal(server.stats.closedByReason["tls-handshake-timeout"], 1);
    await trusted.send(text("after"));
    assert.equal(decoder.decode((await take(trusted, 1))[0]), "after");
    assert.equal(ends.length, 1, "the trusted connection is still open");
    trusted.close();
    await server.shutdown();
  });
}

test("tlsHandshakeTimeout is refused when it is not a positive number of seconds a timer can hold", async () => {
  for (const bad of [0, -1, Number.NaN, 2_147_484]) {
    await assert.rejects(startServer(echoHandler, { tls, tlsHandshakeTimeout: bad }), {
      name: "RangeError",
      message: `Cannot use tlsHandshakeTimeout ${bad}: must be a positive number of seconds up to 2147483`,
    });
  }
});
