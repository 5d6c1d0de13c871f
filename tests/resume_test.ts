import assert from "node:assert/strict";
import { connect, type RawSocket, sessions } from "../mod.ts";
import { readFirstRecord, readWelcome, resumeRecord } from "../src/core/session/wire/handshake.ts";
import { controlRecord, HELLO, HELLO_RESUME_BODY, REJECT, WELCOME } from "../src/core/session/wire/session_wire.ts";
import { test } from "./_harness.ts";
import { counter, fast, takeText } from "./_sessions.ts";
import { decoder, rawConnect, startServer, text, until } from "./_fixtures.ts";
import { startFaultProxy } from "../examples/_fault_proxy.ts";

test("a session resumes on a new link after a reset: calls in flight handled once, state and rooms intact", async () => {
  let resumed = 0;
  const { server, ends } = await startServer(counter as never, {
    ...fast,
    sessions: sessions({ resumeWindow: 10, onResume: () => void resumed++ }),
  });
  await using proxy = await startFaultProxy(server.addr.port);
  const conn = await connect({ port: proxy.port, resume: true, heartbeat: { interval: 0.05 } });
  for (let i = 1; i <= 50; i++) void conn.send(text(`${i}`));
  const first = await takeText(conn, 50);
  for (let i = 51; i <= 100; i++) void conn.send(text(`${i}`));
  proxy.reset();
  const rest = await takeText(conn, 50);
  assert.deepEqual([...first, ...rest], Array.from({ length: 100 }, (_, i) => `${i + 1}:${i + 1}`));
  assert.equal(proxy.counters.resets, 1);
  assert.ok(proxy.counters.accepted >= 2, "a new link");
  assert.equal(conn.stats.session!.resumes, 1);
  assert.equal(resumed, 1, "the server was told");
  assert.equal(server.size, 1, "one connection all along");
  assert.equal(server.rooms.size("lobby"), 1, "still in its room");
  assert.equal(ends.length, 0, "no connection ended");
  conn.close();
  await until(() => ends.length === 1, "the clean close");
  assert.equal(ends[0]!.closeReason, "peer-closed");
  await server.shutdown();
});

test("pushes sent while the link is silent arrive after the resume, in order, none lost or twice", async () => {
  const { server } = await startServer(counter as never, { ...fast, sessions: sessions({ resumeWindow: 10 }) });
  await using proxy = await startFaultProxy(server.addr.port);
  const conn = await connect({ port: proxy.port, resume: true, heartbeat: { interval: 0.05 } });
  await conn.send(text("hi"));
  assert.deepEqual(await takeText(conn, 1), ["hi:1"]);
  proxy.stall("both");
  for (let i = 1; i <= 20; i++) server.rooms.broadcast("lobby", text(`push ${i}`));
  await until(() => conn.stats.session!.suspensions === 1, "the client to find the link silent");
  proxy.heal();
  for (let i = 21; i <= 40; i++) server.rooms.broadcast("lobby", text(`push ${i}`));
  const pushes = await takeText(conn, 40);
  assert.deepEqual(pushes, Array.from({ length: 40 }, (_, i) => `push ${i + 1}`));
  assert.equal(conn.stats.session!.resumes, 1);
  await conn.send(text("after"));
  assert.deepEqual(await takeText(conn, 1), ["after:2"], "the handler's state went on");
  conn.close();
  await server.shutdown();
});

/** A raw client that says HELLO (version 2) and reads the WELCOME: the token. */
async function hello(port: number): Promise<{ socket: RawSocket; token: Uint8Array }> {
  const socket = await rawConnect({ addr: { hostname: "127.0.0.1", port } });
  await socket.write(controlRecord(HELLO, 4, HELLO_RESUME_BODY));
  const first = await firstRecord(socket);
  assert.ok(first.state === "record" && first.kind === WELCOME);
  return { socket, token: readWelcome(first.body).token };
}

async function firstRecord(socket: RawSocket) {
  let bytes = new Uint8Array(0);
  while (true) {
    const chunk = await socket.read();
    if (chunk === null) return { state: "closed" as const };
    bytes = new Uint8Array([...bytes, ...chunk]);
    const first = readFirstRecord(bytes, 4, [WELCOME, REJECT]);
    if (first.state !== "more") return first;
  }
}

test("a token works once: a second RESUME with it is refused with resume-refused", async () => {
  const { server, ends } = await startServer(counter as never, { ...fast, sessions: sessions({ resumeWindow: 10 }) });
  const { socket, token } = await hello(server.addr.port);
  socket.close(); // no BYE: the session waits
  await until(() => server.size === 1 && ends.length === 0, "the session to be kept");
  const again = await rawConnect(server);
  await again.write(resumeRecord(token, 0, 4));
  const welcome = await firstRecord(again);
  assert.ok(welcome.state === "record" && welcome.kind === WELCOME && readWelcome(welcome.body).resumed);
  const thief = await rawConnect(server);
  await thief.write(resumeRecord(token, 0, 4));
  const refused = await firstRecord(thief);
  assert.ok(refused.state === "record" && refused.kind === REJECT);
  await until(() => ends.length === 1, "the refused link's record");
  assert.equal(ends[0]!.closeReason, "resume-refused");
  assert.equal(server.stats.closedByReason["resume-refused"], 1);
  assert.equal(server.size, 1, "the session itself goes on");
  again.close();
  await server.shutdown();
});

test("after the window the session ends as its link did, and its token is refused", async () => {
  const { server, ends } = await startServer(counter as never, { ...fast, sessions: sessions({ resumeWindow: 0.1 }) });
  const { socket, token } = await hello(server.addr.port);
  socket.close();
  await until(() => ends.length === 1, "the end after the window");
  assert.equal(ends[0]!.closeReason, "peer-closed");
  assert.equal(server.rooms.size("lobby"), 0, "it left its room at the end");
  const late = await rawConnect(server);
  await late.write(resumeRecord(token, 0, 4));
  const refused = await firstRecord(late);
  assert.ok(refused.state === "record" && refused.kind === REJECT);
  await until(() => ends.length === 2, "the refusal's record");
  assert.equal(ends[1]!.closeReason, "resume-refused");
  await server.shutdown();
});

test("a RESUME asking for bytes beyond what was sent is refused, and the session is kept", async () => {
  const { server, ends } = await startServer(counter as never, { ...fast, sessions: sessions({ resumeWindow: 10 }) });
  const { socket, token } = await hello(server.addr.port);
  socket.close();
  const liar = await rawConnect(server);
  await liar.write(resumeRecord(token, 1_000_000, 4));
  const refused = await firstRecord(liar);
  assert.ok(refused.state === "record" && refused.kind === REJECT);
  await until(() => ends.length === 1, "the refusal's record");
  assert.equal(ends[0]!.closeReason, "resume-refused");
  await server.shutdown();
});

test("a link cut in the middle of a frame, either way, resumes inside that frame: each frame once and whole", async () => {
  const { server } = await startServer(counter as never, { ...fast, sessions: sessions({ resumeWindow: 10 }) });
  await using proxy = await startFaultProxy(server.addr.port);
  const conn = await connect({ port: proxy.port, resume: true, heartbeat: { interval: 0.05 } });
  const big = "x".repeat(20_000);
  await conn.send(text("warm"));
  assert.deepEqual(await takeText(conn, 1), ["warm:1"]);
  proxy.cutAfter("up", 3000);
  void conn.send(text(big));
  assert.deepEqual(await takeText(conn, 1), [`${big}:2`], "up: handled once, whole");
  proxy.cutAfter("down", 5000);
  void conn.send(text(big));
  assert.deepEqual(await takeText(conn, 1), [`${big}:3`], "down: received once, whole");
  assert.equal(proxy.counters.cuts, 2);
  assert.equal(conn.stats.session!.resumes, 2);
  conn.close();
  await server.shutdown();
});

test("a reconnecting client with resume is told the session resumed: onReconnect with resumed, no disconnect", async () => {
  const { server } = await startServer(counter as never, { ...fast, sessions: sessions({ resumeWindow: 10 }) });
  await using proxy = await startFaultProxy(server.addr.port);
  const infos: boolean[] = [];
  const events: string[] = [];
  await using conn = await connect({
    port: proxy.port,
    resume: true,
    heartbeat: { interval: 0.05 },
    reconnect: { baseDelay: 0.01, onReconnect: (_, info) => void infos.push(info.resumed) },
  });
  conn.subscribe((event) => void events.push(event.type));
  await conn.send(text("a"));
  assert.deepEqual(await takeText(conn, 1), ["a:1"]);
  proxy.reset();
  await until(() => events.includes("resume"), "the resume event");
  await conn.send(text("b"));
  assert.deepEqual(await takeText(conn, 1), ["b:2"]);
  assert.deepEqual(infos, [true]);
  assert.deepEqual(events, ["resume"], "no disconnect, no reconnect: the same session");
  await server.shutdown();
});

test("an authenticated session resumes with its identity, and authenticate is asked once", async () => {
  let asked = 0;
  const identities: Array<string | undefined> = [];
  const { server } = await startServer(counter as never, {
    ...fast,
    sessions: sessions({
      authenticate: (frame) => (asked++, decoder.decode(frame)),
      resumeWindow: 10,
      onResume: (conn) => void identities.push(conn.identity),
    }),
  });
  await using proxy = await startFaultProxy(server.addr.port);
  const conn = await connect({ port: proxy.port, resume: true, heartbeat: { interval: 0.05 } });
  await conn.send(text("carol"));
  await conn.send(text("a"));
  assert.deepEqual(await takeText(conn, 1), ["a:1"]);
  proxy.reset();
  await conn.send(text("b"));
  assert.deepEqual(await takeText(conn, 1), ["b:2"]);
  assert.deepEqual(identities, ["carol"]);
  assert.equal(asked, 1);
  assert.equal(server.get([...server.connections()][0]!.id)?.stats.identity, "carol");
  conn.close();
  await server.shutdown();
});

test("connect({ resume }) settles once the server's WELCOME came: a link lost right after it resumes", async () => {
  const { server, ends } = await startServer(counter as never, { ...fast, sessions: sessions({ resumeWindow: 10 }) });
  await using proxy = await startFaultProxy(server.addr.port);
  // The WELCOME comes late; a client that settled before it would hold no token when the link drops.
  proxy.delay(150);
  const conn = await connect({ port: proxy.port, resume: true, heartbeat: { interval: 1 } });
  proxy.delay(0);
  proxy.reset();
  await conn.send(text("after"));
  assert.deepEqual(await takeText(conn, 1), ["after:1"]);
  assert.equal(conn.stats.session!.resumes, 1);
  assert.equal(proxy.counters.resets, 1);
  assert.equal(ends.length, 0, "no connection ended");
  conn.close();
  await until(() => ends.length === 1, "the clean close");
  await server.shutdown();
});

test("a resume client of a server that keeps no sessions gets a WELCOME with no window: it connects, and a lost link ends it", async () => {
  const { server, ends } = await startServer(counter as never, { ...fast, sessions: sessions({}) });
  await using proxy = await startFaultProxy(server.addr.port);
  const conn = await connect({ port: proxy.port, resume: true, heartbeat: { interval: 1 } });
  await conn.send(text("one"));
  assert.deepEqual(await takeText(conn, 1), ["one:1"]);
  proxy.reset();
  const stats = await conn.finished;
  assert.notEqual(stats.closeReason, "normal", "the link's loss ended it");
  assert.equal(stats.session!.resumes, 0);
  await until(() => ends.length === 1, "the server's side to end");
  await server.shutdown();
});

test("a resume client of a server without sessions() fails to connect, saying why, instead of talking garbage", async () => {
  const { server, ends } = await startServer(counter as never, fast);
  await assert.rejects(connect({ port: server.addr.port, resume: true }), (error: Error) => {
    assert.match(
      error.message,
      /^Cannot connect to 127\.0\.0\.1:\d+: the session ended \(peer-closed\) before it began$/,
    );
    assert.match(
      (error.cause as Error).message,
      /before the server's WELCOME; a client with resume needs a server that runs sessions\(\)$/,
    );
    return true;
  });
  await until(() => ends.length === 1, "the server to close the connection its HELLO opened");
  await server.shutdown();
});

test("shutdown ends a suspended session at once, its pushes undelivered: no client can resume once the port is closed", async () => {
  const { server, ends } = await startServer(counter as never, { ...fast, sessions: sessions({ resumeWindow: 60 }) });
  const { socket } = await hello(server.addr.port);
  socket.close(); // no BYE: the session waits for its client
  const conn = [...server.connections()][0]!;
  await until(() => conn.stats.session?.suspensions === 1, "the session suspended");
  server.broadcast(text("while away")); // waits in the session for a resume that will not come
  const report = await server.shutdown({ timeout: 2 });
  assert.equal(report.forced, 0, "ended by the shutdown, not force-closed at its deadline");
  assert.equal(ends.length, 1);
  assert.notEqual(ends[0]!.closeReason, "shutdown-timeout");
});
