/**
 * Rooms on one server: join, leave, leave on end whatever the reason, room
 * broadcast (and except one), sizes, a connection's rooms, the bounds.
 *
 * @module
 */
import assert from "node:assert/strict";
import { connect, serve, silentLogger } from "../mod.ts";
import { test } from "./_harness.ts";
import { client, decoder, startServer, text, until } from "./_fixtures.ts";
import { ask, roomCommands } from "./_room_fixtures.ts";

test("Rooms join, leave, size and of, per connection", async () => {
  const { server } = await startServer(roomCommands);
  const alice = await client(server);
  assert.equal(await ask(alice, "join lobby"), "true");
  assert.equal(await ask(alice, "join lobby"), "false", "joined already");
  assert.equal(await ask(alice, "join red"), "true");
  assert.equal(await ask(alice, "rooms"), "lobby,red");
  assert.equal(server.rooms.size("lobby"), 1);
  assert.equal(await ask(alice, "leave red"), "true");
  assert.equal(await ask(alice, "leave red"), "false", "not in it");
  assert.equal(server.rooms.size("red"), 0);
  assert.deepEqual(
    [...server.rooms.members("lobby")].map((conn) => conn.id),
    [...server.connections()].map((c) => c.id),
  );
  alice.close();
  await server.shutdown();
});

test("Rooms: a connection leaves every room when it ends, whatever the reason", async () => {
  const { server } = await startServer(roomCommands, { idleTimeout: 0.3, tickInterval: 0.05 });
  const reasons = ["client closes", "handler returns", "handler throws", "server closes it", "idle timeout"];
  const clients = await Promise.all(reasons.map(() => client(server)));
  for (const conn of clients) {
    assert.equal(await ask(conn, "join a"), "true");
    assert.equal(await ask(conn, "join b"), "true");
  }
  assert.equal(server.rooms.size("a"), 5);
  const [closes, returns, throws, closed] = clients;
  const ids = [...server.rooms.members("a")].map((conn) => conn.id);
  closes!.close();
  await returns!.send(text("quit"));
  await throws!.send(text("crash"));
  server.get(ids[3]!)!.close();
  // The fifth says nothing more: the idle timeout ends it.
  await until(() => server.size === 0, "every connection to end");
  assert.equal(server.rooms.size("a"), 0);
  assert.equal(server.rooms.size("b"), 0);
  assert.deepEqual([...server.rooms.members("a")], []);
  assert.equal(server.stats.closedByReason["idle-timeout"], 1);
  assert.equal(server.stats.closedByReason["handler-error"], 1);
  for (const conn of [closed, ...clients.slice(4)]) conn!.close();
  await server.shutdown();
});

test("Rooms: an ended connection joins nothing, and the shutdown empties every room", async () => {
  let ended: import("../mod.ts").Connection | undefined;
  const server = await serve({ port: 0, logger: silentLogger }, async (conn, server) => {
    server.rooms.join(conn, "lobby");
    for await (const _ of conn) { /* until the end */ }
    ended = conn;
  });
  const conn = await connect({ port: server.addr.port, logger: silentLogger });
  await until(() => server.rooms.size("lobby") === 1, "the join");
  conn.close();
  await until(() => ended !== undefined && server.size === 0, "the end");
  assert.equal(server.rooms.join(ended!, "lobby"), false);
  assert.equal(server.rooms.size("lobby"), 0);
  assert.deepEqual(server.rooms.of(ended!), []);
  const others = await Promise.all([1, 2, 3].map(() => connect({ port: server.addr.port, logger: silentLogger })));
  await until(() => server.rooms.size("lobby") === 3, "three joins");
  await server.shutdown({ quietPeriod: 0 });
  assert.equal(server.rooms.size("lobby"), 0);
  for (const other of others) other.close();
});

test("Rooms broadcast reaches the room's members only, and all but the one excepted", async () => {
  const { server } = await startServer(roomCommands);
  const [alice, bob, carol, dave] = await Promise.all([1, 2, 3, 4].map(() => client(server)));
  for (const conn of [alice, bob, carol]) assert.equal(await ask(conn!, "join lobby"), "true");
  assert.equal(await ask(dave!, "join elsewhere"), "true");
  await alice!.send(text("sayx lobby hi"));
  for (const conn of [bob, carol]) assert.equal(decoder.decode((await conn!.receive())!), "hi");
  await alice!.send(text("say lobby all"));
  for (const conn of [alice, bob, carol]) assert.equal(decoder.decode((await conn!.receive())!), "all");
  const bobId = Number(await ask(bob!, "id"));
  await alice!.send(text(`sayto lobby ${bobId} not-bob`));
  for (const conn of [alice, carol]) assert.equal(decoder.decode((await conn!.receive())!), "not-bob");
  // Dave got none of them: his first frame is the answer to his own question.
  assert.equal(await ask(dave!, "size lobby"), "3");
  // Bob got no "not-bob": the next frame he gets is his own answer.
  assert.equal(await ask(bob!, "size elsewhere"), "1");
  assert.equal(server.rooms.broadcast("nobody-here", text("x")), 0);
  for (const conn of [alice, bob, carol, dave]) conn!.close();
  await server.shutdown();
});

test("Rooms are bounded: maxRoomsPerConnection and maxRoomNameLength", async () => {
  const { server } = await startServer(roomCommands, { maxRoomsPerConnection: 2, maxRoomNameLength: 8 });
  const conn = await client(server);
  assert.equal(await ask(conn, "join a"), "true");
  assert.equal(await ask(conn, "join b"), "true");
  assert.match(await ask(conn, "join c"), /^RangeError: Cannot join connection \d+ to room "c": it is in 2 rooms/);
  assert.equal(await ask(conn, "leave a"), "true");
  assert.equal(await ask(conn, "join c"), "true", "a place freed by a leave");
  assert.equal(await ask(conn, "leave c"), "true");
  assert.equal(await ask(conn, "join 12345678"), "true");
  assert.match(await ask(conn, "join 123456789"), /^RangeError: .*its name is 9 bytes \(maxRoomNameLength 8\)/);
  // Multi-byte names count their bytes of UTF-8.
  assert.match(await ask(conn, "leave 12345678"), /true/);
  assert.match(await ask(conn, "join ééééé"), /^RangeError: .*10 bytes/);
  assert.match(await ask(conn, "join "), /^TypeError: /);
  assert.throws(() => server.rooms.broadcast("x".repeat(9), text("x")), RangeError);
  conn.close();
  await server.shutdown();
});

test("serve refuses bad room bounds by the options table", async () => {
  await assert.rejects(serve({ port: 0, maxRoomsPerConnection: -1 }, () => {}), {
    name: "RangeError",
    message: "Cannot use maxRoomsPerConnection -1: must be a non-negative integer (rooms)",
  });
  await assert.rejects(serve({ port: 0, maxRoomNameLength: 0 }, () => {}), {
    name: "RangeError",
    message: "Cannot use maxRoomNameLength 0: must be an integer from 1 to 1024 (bytes)",
  });
});
