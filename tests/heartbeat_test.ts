import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { type CallbackHandler, connect, type ReconnectEvent, sessions } from "../mod.ts";
import { controlRecord, HELLO, HELLO_BODY } from "../src/core/session/wire/session_wire.ts";
import { skip, test } from "./_harness.ts";
import { fast } from "./_sessions.ts";
import { client, echoHandler, rawConnect, readToEnd, startServer, text, until } from "./_fixtures.ts";
import { startFaultProxy } from "../examples/_fault_proxy.ts";

const hello = controlRecord(HELLO, 4, HELLO_BODY);

test("connect heartbeat pings an idle server, which answers without waking the handler", async () => {
  let events = 0;
  const counting: CallbackHandler = {
    frame: () => void events++,
    tick: () => void events++,
  };
  const served = await startServer(counting as never, { sessions: sessions() });
  const conn = await client(served.server, { heartbeat: { interval: 0.02 } });
  await until(() => (conn.stats.session?.pongsReceived ?? 0) >= 3, "three pongs");
  const [side] = [...served.server.connections()];
  assert.ok((side!.stats.session?.pingsAnswered ?? 0) >= 3);
  assert.equal(side!.stats.framesIn, 0, "pings are not frames");
  assert.equal(events, 0, "the handler never woke");
  conn.close();
  await served.server.shutdown();
});

test("connect heartbeat detects a silent link within about two intervals, counted in ticks", async () => {
  const { server } = await startServer(echoHandler, { sessions: sessions() });
  await using proxy = await startFaultProxy(server.addr.port);
  const conn = await client({ addr: { hostname: "127.0.0.1", port: proxy.port } }, { heartbeat: { interval: 0.05 } });
  await conn.send(text("alive"));
  assert.deepEqual(await conn.receive(), text("alive"));
  const atStall = conn.stats.session!.ticks;
  proxy.stall("both");
  const stats = await conn.finished;
  assert.equal(stats.closeReason, "heartbeat-timeout");
  assert.equal(proxy.open, 1, "the link itself never closed: only the heartbeat saw it die");
  const ticks = stats.session!.timedOutAt! - atStall;
  // One tick may still count what came before the stall, one sends the ping, one finds no answer.
  assert.ok(ticks >= 2 && ticks <= 3, `${ticks} intervals`);
  assert.equal(stats.session!.pingsSent - stats.session!.pongsReceived, 1, "the last ping went unanswered");
  await server.shutdown();
});

test("sessions heartbeatTimeout ends a peer that said HELLO and then went silent", async () => {
  const { server, ends } = await startServer(echoHandler, { ...fast, sessions: sessions({ heartbeatTimeout: 0.1 }) });
  const socket = await rawConnect(server);
  await socket.write(hello);
  await until(() => ends.length === 1, "the end");
  assert.equal(ends[0]!.closeReason, "heartbeat-timeout");
  assert.ok(ends[0]!.session!.timedOutAt! >= 5, "0.1 s of 0.02 s ticks");
  assert.equal((await readToEnd(socket)).length, 0);
  await server.shutdown();
});

test("sessions leave a plain peer byte for byte, empty frames and all", async () => {
  const { server, ends } = await startServer(echoHandler, { ...fast, sessions: sessions({ heartbeatTimeout: 0.05 }) });
  const socket = await rawConnect(server);
  await socket.write(new Uint8Array([0, 0, 0, 0]));
  assert.deepEqual(await socket.read(), new Uint8Array([0, 0, 0, 0]), "after a tick at most");
  await socket.write(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 1, 9]));
  const back = await socket.read();
  assert.ok(back !== null);
  await until(() => server.stats.bytesOut >= 13, "the echo");
  socket.close();
  await until(() => ends.length === 1, "the end");
  assert.equal(ends[0]!.closeReason, "peer-closed", "never heartbeat-timeout: a plain peer has no heartbeat");
  assert.equal(ends[0]!.session!.ticks, 0);
  await server.shutdown();
});

test("connect heartbeat carries empty frames both ways over the session wire", async () => {
  const { server } = await startServer(echoHandler, { sessions: sessions() });
  const conn = await client(server, { heartbeat: true });
  await conn.send(new Uint8Array());
  await conn.send(text("x"));
  await conn.send(new Uint8Array());
  assert.deepEqual(await conn.receive(), new Uint8Array());
  assert.deepEqual(await conn.receive(), text("x"));
  assert.deepEqual(await conn.receive(), new Uint8Array());
  conn.close();
  await server.shutdown();
});

test("a reconnecting client with a heartbeat dials again after a silent link", async () => {
  const { server } = await startServer(echoHandler, { sessions: sessions() });
  await using proxy = await startFaultProxy(server.addr.port);
  const events: ReconnectEvent[] = [];
  await using conn = await connect({
    port: proxy.port,
    heartbeat: { interval: 0.05 },
    reconnect: { baseDelay: 0.01 },
  });
  conn.subscribe((event) => {
    events.push(event);
    if (event.type === "disconnect") proxy.heal();
  });
  await conn.send(text("1"));
  assert.deepEqual(await conn.receive(), text("1"));
  proxy.stall("both");
  await until(() => events.some((event) => event.type === "reconnect"), "the reconnect");
  const lost = events.find((event) => event.type === "disconnect");
  assert.equal(lost?.type === "disconnect" && lost.reason, "heartbeat-timeout");
  await conn.send(text("2"));
  assert.deepEqual(await conn.receive(), text("2"));
  assert.equal(proxy.counters.accepted, 2);
  await server.shutdown();
});

test("connect checks its heartbeat options", async () => {
  await assert.rejects(connect({ port: 1, heartbeat: { interval: 0 } }), RangeError);
  await assert.rejects(connect({ port: 1, keepAlive: -1 }), RangeError);
});

/** The TCP timers `ss` shows for the socket on local port `port`, or undefined where `ss` cannot run. */
function timersOf(port: number): string | undefined {
  try {
    return execFileSync("ss", ["-tnoH", "state", "established", `( sport = :${port} )`], { encoding: "utf8" });
  } catch {
    return undefined;
  }
}

const keepAliveTest = "keepAlive turns TCP keepalive on, on both sides";
if (timersOf(1) === undefined) skip(keepAliveTest, "`ss` (iproute2) cannot run here to read the socket's timers");
else {
  test(keepAliveTest, async () => {
    const { server } = await startServer(echoHandler, { keepAlive: 30 });
    const conn = await client(server, { keepAlive: 30 });
    await conn.send(text("a"));
    assert.deepEqual(await conn.receive(), text("a"));
    assert.match(timersOf(conn.localAddr.port)!, /keepalive/, "the client's socket");
    assert.match(timersOf(server.addr.port)!, /keepalive/, "the server's accepted socket");
    conn.close();
    await server.shutdown();
  });
}
