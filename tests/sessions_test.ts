import assert from "node:assert/strict";
import { AuthRefusal, type Connection, SessionError, sessions } from "../mod.ts";
import { test } from "./_harness.ts";
import { fast } from "./_sessions.ts";
import { client, decoder, echoHandler, rawConnect, readToEnd, startServer, text, until } from "./_fixtures.ts";

const names = (frame: Uint8Array) => decoder.decode(frame) || new AuthRefusal("no name", text("bye"));

test("sessions authenticate names the connection from its first frame, which the handler never sees", async () => {
  const seen: Array<string | undefined> = [];
  const { server, ends } = await startServer(async (conn) => {
    seen.push(conn.identity);
    for await (const frame of conn) await conn.send(frame);
  }, { sessions: sessions({ authenticate: names }) });
  const conn = await client(server);
  await conn.send(text("alice"));
  await conn.send(text("first"));
  assert.equal(decoder.decode(await conn.receive()), "first");
  assert.deepEqual(seen, ["alice"]);
  conn.close();
  await until(() => ends.length === 1, "the end");
  assert.equal(ends[0]!.identity, "alice", "the identity is in the records");
  assert.equal(ends[0]!.framesIn, 1, "the first frame is the session layer's");
  await server.shutdown();
});

test("sessions authenticate refuses with a goodbye and the close reason unauthenticated; the handler never runs", async () => {
  let ran = 0;
  const { server, ends } = await startServer(() => void ran++, { sessions: sessions({ authenticate: names }) });
  const socket = await rawConnect(server);
  await socket.write(new Uint8Array([0, 0, 0, 0]));
  assert.deepEqual(await readToEnd(socket), new Uint8Array([0, 0, 0, 3, ...text("bye")]));
  await until(() => ends.length === 1, "the end");
  assert.equal(ends[0]!.closeReason, "unauthenticated");
  assert.ok(ends[0]!.error instanceof SessionError);
  assert.equal((ends[0]!.error as SessionError).detail, "refused: no name");
  assert.equal(server.stats.closedByReason.unauthenticated, 1);
  assert.equal(ran, 0);
  assert.equal(ends[0]!.identity, undefined);
  await server.shutdown();
});

test("sessions refuse a peer that never sends its first frame, at authTimeout", async () => {
  let asked = 0;
  const { server, ends } = await startServer(echoHandler, {
    ...fast,
    sessions: sessions({ authenticate: () => String(++asked), authTimeout: 0.1 }),
  });
  const socket = await rawConnect(server);
  await socket.write(new Uint8Array([0, 0])); // half a header, then silence
  await until(() => ends.length === 1, "the refusal");
  assert.equal(ends[0]!.closeReason, "unauthenticated");
  assert.match((ends[0]!.error as SessionError).detail, /no first frame within 0.1 seconds \(2 bytes received\)/);
  assert.equal(asked, 0);
  assert.equal(await socket.read(), null);
  await server.shutdown();
});

test("sessions refuse when authenticate throws, or rejects", async () => {
  const { server, ends } = await startServer(echoHandler, {
    sessions: sessions({
      authenticate: (frame) => {
        if (frame.length === 1) throw new Error("boom");
        return Promise.reject(new Error("async boom"));
      },
    }),
  });
  for (const frame of [[0, 0, 0, 1, 1], [0, 0, 0, 2, 1, 2]]) {
    const socket = await rawConnect(server);
    await socket.write(new Uint8Array(frame));
    assert.equal((await readToEnd(socket)).length, 0);
  }
  await until(() => ends.length === 2, "both refusals");
  for (const end of ends) {
    assert.equal(end.closeReason, "unauthenticated");
    assert.equal((end.error as SessionError).detail, "authenticate threw");
    assert.ok((end.error as Error).cause instanceof Error);
  }
  await server.shutdown();
});

test("sessions refuse a hook that never settles at authTimeout, and abort its signal", async () => {
  let signal: AbortSignal | undefined;
  const { server, ends } = await startServer(echoHandler, {
    ...fast,
    sessions: sessions({
      authenticate: (_, info) => {
        signal = info.signal;
        return new Promise(() => {});
      },
      authTimeout: 0.1,
    }),
  });
  const conn = await client(server);
  await conn.send(text("me"));
  assert.equal(await conn.receive(), undefined);
  await until(() => ends.length === 1, "the refusal");
  assert.equal((ends[0]!.error as SessionError).detail, "no answer within 0.1 seconds");
  assert.equal(signal?.aborted, true);
  await server.shutdown();
});

test("sessions refuse an identity that is not a short string", async () => {
  const { server, ends } = await startServer(echoHandler, {
    sessions: sessions({ authenticate: (frame) => (frame.length === 1 ? "x".repeat(257) : 42) as string }),
  });
  for (const frame of [[0, 0, 0, 1, 1], [0, 0, 0, 2, 1, 2]]) {
    const socket = await rawConnect(server);
    await socket.write(new Uint8Array(frame));
    await readToEnd(socket);
  }
  await until(() => ends.length === 2, "both refusals");
  assert.ok(ends.every((end) => end.closeReason === "unauthenticated"));
  await server.shutdown();
});

test("sessions read no more than maxFrameSize of a first frame: a lying header ends at once", async () => {
  let asked = 0;
  const { server, ends } = await startServer(echoHandler, {
    maxFrameSize: 64,
    sessions: sessions({ authenticate: () => String(++asked) }),
  });
  const socket = await rawConnect(server);
  await socket.write(new Uint8Array([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
  await readToEnd(socket);
  await until(() => ends.length === 1, "the end");
  assert.equal(ends[0]!.closeReason, "frame-too-large");
  assert.equal(asked, 0);
  await server.shutdown();
});

test("sessions maxSessionsPerIdentity: a second login replaces the first", async () => {
  const { server, ends } = await startServer(echoHandler, {
    sessions: sessions({ authenticate: names, maxSessionsPerIdentity: 1 }),
  });
  const first: Connection = await client(server);
  await first.send(text("bob"));
  await first.send(text("1"));
  assert.equal(decoder.decode(await first.receive()), "1");
  const second = await client(server);
  await second.send(text("bob"));
  await second.send(text("2"));
  assert.equal(decoder.decode(await second.receive()), "2");
  assert.equal(await first.receive(), undefined, "the first login was ended");
  await until(() => ends.length === 1, "the replaced end");
  assert.equal(ends[0]!.closeReason, "replaced");
  assert.equal(server.size, 1);
  second.close();
  await server.shutdown();
});

test("sessions: sockets waiting for their first frame count against maxConnections", async () => {
  const { server } = await startServer(echoHandler, {
    maxConnections: 1,
    sessions: sessions({ authenticate: names }),
  });
  const a = await rawConnect(server);
  const b = await rawConnect(server);
  await until(() => server.stats.refused["max-connections"] === 1, "one refusal");
  assert.equal(server.size, 0, "neither is a connection yet");
  a.close();
  b.close();
  await server.shutdown();
});

test("sessions check their options", () => {
  assert.throws(() => sessions({ authenticate: 1 as never }), TypeError);
  assert.throws(() => sessions({ authTimeout: 0 }), RangeError);
  assert.throws(() => sessions({ maxSessionsPerIdentity: 0 }), RangeError);
});
