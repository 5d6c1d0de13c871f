/**
 * The shapes of a cluster node: its options and what users hold
 * ({@linkcode Cluster}), a server extension (`serve({ cluster })`). The logic
 * is cluster.ts.
 *
 * @module
 */
import type { MessageCodec } from "../codec.ts";
import type { Logger } from "../logger.ts";
import type { RemoteConnection } from "../connection/connection.ts";
import type { ServerExtension } from "../server/server.ts";
import type { ServerStats } from "../stats.ts";
import type { Bus } from "./bus.ts";
import type { ClusterBusStats } from "./bus_checks.ts";
import type { FetchConnectionsOptions, FetchedConnections } from "./fetch_connections.ts";

/** The default `name` of a cluster: the prefix of its topics. */
export const DEFAULT_CLUSTER_NAME = "spawnkit";
/** The default `reportInterval`, in seconds. */
export const DEFAULT_REPORT_INTERVAL = 1;
/** The default `expireAfter`, in seconds: five reports missed. */
export const DEFAULT_EXPIRE_AFTER = 5;

/** Options of `joinCluster()`. */
export interface ClusterOptions<Message = unknown> {
  /** The bus the nodes share. The cluster does not close it. */
  bus: Bus;
  /** This node's number, unique in the cluster (1 to 900718; 0 for a cluster that only observes). Its connection ids carry it. */
  node: number;
  /** The prefix of the cluster's topics, so that several clusters can share one bus. @default {"spawnkit"} */
  name?: string;
  /** How a posted message crosses to another node (the RPC edge's codecs fit). @default JSON as UTF-8 */
  codec?: MessageCodec<Message>;
  /** Seconds between this node's reports of its figures. @default {1} */
  reportInterval?: number;
  /** Seconds after which a node that stopped reporting is forgotten. @default {5} */
  expireAfter?: number;
  /** Where the cluster logs (a node it could not sync, a message it could not read). @default warnings and errors to the console */
  logger?: Logger;
}

/** A node's place in a cluster, made by `joinCluster()`; give it to `serve({ cluster })`. */
export interface Cluster extends ServerExtension {
  /** This node's number. */
  readonly node: number;
  /** The other nodes heard from and not expired. */
  nodes(): number[];
  /** Connections open on every node (this node's server included, once it has one). */
  readonly size: number;
  /** Every node's figures summed (this node's server included, once it has one). */
  readonly stats: ServerStats;
  /** What this node made of the messages the bus brought it: used, rejected, skipped. */
  readonly busStats: ClusterBusStats;
  /**
   * A handle for connection `id` of another node, made from the id alone (it
   * carries its node): undefined for an id of this node or of a node not
   * heard from. Nothing is asked: the connection may have ended there, and
   * a send to it is then dropped there.
   */
  remote(id: number): RemoteConnection | undefined;
  /**
   * Asks every node for its connections (of `room`, when given): at most
   * `limit` in all, each node waited for at most `timeout` seconds. Nothing
   * is kept: each call asks again.
   * @throws {RangeError} a `limit` or `timeout` out of range.
   */
  fetchConnections(options?: FetchConnectionsOptions): Promise<FetchedConnections>;
  /** Tells every node that `node` is gone (its thread or process died): they forget it at once. */
  forget(node: number): void;
  /** Leaves the cluster (the others forget this node) and stops reporting. Idempotent; the bus stays open. */
  close(): void;
}
