/**
 * Nothing from the bus queues without a bound: the deltas a node keeps while
 * another node's snapshot is on its way (bounded in count and bytes, even
 * when the snapshot never comes), a late-joining node that syncs with
 * nothing left waiting, and a frame sent from another node to a connection
 * whose peer does not read (the slow-consumer policy, not a waiting send).
 * Real servers and clients on loopback, nodes over the hub.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  type Bus,
  type Cluster,
  type Connection,
  ConnectionClosedError,
  joinCluster,
  type Logger,
  serve,
  type ServeOptions,
  type Server,
} from "../mod.ts";
import { createPortHub, type PortHub } from "../src/_internal.ts";
import { encodeMessage } from "../src/core/cluster/messages.ts";
import { test } from "./_harness.ts";
import { client, echoHandler, until } from "./_fixtures.ts";

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

async function idle(conn: Connection): Promise<void> {
  for await (const _ of conn) { /* reads, answers nothing */ }
}

async function node(hub: PortHub, n: number, options: Partial<ServeOptions> = {}) {
  const cluster: Cluster = joinCluster({ bus: hub.connect(n), node: n, reportInterval: 0.05, logger: silent });
  const server: Server = await serve(
    { port: 0, logger: silent, cluster, ...options },
    options.port ? idle : echoHandler,
  );
  return { cluster, server };
}

/** A delta from `from` numbered `seq`: it says `from` has `active` connections. */
function delta(from: number, seq: number, active = seq): Uint8Array {
  return encodeMessage(from, { kind: "delta", seq, active });
}

/** Publishes `messages` from a raw member of the hub, a batch at a time, so that the hub's bound drops none. */
async function publishAll(raw: Bus, messages: Uint8Array[], cluster: Cluster): Promise<void> {
  for (let i = 0; i < messages.length;) {
    const { accepted, rejected } = cluster.busStats;
    let bytes = 0;
    const batch: Uint8Array[] = [];
    while (i < messages.length && batch.length < 100 && bytes < 2 * 1024 * 1024) {
      batch.push(messages[i]!);
      bytes += messages[i++]!.length;
    }
    for (const message of batch) assert.equal(raw.publish("spawnkit.node.1", message), true);
    await raw.flush();
    await until(
      () => cluster.busStats.accepted + cluster.busStats.rejected >= accepted + rejected + batch.length,
      "the batch read",
    );
  }
}

test("Cluster: deltas of a node whose snapshot never comes (a forged hello) are skipped, counted, and nothing waits", async () => {
  const hub = createPortHub({ maxPendingBytes: 64 * 1024 * 1024 });
  const { cluster, server } = await node(hub, 1);
  const raw = hub.connect(99);
  try {
    // Node 7 does not exist: its hello makes node 1 ask for a snapshot that never comes; its deltas are skipped.
    const messages = [encodeMessage(7, { kind: "hello" })];
    for (let seq = 1; seq <= 3000; seq++) messages.push(delta(7, seq));
    await publishAll(raw, messages, cluster);
    const stats = cluster.busStats;
    assert.equal(stats.deltasSkipped, 3000, "each one skipped and counted");
    assert.equal(stats.rejected, 0, "valid messages: skipped, not rejected");
    assert.equal(server.size, 0, "nothing of an unsynced node is counted");
  } finally {
    await server.shutdown({ timeout: 1 });
    await raw.close();
    hub.close();
  }
});

test("Cluster: a node that joins late syncs from a snapshot and keeps nothing waiting", async () => {
  const hub = createPortHub();
  const first = await node(hub, 1);
  const clients = await Promise.all([0, 1, 2].map(() => client(first.server)));
  await until(() => first.server.size === 3, "node 1's clients");
  const late = await node(hub, 2);
  try {
    await until(() => late.server.size === 3, "the late node to list node 1's clients");
    assert.equal([...late.server.connections()].length, 0, "connections() is the node's own");
    const fetched = await late.cluster.fetchConnections({ limit: 10, timeout: 5 });
    assert.ok(fetched.complete);
    const ids = fetched.connections.map((conn) => conn.id).sort();
    assert.deepEqual(ids, [...first.server.connections()].map((conn) => conn.id).sort());
    assert.equal(late.cluster.busStats.rejected, 0);
    // And it follows: one more client of node 1 reaches its count by delta.
    clients.push(await client(first.server));
    await until(() => late.server.size === 4, "the next join");
  } finally {
    for (const conn of clients) conn.close();
    await Promise.all([first.server.shutdown({ timeout: 1 }), late.server.shutdown({ timeout: 1 })]);
    hub.close();
  }
});

/**
 * Node 1 serves a client that never reads (its outbox bounded at 16 KiB, under `policy`); node 2 sends it 64 KiB
 * frames through the bus until `done` holds. Returns node 1's connection.
 */
async function sendToSilentPeer(policy: "drop" | "disconnect", done: (conn: Connection) => boolean) {
  const hub = createPortHub();
  const first = await node(hub, 1, { highWaterMark: 16 * 1024, slowConsumer: policy, maxFrameSize: 128 * 1024 });
  const silentPeer = await client(first.server, { maxFrameSize: 128 * 1024 }); // never asked for a frame
  await until(() => first.server.size === 1, "the silent peer counted");
  const local = [...first.server.connections()][0] as Connection;
  const second = await node(hub, 2, { maxFrameSize: 128 * 1024 });
  try {
    await until(() => second.cluster.remote(local.id) !== undefined, "node 2 to hear from node 1");
    const remote = second.cluster.remote(local.id)!;
    const frame = new Uint8Array(64 * 1024).fill(7);
    let sent = 0;
    await until(() => done(local), `the ${policy} policy`, 20_000, async () => {
      if (sent >= 4000) return;
      for (let i = 0; i < 8; i++, sent++) {
        // A handle does not learn that its connection closed: sends to it are dropped on node 1 from then on.
        const refused = await remote.send(frame).then(() => false, (error) => {
          if (error instanceof ConnectionClosedError) return true;
          throw error;
        });
        if (refused) return;
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    });
    return { local, sent };
  } finally {
    silentPeer.close();
    await Promise.all([first.server.shutdown({ timeout: 1 }), second.server.shutdown({ timeout: 1 })]);
    hub.close();
  }
}

test("Cluster: a send from another node to a peer that does not read is dropped and counted (slowConsumer drop)", async () => {
  const { local } = await sendToSilentPeer("drop", (conn) => conn.stats.framesDropped >= 10);
  const stats = local.stats;
  assert.ok(stats.framesDropped >= 10, `${stats.framesDropped} dropped`);
  // Nothing waits holding a payload: the outbox never held more than the mark and one frame.
  assert.ok(stats.outboxPeak <= 16 * 1024 + 64 * 1024 + 4, `outbox peak ${stats.outboxPeak}`);
});

test("Cluster: a send from another node to a peer that does not read closes it (slowConsumer disconnect)", async () => {
  const { local } = await sendToSilentPeer("disconnect", (conn) => conn.closing);
  const stats = await local.finished;
  assert.equal(stats.closeReason, "slow-consumer");
  assert.ok(stats.outboxPeak <= 16 * 1024 + 64 * 1024 + 4, `outbox peak ${stats.outboxPeak}`);
});
