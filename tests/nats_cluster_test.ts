/**
 * A node on a three-server NATS cluster (nats-server's `--cluster` and
 * `--routes`, all on loopback) whose server is killed mid-run: the client
 * moves to another server of the cluster (learned from the first one's
 * INFO), local service never stops, the outage is counted, and cross-node
 * traffic resumes, with no restart of the server killed.
 *
 * @module
 */
import assert from "node:assert/strict";
import { connect, type Connection, joinCluster, serve, type Server, silentLogger } from "../mod.ts";
import { connectNatsBus } from "../src/edges/nats/nats.ts";
import type { EngineBus } from "../src/_internal.ts";
import { type Engine, engineMissing, freePort, startEngine } from "./_engines.ts";
import { skip, test } from "./_harness.ts";
import { decoder, text, until } from "./_fixtures.ts";

/** "all TEXT" goes to every other connection of the cluster; anything else comes back (local service). */
async function handler(conn: Connection, server: Server): Promise<void> {
  for await (const frame of conn) {
    const line = decoder.decode(frame);
    if (line.startsWith("all ")) server.broadcast(text(line.slice(4)), { except: [conn.id] });
    else await conn.send(frame);
  }
}

/** Three nats-servers routed into one cluster. */
async function natsCluster(): Promise<Engine[]> {
  const routes = await Promise.all([0, 1, 2].map(() => freePort()));
  const engines: Engine[] = [];
  try {
    for (const [i, port] of routes.entries()) {
      const others = routes.filter((_, j) => j !== i).map((other) => `nats://127.0.0.1:${other}`).join(",");
      engines.push(
        await startEngine("nats", [
          "--cluster_name",
          "spawnkit",
          "--cluster",
          `nats://127.0.0.1:${port}`,
          "--routes",
          others,
        ]),
      );
    }
    return engines;
  } catch (error) {
    await Promise.all(engines.map((engine) => engine.stop()));
    throw error;
  }
}

/** A client whose frames are collected as they come. */
async function listener(port: number): Promise<{ conn: Connection; lines: string[] }> {
  const conn = await connect({ port, logger: silentLogger });
  const lines: string[] = [];
  void (async () => {
    for await (const frame of conn) lines.push(decoder.decode(frame));
  })();
  return { conn, lines };
}

const name =
  "NATS cluster of three: the server a node is on dies; it moves to another, serves on, counts it, crosses again";
const missing = engineMissing("nats");
if (missing !== undefined) skip(name, missing);
else {
  test(name, async () => {
    const engines = await natsCluster();
    const [first, , third] = engines as [Engine, Engine, Engine];
    const buses: EngineBus[] = [];
    const servers: Server[] = [];
    try {
      // Node 1 is given the first server alone, node 2 the third: they meet through the cluster's routes.
      for (const [node, engine] of [[1, first], [2, third]] as const) {
        const bus = await connectNatsBus({ servers: engine.url, reconnectWait: 0.1, logger: silentLogger });
        buses.push(bus);
        const cluster = joinCluster({ bus, node, reportInterval: 0.1, expireAfter: 10, logger: silentLogger });
        servers.push(await serve({ port: 0, logger: silentLogger, cluster }, handler));
      }
      const [one, two] = [await listener(servers[0]!.addr.port), await listener(servers[1]!.addr.port)];
      await until(() => servers.every((server) => server.size === 2), "both nodes to count both clients", 20_000);
      await one.conn.send(text("all before"));
      await until(() => two.lines.includes("before"), "a broadcast across the routes");

      await first.kill(); // node 1's server dies; the cluster's other two go on
      // Local service never stops: node 1 answers its client while its bus is away or moving.
      await one.conn.send(text("still here"));
      await until(() => one.lines.includes("still here"), "node 1's own answer");
      // The client moves to another server of the cluster (learned from the first one's INFO), the outage counted.
      await until(
        () => buses[0]!.stats.outages === 1 && buses[0]!.stats.connected,
        "node 1 back on the cluster",
        20_000,
      );
      // Cross-node traffic resumes, both ways, with the first server still dead.
      let round = 0;
      await until(
        () => two.lines.includes("after") && one.lines.includes("back"),
        "broadcasts across again",
        20_000,
        async () => {
          if (round++ % 20 === 0) {
            await one.conn.send(text("all after"));
            await two.conn.send(text("all back"));
          }
        },
      );
      assert.equal(buses[1]!.stats.outages, 0, "node 2's server stayed up");
      assert.ok(servers.every((server) => server.size === 2), "both still count both");
      for (const { conn } of [one, two]) conn.close();
    } finally {
      await Promise.all(servers.map((server) => server.shutdown({ timeout: 1, quietPeriod: 0 })));
      await Promise.all(buses.map((bus) => bus.close()));
      await Promise.all(engines.map((engine) => engine.stop()));
    }
  });
}
