import assert from "node:assert/strict";
import { type Connection, ShutdownError } from "../mod.ts";
import { test } from "./_harness.ts";
import { client, decoder, echoHandler, startServer, text, until } from "./_fixtures.ts";

/** Reads frames until the connection ends. */
async function readAll(conn: Connection): Promise<string[]> {
  const frames: string[] = [];
  for await (const frame of conn) frames.push(decoder.decode(frame));
  return frames;
}

test("Server.shutdown handles every frame a client pipelined just before it (20 trials)", async () => {
  for (let trial = 0; trial < 20; trial++) {
    const { server, ends } = await startServer(echoHandler);
    const conn = await client(server);
    await until(() => server.size === 1, "the connection registered");
    const sent = Array.from({ length: 100 }, (_, i) => `frame ${i}`);
    for (const frame of sent) void conn.send(text(frame));
    // In the same tick: not one of the frames has reached the server yet.
    const report = server.shutdown({ quietPeriod: 0.1 });
    assert.deepEqual(await readAll(conn), sent, `trial ${trial}: every frame echoed, in order, then the end`);
    assert.equal((await report).forced, 0, "ended by the quiet period, not the deadline");
    assert.equal(ends[0]!.closeReason, "shutdown");
  }
});

test("Server.shutdown cuts a peer that never goes quiet at the deadline", async () => {
  const { server, ends } = await startServer(echoHandler);
  const conn = await client(server);
  await until(() => server.size === 1, "the connection registered");
  let sent = 0;
  // A frame every 10 ms: never quiet for the 0.2 s the shutdown asks.
  const timer = setInterval(() => void conn.send(text(`tick ${sent++}`)).catch(() => clearInterval(timer)), 10);
  const echoed = readAll(conn);
  await until(() => sent > 5, "a few frames sent");
  const before = server.stats.bytesIn;
  const report = await server.shutdown({ timeout: 0.6, quietPeriod: 0.2 });
  clearInterval(timer);
  assert.equal(report.connections, 1);
  assert.equal(report.forced, 1, "force-closed at the deadline");
  assert.equal(ends[0]!.closeReason, "shutdown");
  assert.ok(ends[0]!.bytesIn > before, "frames that came during the shutdown were still read");
  assert.ok((await echoed).length > 0);
});

test("Server.shutdown with a goodbye: the client stops on reading it, and loses nothing it sent before", async () => {
  const { server } = await startServer(echoHandler);
  const conn = await client(server);
  await until(() => server.size === 1, "the connection registered");
  let sent = 0;
  let stopped = false;
  const sending = (async () => {
    while (!stopped) {
      await conn.send(text(`frame ${sent++}`));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  })().catch(() => {});
  const received: string[] = [];
  const reading = (async () => {
    for await (const frame of conn) {
      const line = decoder.decode(frame);
      if (line === "goodbye") stopped = true;
      else received.push(line);
    }
  })();
  await until(() => received.length > 10, "some echoes");
  const report = await server.shutdown({ goodbye: text("goodbye") });
  await reading;
  await sending;
  assert.equal(report.forced, 0);
  assert.equal(received.length, sent, "every frame sent before reading the goodbye was echoed");
  assert.deepEqual(received, Array.from({ length: sent }, (_, i) => `frame ${i}`));
});

test("conn.signal aborts when shutdown starts, with a ShutdownError whose cause is the parent's reason", async () => {
  const parent = new AbortController();
  const reasons: unknown[] = [];
  const { server, ends } = await startServer(async (conn) => {
    conn.signal.addEventListener("abort", () => reasons.push(conn.signal.reason));
    for await (const frame of conn) await conn.send(frame);
  }, { signal: parent.signal });
  const conn = await client(server);
  await until(() => server.size === 1, "the connection registered");
  const deploy = new Error("deploy v2");
  parent.abort(deploy);
  await until(() => reasons.length === 1, "the signal to abort");
  // The signal aborted, yet the connection still serves during the quiet period.
  await conn.send(text("still there?"));
  const echoed = await readAll(conn);
  await server.finished;
  assert.deepEqual(echoed, ["still there?"]);
  const reason = reasons[0];
  assert.ok(reason instanceof ShutdownError);
  assert.equal(reason.cause, deploy);
  assert.equal(ends[0]!.error, reason, "the close's error is the same reason");
});

test("Server.shutdown with quietPeriod 0 ends input at once", async () => {
  const { server, ends } = await startServer(echoHandler);
  const conn = await client(server);
  await until(() => server.size === 1, "the connection registered");
  const report = await server.shutdown({ quietPeriod: 0 });
  assert.equal(report.forced, 0);
  assert.deepEqual(await readAll(conn), []);
  assert.equal(ends[0]!.closeReason, "shutdown");
});

test("Server.shutdown refuses a bad quiet period or timeout, naming it", async () => {
  const { server } = await startServer(echoHandler);
  await assert.rejects(server.shutdown({ quietPeriod: -1 }), { name: "RangeError", message: /quietPeriod -1/ });
  const other = await startServer(echoHandler);
  await assert.rejects(other.server.shutdown({ timeout: NaN }), { name: "RangeError", message: /timeout NaN/ });
  // A refused shutdown has not started: the servers still run, and shut down when asked well.
  await server.shutdown();
  await other.server.shutdown();
});
