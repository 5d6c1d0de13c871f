/**
 * Forged messages on a real engine: a node of a cluster over a real
 * nats-server or redis-server, and a raw publisher with the engine's own
 * client library (@nats-io/transport-node, ioredis) that publishes forgeries
 * on the cluster's subjects and channels. The node keeps serving, counts
 * every forgery as rejected, and neither `server.stats` nor /metrics moves.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import fc from "fast-check";
import { connect as natsConnect } from "@nats-io/transport-node";
import { Redis } from "ioredis";
import { joinCluster, type Logger, serve } from "../mod.ts";
import type { EngineBus } from "../src/_internal.ts";
import { connectNatsBus } from "../src/edges/nats/nats.ts";
import { connectRedisBus } from "../src/edges/redis/redis.ts";
import { MESSAGE, newSender, seal } from "../src/edges/redis/_redis_wire.ts";
import { readMessage } from "../src/core/cluster/read_message.ts";
import { renderMetrics } from "../src/edges/metrics/metrics.ts";
import { type EngineKind, engineMissing, startEngine } from "./_engines.ts";
import { skip, test } from "./_harness.ts";
import { client, decoder, echoHandler, take, text, until } from "./_fixtures.ts";
import { assertSaneStats, forgedBytes, namedForgeries } from "./_bus_forgery.ts";

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A raw publisher on the engine, with its own client library: no bus, no wire message unless asked. */
interface RawPublisher {
  publish(topic: string, bytes: Uint8Array): void;
  /** Redis: bytes as they are, without the bus's wire format. */
  publishBare?(topic: string, bytes: Uint8Array): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

async function rawPublisher(kind: EngineKind, url: string): Promise<RawPublisher> {
  if (kind === "nats") {
    const nc = await natsConnect({ servers: url.replace("nats://", "") });
    return {
      publish: (topic: string, bytes: Uint8Array) => void nc.publish(topic, bytes),
      flush: () => nc.flush(),
      close: () => nc.close(),
    };
  }
  const redis = new Redis(url);
  const sender = newSender();
  return {
    // Sealed as a bus would (a forger who read the source), so that the cluster's checks are what meets it.
    publish: (topic: string, bytes: Uint8Array) => void redis.publish(topic, seal(MESSAGE, sender, 0, bytes)),
    publishBare: (topic: string, bytes: Uint8Array) => void redis.publish(topic, Buffer.from(bytes)),
    flush: async () => void await redis.ping(),
    close: () => Promise.resolve(redis.disconnect()),
  };
}

for (const kind of ["nats", "redis"] as const) {
  const name =
    `${kind}: forged messages from a raw publisher are rejected and counted; the node serves, its stats stay`;
  const missing = engineMissing(kind);
  if (missing !== undefined) {
    skip(name, missing);
    continue;
  }
  test(name, async () => {
    const engine = await startEngine(kind);
    const bus: EngineBus = kind === "nats"
      ? await connectNatsBus({ servers: engine.url, logger: silent })
      : await connectRedisBus({ url: engine.url, logger: silent });
    const cluster = joinCluster({ bus, node: 1, reportInterval: 0.1, logger: silent });
    const server = await serve({ port: 0, logger: silent, cluster }, echoHandler);
    const raw = await rawPublisher(kind, engine.url);
    const conn = await client(server);
    try {
      await until(() => server.size === 1, "the client counted");
      await bus.flush();
      const forged = [
        ...Object.values(namedForgeries(2)),
        ...fc.sample(forgedBytes, { numRuns: 300, seed: 5 }).filter((bytes) => "rejected" in readMessage(bytes)),
      ];
      const before = server.stats;
      for (const bytes of forged) {
        raw.publish("spawnkit.all", bytes);
        raw.publish("spawnkit.node.1", bytes);
      }
      await raw.flush();
      await until(() => cluster.busStats.rejected === 2 * forged.length, `${2 * forged.length} rejections`, 20_000);
      assert.deepEqual(server.stats, before, "no forgery reached server.stats");
      assert.equal(cluster.busStats.accepted, 0);
      assert.deepEqual(cluster.nodes(), []);
      if (raw.publishBare !== undefined) {
        // Not even a wire message of the bus (no kind of one in the first byte): dropped unread, counted by the bus.
        for (const bytes of forged.slice(0, 10)) {
          const bare = new Uint8Array(1 + bytes.length);
          bare[0] = 0xff;
          bare.set(bytes, 1);
          raw.publishBare!("spawnkit.all", bare);
        }
        await raw.flush();
        await until(() => bus.stats.rejected === 10, "the bare messages counted by the bus");
      }
      await conn.send(text("still serving"));
      assert.equal(decoder.decode((await take(conn, 1))[0]), "still serving");
      assertSaneStats(server.stats);
      assert.match(await renderMetrics(server), /^spawnkit_connections_active 1$/m);
    } finally {
      conn.close();
      await server.shutdown({ timeout: 1 });
      await bus.close();
      await raw.close();
      await engine.stop();
    }
  });
}
