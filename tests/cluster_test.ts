/**
 * The cluster logic over the hub, with every node in this one thread: real
 * servers and clients on loopback, two nodes joined by MessagePorts. The
 * workers' tests (workers_test.ts) run the same logic across threads.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  type Cluster,
  type Connection,
  joinCluster,
  NODE_ID_SPAN,
  serve,
  type ServeOptions,
  type Server,
  silentLogger,
} from "../mod.ts";
import { createPortHub, type PortHub } from "../src/_internal.ts";
import { test } from "./_harness.ts";
import { client, decoder, take, text, until } from "./_fixtures.ts";

type Note = { readonly text: string };

/** A node's handler: a line is a command, as in a chat ("all", "post", "send", "burst", "who", "id"). */
const commands = (cluster: Cluster) => async (conn: Connection<Note>, server: Server<Note>): Promise<void> => {
  for await (const event of conn.events()) {
    if (event.type === "message") {
      await conn.send(text(`note:${event.message.text}`));
      continue;
    }
    if (event.type !== "frame") continue;
    const [command, ...args] = decoder.decode(event.frame).split(" ");
    if (command === "all") server.broadcast(text(args.join(" ")), { except: [conn.id] });
    else if (command === "only") server.broadcast(text(args[1]!), { only: args[0]!.split(",").map(Number) });
    else if (command === "except") server.broadcast(text(args[1]!), { except: [Number(args[0])] });
    else if (command === "post") server.post(Number(args[0]), { text: args[1]! });
    else if (command === "send") {
      await (server.get(Number(args[0])) ?? cluster.remote(Number(args[0])))?.send(text(args[1]!));
    } else if (command === "close") (server.get(Number(args[0])) ?? cluster.remote(Number(args[0])))?.close();
    else if (command === "burst") {
      for (let i = 0; i < Number(args[0]); i++) server.broadcast(text(String(i)));
    } else if (command === "who") {
      const { connections } = await cluster.fetchConnections({ limit: 100, timeout: 5 });
      await conn.send(text(connections.map((c) => c.id).join(" ")));
    } else if (command === "id") await conn.send(text(String(conn.id)));
  }
};

interface Nodes {
  readonly hub: PortHub;
  readonly servers: Server<Note>[];
  readonly clusters: Cluster[];
  stop(): Promise<void>;
}

async function startNodes(count: number, options: Partial<ServeOptions<Note>> = {}): Promise<Nodes> {
  const hub = createPortHub();
  const servers: Server<Note>[] = [];
  const clusters: Cluster[] = [];
  for (let node = 1; node <= count; node++) {
    const cluster = joinCluster<Note>({ bus: hub.connect(node), node, reportInterval: 0.05, logger: silentLogger });
    clusters.push(cluster);
    servers.push(await serve<Note>({ port: 0, logger: silentLogger, cluster, ...options }, commands(cluster)));
  }
  return {
    hub,
    servers,
    clusters,
    async stop() {
      await Promise.all(servers.map((server) => server.shutdown({ quietPeriod: 0 })));
      hub.close();
    },
  };
}

/** Connects a client to `server` and returns it with its id on the server. */
async function join(server: Server<Note>): Promise<{ conn: Connection; id: number }> {
  const conn = await client(server);
  await conn.send(text("id"));
  return { conn, id: Number(decoder.decode((await conn.receive())!)) };
}

/** Until every node counts `total` connections: every join has reached every directory. */
function converged(servers: Server<Note>[], total: number): Promise<void> {
  return until(() => servers.every((server) => server.size === total), `every node to count ${total}`);
}

test("joinCluster gives connection ids that carry their node", async () => {
  const nodes = await startNodes(2);
  const [a, b] = [await join(nodes.servers[0]!), await join(nodes.servers[1]!)];
  assert.equal(Math.floor(a.id / NODE_ID_SPAN), 1);
  assert.equal(Math.floor(b.id / NODE_ID_SPAN), 2);
  a.conn.close();
  b.conn.close();
  await nodes.stop();
});

test("joinCluster: a broadcast from a client of node 1 reaches every client of node 2, and size counts both", async () => {
  const nodes = await startNodes(2);
  const [sender] = [await join(nodes.servers[0]!)];
  const receivers = await Promise.all([1, 2, 3].map(() => join(nodes.servers[1]!)));
  await converged(nodes.servers, 4);
  await sender.conn.send(text("all hello"));
  for (const receiver of receivers) assert.equal(decoder.decode((await receiver.conn.receive())!), "hello");
  for (const { conn } of [sender, ...receivers]) conn.close();
  await converged(nodes.servers, 0);
  // The other node's figures come with its next report.
  await until(() => nodes.servers[0]!.stats.accepted === 4, "stats to sum both nodes");
  assert.equal(nodes.servers[1]!.stats.accepted, 4);
  await nodes.stop();
});

test("joinCluster: posts to a connection of another node arrive in order, as do sends to it", async () => {
  const nodes = await startNodes(2);
  const [from, to] = [await join(nodes.servers[0]!), await join(nodes.servers[1]!)];
  await converged(nodes.servers, 2);
  for (let i = 0; i < 50; i++) {
    await from.conn.send(text(`post ${to.id} ${i}`));
    if (i % 10 === 0) await from.conn.send(text(`send ${to.id} frame${i}`));
  }
  // A post goes through the target's mailbox and handler; a send goes straight to its outbox.
  const got = (await take(to.conn, 55)).map((frame) => decoder.decode(frame));
  assert.deepEqual(got.filter((line) => line.startsWith("note:")), Array.from({ length: 50 }, (_, i) => `note:${i}`));
  assert.deepEqual(got.filter((line) => line.startsWith("frame")), [0, 10, 20, 30, 40].map((i) => `frame${i}`));
  from.conn.close();
  to.conn.close();
  await nodes.stop();
});

test("joinCluster: a burst of 10 000 broadcasts reaches every client of both nodes, none lost", async () => {
  const nodes = await startNodes(2, { highWaterMark: 1 << 20 });
  const sender = await join(nodes.servers[0]!);
  const others = [await join(nodes.servers[0]!), await join(nodes.servers[1]!), await join(nodes.servers[1]!)];
  await converged(nodes.servers, 4);
  await sender.conn.send(text("burst 10000"));
  for (const { conn } of [sender, ...others]) {
    const frames = await take(conn, 10_000);
    assert.equal(decoder.decode(frames[9_999]!), "9999");
    assert.ok(frames.every((frame, i) => decoder.decode(frame) === String(i)), "every frame, in order");
  }
  for (const server of nodes.servers) assert.equal(server.stats.framesDropped, 0);
  for (const [node, member] of nodes.hub.members()) assert.equal(member.dropped, 0, `hub drops to node ${node}`);
  for (const { conn } of [sender, ...others]) conn.close();
  await nodes.stop();
});

test("joinCluster: fetchConnections() lists every node's connections; remote(id) makes a handle to send to and close", async () => {
  const nodes = await startNodes(2);
  const [a, b] = [await join(nodes.servers[0]!), await join(nodes.servers[1]!)];
  await converged(nodes.servers, 2);
  await a.conn.send(text("who"));
  assert.deepEqual(decoder.decode((await a.conn.receive())!).split(" ").map(Number).sort(), [a.id, b.id].sort());
  assert.deepEqual([...nodes.servers[0]!.connections()].map((conn) => conn.id), [a.id], "connections(): its own");
  assert.equal(nodes.servers[0]!.get(b.id), undefined, "get(): its own");
  assert.equal(nodes.clusters[0]!.remote(a.id), undefined, "no handle for an id of its own");
  assert.equal(nodes.clusters[0]!.remote(9 * NODE_ID_SPAN + 1), undefined, "nor for a node not heard from");
  const remote = nodes.clusters[0]!.remote(b.id)!;
  assert.equal(remote.id, b.id);
  assert.equal(remote.node, 2, "a RemoteConnection, served by node 2");
  assert.equal("events" in remote, false, "no read face: its frames are read on its own node");
  await a.conn.send(text(`send ${b.id} hello`));
  assert.equal(decoder.decode((await b.conn.receive())!), "hello", "sent by node 1 through node 2");
  await a.conn.send(text(`close ${b.id}`));
  assert.equal(await b.conn.receive(), undefined, "closed by node 1 through node 2");
  // A handle knows its node, not its connection's end: its signal aborts when node 2 leaves.
  assert.equal(remote.signal.aborted, false);
  await nodes.servers[1]!.shutdown({ quietPeriod: 0 });
  const stats = await remote.finished;
  assert.equal(stats.closeReason, "closed");
  a.conn.close();
  await nodes.stop();
});

test("joinCluster forgets a node that stops reporting: its connections leave the count", async () => {
  const hub = createPortHub();
  const options = { reportInterval: 0.05, expireAfter: 0.3, logger: silentLogger };
  const [one, two] = await Promise.all(
    [1, 2].map((node) => {
      const cluster = joinCluster({ bus: hub.connect(node), node, ...options });
      return serve<Note>({ port: 0, logger: silentLogger, cluster }, commands(cluster));
    }),
  );
  const b = await join(two!);
  await converged([one!, two!], 1);
  hub.detach(2); // node 2 is cut off, as if its thread had died without a word
  await until(() => one!.size === 0, "node 1 to forget node 2");
  b.conn.close();
  await Promise.all([one!.shutdown(), two!.shutdown()]);
  hub.close();
});

test("joinCluster: a filtered broadcast reaches exactly the connections the filter keeps, on every node", async () => {
  const nodes = await startNodes(2);
  const here = await Promise.all([1, 2].map(() => join(nodes.servers[0]!)));
  const there = await Promise.all([1, 2, 3, 4].map(() => join(nodes.servers[1]!)));
  await converged(nodes.servers, 6);
  const [sender] = here;
  // Keeps one remote connection of four: the kept ids cross ("only").
  await sender!.conn.send(text(`only ${there[0]!.id},${here[1]!.id} one`));
  // Refuses one remote connection: the refused id crosses ("except").
  await sender!.conn.send(text(`except ${there[1]!.id} two`));
  // A last broadcast to everyone, "0": it comes after the others on every path (the bus keeps order).
  await sender!.conn.send(text("burst 1"));
  const expect = [
    [here[0]!, ["two"]],
    [here[1]!, ["one", "two"]],
    [there[0]!, ["one", "two"]],
    [there[1]!, []],
    [there[2]!, ["two"]],
    [there[3]!, ["two"]],
  ] as const;
  for (const [client, lines] of expect) {
    const got: string[] = [];
    for (let frame = await client.conn.receive(); frame !== undefined; frame = await client.conn.receive()) {
      const line = decoder.decode(frame);
      if (line === "0") break;
      got.push(line);
    }
    assert.deepEqual(got, lines, `client ${client.id}`);
  }
  for (const { conn } of [...here, ...there]) conn.close();
  await nodes.stop();
});
