import assert from "node:assert/strict";
import { connect, type Handler, type RawSocket, type Transport } from "../mod.ts";
import { test } from "./_harness.ts";
import { client, decoder, echoHandler, startServer, text, until } from "./_fixtures.ts";

/** A transport whose connect settles only when told to: the dial a signal can abort. */
function slowDial(): { transport: Transport; arrive(socket: RawSocket): void } {
  let arrive!: (socket: RawSocket) => void;
  const transport: Transport = {
    name: "slow",
    listen: () => Promise.reject(new Error("not used")),
    connect: () => new Promise((resolve) => arrive = resolve),
  };
  return { transport, arrive: (socket) => arrive(socket) };
}

function fakeSocket(): RawSocket & { closed: boolean } {
  const addr = { hostname: "192.0.2.1", port: 1 };
  return {
    closed: false,
    localAddr: addr,
    remoteAddr: addr,
    read: () => new Promise(() => {}),
    write: () => Promise.resolve(),
    close() {
      this.closed = true;
    },
  };
}

test("connect rejects with the signal's reason when it aborts while connecting, and closes a late socket", async () => {
  const { transport, arrive } = slowDial();
  const controller = new AbortController();
  const connecting = connect({ port: 7000, transport, signal: controller.signal });
  const reason = new Error("gave up");
  controller.abort(reason);
  await assert.rejects(connecting, (error) => error === reason);
  const late = fakeSocket();
  arrive(late);
  await until(() => late.closed, "the late socket to be closed");
});

test("connect with a signal already aborted rejects before dialing", async () => {
  let dialed = false;
  const transport: Transport = {
    name: "never",
    listen: () => Promise.reject(new Error("not used")),
    connect: () => {
      dialed = true;
      return new Promise(() => {});
    },
  };
  await assert.rejects(connect({ port: 7000, transport, signal: AbortSignal.abort(new Error("before")) }), /before/);
  assert.equal(dialed, false);
});

test("connect: aborting the signal after connecting closes the connection with its reason", async () => {
  const { server } = await startServer(echoHandler);
  const controller = new AbortController();
  const conn = await client(server, { signal: controller.signal });
  await conn.send(text("up"));
  assert.equal(decoder.decode(await conn.receive()), "up");
  controller.abort(new Error("done here"));
  const stats = await conn.finished;
  assert.equal(stats.closeReason, "aborted");
  assert.equal((stats.error as Error).message, "done here");
  await server.shutdown();
});

test("Connection.receive reads one frame at a time, then undefined once input ends", async () => {
  const { server } = await startServer(async (conn) => {
    await conn.send(text("one"));
    await conn.send(text("two"));
  });
  const conn = await client(server);
  assert.equal(decoder.decode(await conn.receive()), "one");
  assert.equal(decoder.decode(await conn.receive()), "two");
  assert.equal(await conn.receive(), undefined);
  await server.shutdown();
});

test("Connection.receive: a send after it is flushed without another read", async () => {
  const { server } = await startServer(echoHandler);
  const conn = await client(server);
  await conn.send(text("ping"));
  assert.equal(decoder.decode(await conn.receive()), "ping");
  // Nothing reads after this send: it must still reach the server, which echoes it.
  await conn.send(text("pong"));
  await until(() => server.stats.bytesIn === 2 * (4 + 4), "the second frame at the server");
  assert.equal(decoder.decode(await conn.receive()), "pong");
  conn.close();
  await server.shutdown();
});

test("serve<Message>: post, events and onMessage carry the server's message type", async () => {
  interface Whisper {
    readonly from: string;
    readonly text: string;
  }
  const handler: Handler<Whisper> = async (conn) => {
    for await (const event of conn.events()) {
      // Typed: no cast, and `event.message.text` is a string.
      if (event.type === "message") await conn.send(text(`${event.message.from}: ${event.message.text}`));
    }
  };
  const { server } = await startServer(handler);
  const conn = await client(server);
  await until(() => server.size === 1, "registered");
  assert.equal(server.post([...server.connections()][0]!.id, { from: "ann", text: "hi" }), true);
  assert.equal(decoder.decode(await conn.receive()), "ann: hi");
  conn.close();
  await server.shutdown();
});
