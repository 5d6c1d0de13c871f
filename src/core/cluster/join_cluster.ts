/**
 * `joinCluster()`: a node's place in a cluster, to give to `serve({ cluster })`.
 *
 * @module
 */
import { ClusterNode } from "./cluster.ts";
import type { Cluster, ClusterOptions } from "./cluster_types.ts";

/**
 * Joins a cluster over `options.bus`. Hand the result to `serve({ cluster })`:
 * inside its handlers, `server.broadcast()`, `post()`, `size`, `stats`,
 * `get()` and `connections()` then mean every node. Without a server, the
 * cluster only observes: `stats` and `size` sum what the nodes report.
 *
 * @throws {RangeError} a bad `node`, `reportInterval` or `expireAfter`.
 * @example Two nodes in one process: a broadcast from one reaches a client of the other
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Connection, connect, joinCluster, serve, type Server, silentLogger } from "spawnkit";
 * import { createPortHub } from "spawnkit/workers";
 * const hub = createPortHub();
 * const handler = async (conn: Connection, server: Server) => {
 *   for await (const frame of conn) server.broadcast(frame);
 * };
 * const servers = await Promise.all([1, 2].map((node) =>
 *   serve({ port: 0, logger: silentLogger, cluster: joinCluster({ bus: hub.connect(node), node }) }, handler)
 * ));
 * const [a, b] = await Promise.all(servers.map((server) => connect({ port: server.addr.port })));
 * while (servers[0]!.size < 2) await new Promise((resolve) => setTimeout(resolve, 5)); // b's join reaches node 1
 * await a!.send(new TextEncoder().encode("hi all"));
 * assert.equal(new TextDecoder().decode(await b!.receive()), "hi all");
 * a!.close();
 * b!.close();
 * await Promise.all(servers.map((server) => server.shutdown()));
 * hub.close();
 * ```
 */
export function joinCluster<Message = unknown>(options: ClusterOptions<Message>): Cluster {
  return new ClusterNode(options);
}
