/**
 * Rooms across the nodes of a cluster, over the hub in one thread: a room
 * broadcast reaches its members on every node and no one else, a node
 * subscribes only to the rooms it hosts, and sizes count every node. The
 * engines' tests (nats_test.ts, redis_test.ts) run the same across processes.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type Bus, type Connection, joinCluster, serve, type Server, silentLogger } from "../mod.ts";
import { createPortHub, type PortHub } from "../src/_internal.ts";
import { test } from "./_harness.ts";
import { client, decoder, text, until } from "./_fixtures.ts";
import { ask, roomCommands } from "./_room_fixtures.ts";

/** `bus`, with every subscribe and unsubscribe written down. */
function watched(bus: Bus, log: string[]): Bus {
  return {
    publish: (topic, payload) => bus.publish(topic, payload),
    subscribe(topic, handler) {
      log.push(`+${topic}`);
      const unsubscribe = bus.subscribe(topic, handler);
      return () => {
        log.push(`-${topic}`);
        unsubscribe();
      };
    },
    request: (topic, payload, options) => bus.request(topic, payload, options),
    flush: () => bus.flush(),
    get stats() {
      return bus.stats;
    },
    close: () => bus.close(),
  };
}

async function twoNodes(): Promise<{ hub: PortHub; servers: Server[]; topics: string[][]; stop(): Promise<void> }> {
  const hub = createPortHub();
  const topics: string[][] = [[], []];
  const servers: Server[] = [];
  for (const node of [1, 2]) {
    const bus = watched(hub.connect(node), topics[node - 1]!);
    const cluster = joinCluster({ bus, node, reportInterval: 0.05, logger: silentLogger });
    servers.push(await serve({ port: 0, logger: silentLogger, cluster }, roomCommands));
  }
  return {
    hub,
    servers,
    topics,
    async stop() {
      await Promise.all(servers.map((server) => server.shutdown({ quietPeriod: 0 })));
      hub.close();
    },
  };
}

/** The next frame of `conn`, as text. */
async function next(conn: Connection): Promise<string> {
  return decoder.decode((await conn.receive())!);
}

test("Rooms across nodes: a room broadcast reaches its members on both nodes, and all but the one excepted", async () => {
  const nodes = await twoNodes();
  const [a1, a2] = [await client(nodes.servers[0]!), await client(nodes.servers[0]!)];
  const [b1, b2] = [await client(nodes.servers[1]!), await client(nodes.servers[1]!)];
  for (const conn of [a1, a2, b1]) assert.equal(await ask(conn!, "join game"), "true");
  assert.equal(await ask(b2!, "join other"), "true");
  await until(() => nodes.servers.every((server) => server.rooms.size("game") === 3), "both nodes to count 3");
  await a1!.send(text("sayx game hello"));
  assert.equal(await next(a2!), "hello");
  assert.equal(await next(b1!), "hello");
  // Except a connection of the other node.
  const b1Id = Number(await ask(b1!, "id"));
  await a1!.send(text(`sayto game ${b1Id} not-b1`));
  assert.equal(await next(a1!), "not-b1");
  assert.equal(await next(a2!), "not-b1");
  assert.equal(await ask(b1!, "size game"), "3", "b1's next frame is its own answer");
  assert.equal(await ask(b2!, "size game"), "3", "b2, in no such room, got nothing");
  for (const conn of [a1, a2, b1, b2]) conn!.close();
  await nodes.stop();
});

test("Rooms across nodes: a node subscribes to a room on its first member and unsubscribes after its last", async () => {
  const nodes = await twoNodes();
  const roomTopics = (node: number) => nodes.topics[node]!.filter((entry) => entry.includes(".room."));
  const [b1, b2] = [await client(nodes.servers[1]!), await client(nodes.servers[1]!)];
  assert.equal(await ask(b1!, "join lobby"), "true");
  assert.equal(await ask(b2!, "join lobby"), "true");
  assert.equal(await ask(b1!, "join a.b*>é"), "true");
  assert.deepEqual(roomTopics(1), ["+spawnkit.room.lobby", "+spawnkit.room.a%2Eb%2A%3E%C3%A9"]);
  assert.deepEqual(roomTopics(0), [], "node 1 hosts no room");
  assert.equal(await ask(b1!, "leave lobby"), "true");
  assert.equal(roomTopics(1).length, 2, "b2 is still there");
  b2!.close();
  await until(() => roomTopics(1).length === 3, "the last member's end to unsubscribe");
  assert.equal(roomTopics(1)[2], "-spawnkit.room.lobby");
  b1!.close();
  await until(() => roomTopics(1).length === 4, "b1's end to leave its last room");
  await nodes.stop();
});

test("Rooms across nodes: sizes count both nodes, and a node's members leave the count when they end", async () => {
  const nodes = await twoNodes();
  const [a, b1, b2] = [
    await client(nodes.servers[0]!),
    await client(nodes.servers[1]!),
    await client(nodes.servers[1]!),
  ];
  for (const conn of [a, b1, b2]) assert.equal(await ask(conn!, "join r"), "true");
  await until(() => nodes.servers[0]!.rooms.size("r") === 3, "node 1 to count node 2's members");
  // Each node's counts reach the other on its own deltas (at most one per 50 ms per node): wait for both.
  await until(() => nodes.servers[1]!.rooms.size("r") === 3, "node 2 to count node 1's member");
  b1!.close();
  await until(() => nodes.servers[0]!.rooms.size("r") === 2, "node 1 to see b1 leave");
  // A node that leaves takes its members out of every count.
  await nodes.servers[1]!.shutdown({ quietPeriod: 0 });
  await until(() => nodes.servers[0]!.rooms.size("r") === 1, "node 2's members to leave the count");
  for (const conn of [a, b2]) conn!.close();
  await nodes.stop();
});
