/**
 * connect()'s `connectTimeout`: a dial that takes too long (here, a TLS
 * handshake a mute server never answers) is given up with a typed error, and
 * the socket under way is closed, which the server's side sees. The same for
 * an abort while the handshake waits, and for each attempt of a reconnecting
 * client.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { connect, ConnectTimeoutError, serve, silentLogger, type Transport } from "../mod.ts";
import { defaultTransport } from "../src/transport/select.ts";
import { test } from "./_harness.ts";
import { until } from "./_fixtures.ts";
import { testCertificates } from "./_tls.ts";

/** A TCP server that accepts and never says a word; counts the sockets it saw end. */
async function muteServer(): Promise<{ port: number; accepted: number; ended: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const state = { port: 0, accepted: 0, ended: 0, close: () => {} };
  const server = net.createServer((socket) => {
    state.accepted++;
    sockets.add(socket);
    socket.on("error", () => {});
    // Reads (and drops) the client's hello: the end of a stream is seen only once what came before it is read.
    socket.resume();
    socket.once("close", () => {
      state.ended++;
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.port = (server.address() as net.AddressInfo).port;
  state.close = () => {
    for (const socket of sockets) socket.destroy();
    server.close();
  };
  return state;
}

test("connect gives up a TLS handshake nobody answers after connectTimeout, with a typed error, and closes its socket", async () => {
  const certs = await testCertificates();
  const mute = await muteServer();
  try {
    const error = await connect({
      port: mute.port,
      tls: { caCerts: [certs.ca] },
      connectTimeout: 0.2,
      logger: silentLogger,
    }).then(() => undefined, (error: unknown) => error);
    assert.ok(error instanceof ConnectTimeoutError, `a ConnectTimeoutError, not ${error}`);
    assert.equal(error.code, "connect-timeout");
    assert.equal(error.seconds, 0.2);
    assert.equal(
      error.message,
      `Cannot connect to 127.0.0.1:${mute.port}: no connection within 0.2 seconds (connectTimeout)`,
    );
    assert.equal(mute.accepted, 1);
    await until(() => mute.ended === 1, "the server to see the given-up socket close");
  } finally {
    mute.close();
  }
});

test("aborting connect's signal during the TLS handshake rejects with its reason and closes the socket", async () => {
  const certs = await testCertificates();
  const mute = await muteServer();
  try {
    const controller = new AbortController();
    const dialing = connect({ port: mute.port, tls: { caCerts: [certs.ca] }, signal: controller.signal });
    await until(() => mute.accepted === 1, "the server to accept the dial");
    const reason = new Error("the user went away");
    controller.abort(reason);
    await assert.rejects(dialing, (error) => error === reason);
    await until(() => mute.ended === 1, "the server to see the aborted socket close");
  } finally {
    mute.close();
  }
});

test("a reconnecting client gives each attempt connectTimeout and counts the timeouts as failed attempts", async () => {
  const certs = await testCertificates();
  const mute = await muteServer();
  // A real TLS server for the first dial, the mute one for every dial after it (through the runtime's own transport).
  const good = await serve({ tls: { cert: certs.cert, key: certs.key }, logger: silentLogger }, async (conn) => {
    for await (const _ of conn) return; // the first frame ends the connection: the client dials again
  });
  const base = await defaultTransport();
  let dials = 0;
  const transport: Transport = {
    ...base,
    connect: (options) => base.connect({ ...options, port: dials++ === 0 ? good.addr.port : mute.port }),
  };
  try {
    const conn = await connect({
      port: good.addr.port,
      tls: { caCerts: [certs.ca] },
      connectTimeout: 0.1,
      logger: silentLogger,
      transport,
      reconnect: { baseDelay: 0.01, maxDelay: 0.01, maxRetries: 3 },
    });
    const timedOut: unknown[] = [];
    // A retry's error is what ended the attempt before it: the first one's, the lost connection's.
    conn.subscribe((event) => event.type === "retry" && event.attempt > 1 && timedOut.push(event.error));
    const reading = conn.receive().catch(() => {}); // a read is pending, so the loss is seen as it happens
    await conn.send(new Uint8Array([1]));
    await conn.finished;
    await reading;
    assert.equal(conn.reconnectStats.state, "closed", "given up after maxRetries");
    assert.ok(timedOut.length >= 2, `retries after timed-out attempts: ${timedOut.length}`);
    for (const error of timedOut) {
      assert.ok(error instanceof ConnectTimeoutError, `a ConnectTimeoutError, not ${error}`);
    }
    assert.equal(mute.accepted, dials - 1, "every dial after the first reached the mute server");
    await until(() => mute.ended === mute.accepted, "every given-up socket to close");
  } finally {
    mute.close();
    await good.shutdown();
  }
});

test("connect refuses a connectTimeout that is not a positive number of seconds, naming it", async () => {
  for (const value of [0, -1, Number.NaN, 2_147_484]) {
    await assert.rejects(connect({ port: 1, connectTimeout: value, logger: silentLogger }), {
      name: "RangeError",
      message: new RegExp(`^Cannot use connectTimeout ${value}: must be a positive number of seconds`),
    });
  }
});
