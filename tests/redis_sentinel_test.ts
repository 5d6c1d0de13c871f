/**
 * Redis with a primary, a replica and Sentinel (redis-server in sentinel
 * mode, all on loopback): the primary is killed mid-run; the sentinel
 * promotes the replica, and the nodes' buses (`sentinel` option) reconnect
 * to it by themselves: local service never stops, the outage is counted,
 * and cross-node traffic resumes without the old primary.
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type Connection, joinCluster, serve, type Server, silentLogger } from "../mod.ts";
import { connectRedisBus } from "../src/edges/redis/redis.ts";
import type { EngineBus } from "../src/_internal.ts";
import { type Spawned, spawnProgram } from "./_child.ts";
import { type Engine, engineMissing, engineProgram, freePort, startEngine } from "./_engines.ts";
import { skip, test } from "./_harness.ts";
import { decoder, text, until } from "./_fixtures.ts";

const GROUP = "spawnkit";

/** "all TEXT" goes to every other connection of the cluster; anything else comes back (local service). */
async function handler(conn: Connection, server: Server): Promise<void> {
  for await (const frame of conn) {
    const line = decoder.decode(frame);
    if (line.startsWith("all ")) server.broadcast(text(line.slice(4)), { except: [conn.id] });
    else await conn.send(frame);
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

/** A sentinel watching `primary`, quick to call it down; settles once it has seen the replica too. */
async function startSentinel(
  primary: Engine,
  dir: string,
): Promise<{ port: number; child: Spawned; log: () => string }> {
  const port = await freePort();
  const config = join(dir, "sentinel.conf");
  await writeFile(
    config,
    [
      `port ${port}`,
      "bind 127.0.0.1",
      `sentinel monitor ${GROUP} 127.0.0.1 ${primary.port} 1`,
      `sentinel down-after-milliseconds ${GROUP} 500`,
      `sentinel failover-timeout ${GROUP} 5000`,
      "",
    ].join("\n"),
  );
  let output = "";
  const child = spawnProgram(engineProgram("redis")!, [config, "--sentinel"], (t) => output += t, (t) => output += t);
  await until(() => /\+slave slave/.test(output), `the sentinel to see the replica:\n${output}`, 25_000);
  return { port, child, log: () => output };
}

const name =
  "Redis primary, replica and Sentinel: the primary dies; the nodes follow the promoted replica, serve on, count it";
const missing = engineMissing("redis");
if (missing !== undefined) skip(name, missing);
else {
  test(name, async () => {
    const dir = await mkdtemp(join(tmpdir(), "spawnkit-sentinel-"));
    const primary = await startEngine("redis");
    const replica = await startEngine("redis", ["--replicaof", "127.0.0.1", String(primary.port)]);
    let sentinel: Awaited<ReturnType<typeof startSentinel>> | undefined;
    const buses: EngineBus[] = [];
    const servers: Server[] = [];
    try {
      sentinel = await startSentinel(primary, dir);
      const options = { name: GROUP, sentinels: [`127.0.0.1:${sentinel.port}`] };
      for (const node of [1, 2]) {
        // The URL's host is not used: the sentinel names the primary.
        const bus = await connectRedisBus({
          url: "redis://primary",
          sentinel: options,
          reconnectWait: 0.1,
          logger: silentLogger,
        });
        buses.push(bus);
        const cluster = joinCluster({ bus, node, reportInterval: 0.1, expireAfter: 20, logger: silentLogger });
        servers.push(await serve({ port: 0, logger: silentLogger, cluster }, handler));
      }
      const [one, two] = [await listener(servers[0]!.addr.port), await listener(servers[1]!.addr.port)];
      await until(() => servers.every((server) => server.size === 2), "both nodes to count both clients");
      await one.conn.send(text("all before"));
      await until(() => two.lines.includes("before"), "a broadcast through the primary");

      await primary.kill();
      await one.conn.send(text("still here"));
      await until(() => one.lines.includes("still here"), "node 1's own answer while the primary is gone");
      await until(() => /\+switch-master/.test(sentinel!.log()), `the sentinel to promote the replica`, 25_000);
      await until(
        () => buses.every((bus) => bus.stats.outages === 1 && bus.stats.connected),
        "both buses on the promoted replica",
        25_000,
      );
      let round = 0;
      await until(
        () => two.lines.includes("after") && one.lines.includes("back"),
        "broadcasts again",
        20_000,
        async () => {
          if (round++ % 20 === 0) {
            await one.conn.send(text("all after"));
            await two.conn.send(text("all back"));
          }
        },
      );
      assert.ok(servers.every((server) => server.size === 2), "both still count both");
      for (const { conn } of [one, two]) conn.close();
    } finally {
      await Promise.all(servers.map((server) => server.shutdown({ timeout: 1, quietPeriod: 0 })));
      await Promise.all(buses.map((bus) => bus.close()));
      sentinel?.child.kill("SIGKILL");
      await sentinel?.child.exited;
      await Promise.all([primary.stop(), replica.stop()]);
      await rm(dir, { recursive: true, force: true });
    }
  });
}
