/**
 * Listing connections across the cluster: an explicit, bounded request to
 * every node (Socket.IO's `fetchSockets()`), never a replica kept in memory.
 * Each node answers with up to `limit` of its connections (of a room, when
 * asked); a node that does not answer within `timeout` is named in `missing`.
 *
 * @module
 */
import type { Connection, RemoteConnection } from "../connection/connection.ts";
import { MESSAGE_LIMITS } from "./_message_fields.ts";
import type { ClusterMessage, ConnectionEntry } from "./messages.ts";

/** The default `limit` of `fetchConnections()`: connections in all. */
export const DEFAULT_FETCH_LIMIT = 1000;
/** The default `timeout` of `fetchConnections()`, in seconds. */
export const DEFAULT_FETCH_TIMEOUT = 5;

/**
 * Options of `cluster.fetchConnections()`.
 *
 * @example Every node's connections, asked for (two nodes in one process)
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, joinCluster, serve, silentLogger } from "spawnkit";
 * import { createPortHub } from "spawnkit/workers";
 * const hub = createPortHub();
 * const clusters = [1, 2].map((node) => joinCluster({ bus: hub.connect(node), node, logger: silentLogger }));
 * const servers = await Promise.all(clusters.map((cluster) =>
 *   serve({ port: 0, logger: silentLogger, cluster }, async (conn) => {
 *     for await (const _ of conn);
 *   })
 * ));
 * const client = await connect({ port: servers[1]!.addr.port, logger: silentLogger });
 * while (servers[0]!.size < 1) await new Promise((resolve) => setTimeout(resolve, 5));
 * const { connections, complete } = await clusters[0]!.fetchConnections({ limit: 100, timeout: 5 });
 * assert.deepEqual(connections.map((conn) => conn.id), [20_000_000_001]);
 * assert.equal(complete, true);
 * client.close();
 * await Promise.all(servers.map((server) => server.shutdown()));
 * hub.close();
 * ```
 */
export interface FetchConnectionsOptions {
  /** Only the members of this room. @default every connection */
  room?: string;
  /** Connections in all, at most (1 to 10 000: one node's answer stays within a bus message). @default {1000} */
  limit?: number;
  /** Seconds to wait for each node's answer. @default {5} */
  timeout?: number;
}

/** What `cluster.fetchConnections()` found. */
export interface FetchedConnections<Message = unknown> {
  /** This node's connections first, then the other nodes', each a `RemoteConnection`; at most `limit`. */
  readonly connections: Array<Connection<Message> | RemoteConnection>;
  /** True when every node answered and none had more than it gave. */
  readonly complete: boolean;
  /** The nodes that did not answer in time (gone, or the bus dropped the request or the answer). */
  readonly missing: number[];
}

/** What the fetch needs of the node. */
export interface FetchHost<Message> {
  /** This node's connections (of `room`, when given). */
  local(room: string | undefined): Iterable<Connection<Message>>;
  /** The other nodes known now. */
  nodes(): number[];
  /** Asks `node`, waiting at most `timeout` seconds; rejects when it does not answer. */
  ask(node: number, message: ClusterMessage, timeout: number): Promise<ClusterMessage>;
  /** The handle of a connection of another node, from its listing entry. */
  handle(entry: ConnectionEntry): RemoteConnection;
}

/** Checks `options`; the limit and timeout to use. */
export function checkFetchOptions(options: FetchConnectionsOptions): { limit: number; timeout: number } {
  const limit = options.limit ?? DEFAULT_FETCH_LIMIT;
  const timeout = options.timeout ?? DEFAULT_FETCH_TIMEOUT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MESSAGE_LIMITS.listing) {
    throw new RangeError(`Cannot fetch connections: limit must be an integer from 1 to ${MESSAGE_LIMITS.listing}`);
  }
  if (typeof timeout !== "number" || !(timeout > 0) || timeout > 3600) {
    throw new RangeError("Cannot fetch connections: timeout must be a number of seconds above 0, at most 3600");
  }
  if (options.room !== undefined && typeof options.room !== "string") {
    throw new TypeError("Cannot fetch connections: room must be a string");
  }
  return { limit, timeout };
}

/** Asks every node for its connections (see the module's doc). */
export async function fetchConnections<Message>(
  host: FetchHost<Message>,
  options: FetchConnectionsOptions = {},
): Promise<FetchedConnections<Message>> {
  const { limit, timeout } = checkFetchOptions(options);
  const connections: Array<Connection<Message> | RemoteConnection> = [];
  let complete = true;
  for (const conn of host.local(options.room)) {
    if (connections.length === limit) {
      complete = false;
      break;
    }
    connections.push(conn);
  }
  const missing: number[] = [];
  const nodes = host.nodes();
  // Each node is asked for what is left of the limit: the answers together hold at most limit * nodes entries.
  const ask: ClusterMessage = { kind: "fetch", limit, ...(options.room === undefined ? {} : { room: options.room }) };
  const answers = await Promise.allSettled(nodes.map((node) => host.ask(node, ask, timeout)));
  answers.forEach((answer, i) => {
    if (answer.status === "rejected" || answer.value.kind !== "listing") return void missing.push(nodes[i]!);
    const listing = answer.value;
    if (listing.more) complete = false;
    for (const entry of listing.entries) {
      if (connections.length === limit) return void (complete = false);
      connections.push(host.handle(entry));
    }
  });
  return { connections, complete: complete && missing.length === 0, missing };
}
