/**
 * Presence at fleet scale: a node pays O(nodes + rooms) for the rest of the
 * fleet. A node that joins late beside one of 20 000 connections counts them
 * all from a few small messages (no snapshot of connections crosses), on the
 * hub and on real NATS and Redis servers with their default limits (1 MiB
 * messages); listing them is an explicit, bounded request. Connections come
 * through the memory transport: cheap, and no descriptor each.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  type Bus,
  type Cluster,
  type Connection,
  joinCluster,
  memoryTransport,
  type RawSocket,
  serve,
  type Server,
  silentLogger,
} from "../mod.ts";
import { connectNatsBus } from "../src/edges/nats/nats.ts";
import { connectRedisBus } from "../src/edges/redis/redis.ts";
import { createPortHub } from "../src/_internal.ts";
import { MESSAGE_LIMITS } from "../src/core/cluster/_message_fields.ts";
import { type EngineKind, engineMissing, startEngine } from "./_engines.ts";
import { skip, test } from "./_harness.ts";
import { until } from "./_fixtures.ts";

/** Connections on the first node: past the 19 200 whose directory snapshot no longer fit one 1 MiB message. */
const MANY = 20_100;

async function idle(conn: Connection): Promise<void> {
  for await (const _ of conn) { /* reads, answers nothing */ }
}

/** `bus`, with the largest payload its subscribers got and their count. */
function watched(bus: Bus): { bus: Bus; largest: () => number; received: () => number } {
  let largest = 0;
  let received = 0;
  const watchedBus: Bus = {
    publish: (topic, payload) => bus.publish(topic, payload),
    subscribe: (topic, handler) =>
      bus.subscribe(topic, (payload, delivery) => {
        largest = Math.max(largest, payload.length);
        received++;
        handler(payload, delivery);
      }),
    request: (topic, payload, options) => bus.request(topic, payload, options),
    flush: () => bus.flush(),
    get stats() {
      return bus.stats;
    },
    close: () => bus.close(),
  };
  return { bus: watchedBus, largest: () => largest, received: () => received };
}

interface Node {
  readonly cluster: Cluster;
  readonly server: Server;
}

async function node(bus: Bus, n: number): Promise<Node> {
  const transport = memoryTransport();
  const cluster = joinCluster({ bus, node: n, reportInterval: 0.2, logger: silentLogger });
  const server = await serve({ port: 0, logger: silentLogger, cluster, transport }, idle);
  return { cluster, server: Object.assign(server, { transport }) };
}

/** Opens `count` raw connections to `server`'s memory listener, a batch at a time. */
async function fill(server: Server, count: number): Promise<RawSocket[]> {
  const transport = (server as Server & { transport: ReturnType<typeof memoryTransport> }).transport;
  const sockets: RawSocket[] = [];
  while (sockets.length < count) {
    const batch = Math.min(500, count - sockets.length);
    sockets.push(
      ...await Promise.all(
        Array.from({ length: batch }, () => transport.connect({ hostname: "127.0.0.1", port: server.addr.port })),
      ),
    );
  }
  await until(() => server.size === count, `node 1 to count its ${count} connections`, 20_000);
  return sockets;
}

async function lateJoin(connectBus: (n: number) => Promise<Bus>): Promise<void> {
  const busA = await connectBus(1);
  const a = await node(busA, 1);
  const sockets = await fill(a.server, MANY);
  const watch = watched(await connectBus(2));
  const b = await node(watch.bus, 2);
  try {
    await until(() => b.server.size === MANY, `the late node to count node 1's ${MANY}`, 10_000);
    // Counts, not connections: no message it got carries per-connection state.
    assert.ok(watch.largest() < 4096, `the largest message node 2 got: ${watch.largest()} bytes`);
    assert.equal(b.cluster.busStats.rejected, 0);
    // Listing is an explicit, bounded request: at most `limit`, and it says there are more.
    const fetched = await b.cluster.fetchConnections({ limit: MESSAGE_LIMITS.listing, timeout: 10 });
    assert.equal(fetched.connections.length, MESSAGE_LIMITS.listing);
    assert.equal(fetched.complete, false, "more than the limit");
    assert.deepEqual(fetched.missing, []);
    assert.ok(fetched.connections.every((conn) => "node" in conn && conn.node === 1));
    // And it follows: node 1's connections end, node 2's count goes with them.
    for (const socket of sockets.splice(0, 100)) socket.close();
    await until(() => b.server.size === MANY - 100, "node 2 to count the ends", 10_000);
  } finally {
    for (const socket of sockets) socket.close();
    await Promise.all([a.server.shutdown({ timeout: 1, quietPeriod: 0 }), b.server.shutdown({ timeout: 1 })]);
    await Promise.all([busA.close(), watch.bus.close()]);
  }
}

test(`Cluster at scale (hub): a node that joins late counts ${MANY} connections of another from counts alone`, async () => {
  const hub = createPortHub();
  try {
    await lateJoin((n) => Promise.resolve(hub.connect(n)));
  } finally {
    hub.close();
  }
});

for (const kind of ["nats", "redis"] as EngineKind[]) {
  const name =
    `Cluster at scale (${kind}, default limits): a node that joins late counts ${MANY} connections of another`;
  const missing = engineMissing(kind);
  if (missing !== undefined) {
    skip(name, missing);
    continue;
  }
  test(name, async () => {
    const engine = await startEngine(kind);
    try {
      await lateJoin((): Promise<Bus> =>
        kind === "nats"
          ? connectNatsBus({ servers: engine.url, logger: silentLogger })
          : connectRedisBus({ url: engine.url, logger: silentLogger })
      );
    } finally {
      await engine.stop();
    }
  });
}
