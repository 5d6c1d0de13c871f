/**
 * spawnkit/redis: the cluster's {@linkcode Bus} on a Redis server's pub/sub,
 * through `ioredis` (runs unchanged on Deno, Bun and Node, and recovers after
 * a restart of the server). Not `Bun.redis`: measured, its `publish` rejects
 * binary payloads and its subscriber did not recover after a restart.
 *
 * Two connections: one publishes (and asks), one subscribes (Redis keeps a
 * subscribing connection for that alone). Channels are the topics:
 * `spawnkit.all`, `spawnkit.room.NAME` (only the nodes hosting the room
 * subscribe), `spawnkit.node.N`, and a reply channel per bus
 * (_redis_wire.ts). Payloads are bytes end to end.
 *
 * Presence is leases on a channel, as on every bus: a node's report on
 * `spawnkit.all` every `reportInterval` is its lease, and the others forget a
 * node silent for `expireAfter`. Not keys with a TTL nor a sorted set: the
 * cluster needs each node's report anyway (its figures, its directory's
 * last number), so the lease costs nothing more; every node sees an expiry
 * by its own clock without polling (a key's expiry reaches nobody unless the
 * server is configured with `notify-keyspace-events`, off by default), and a
 * sorted set's scores would be each writer's clock, skewed across machines.
 *
 * While the server is away, the node serves its own clients: commands are
 * not queued (`enableOfflineQueue: false`), a publish is dropped and counted
 * at once, a request fails at once; both connections reconnect every
 * `reconnectWait`, and the subscriber subscribes again to every topic.
 *
 * Credentials and TLS as the client takes them: an ACL user and its
 * password, or the `requirepass` password alone, in the URL
 * (`redis://user:pass@host:6379`, `redis://:pass@host:6379`) or as options;
 * `rediss://` for TLS, with `tls` for a private CA or a client certificate.
 * The log never shows them (the address is logged as `redis://***@host:6379`).
 * Messages the engine delivers that are not a wire message of the bus, or over
 * `maxMessageSize`, are dropped unread and counted in `stats.rejected`.
 *
 * @module
 */
import type { ConnectionOptions as TlsConnectionOptions } from "node:tls";
import { checkNumber, type EngineBus, type EngineBusOptions, EngineState } from "../../_internal.ts";
import { RedisBus } from "./_redis_bus.ts";
// ioredis is an optional peer dependency of the npm package: without it, say which package to install.
const ioredis = await import("ioredis").catch((cause: Error) => {
  throw new Error(
    `Cannot import spawnkit/redis: it needs the package ioredis (npm install ioredis): ${cause.message}`,
    { cause },
  );
});

/** The default `reconnectWait`, in seconds. */
const DEFAULT_RECONNECT_WAIT = 0.5;
/** The default `name`: the prefix of the two connections' names. */
const DEFAULT_CLIENT_NAME = "spawnkit";

/** Options of {@linkcode connectRedisBus}. */
export interface RedisBusOptions extends EngineBusOptions {
  /**
   * The server: `redis://127.0.0.1:6379`; `rediss://` for TLS; credentials as `redis://user:password@host:port/db`
   * (an ACL user) or `redis://:password@host:port` (`requirepass`), percent-encoded.
   */
  url: string;
  /**
   * Redis Sentinel: the sentinels (`"host:port"`) to ask for the primary of the group `name`, instead of the URL's
   * host (its credentials and TLS still apply: `redis://:password@primary` names no host that is used). When the primary dies and the sentinels promote a replica, the bus
   * reconnects to the new primary: an outage, logged and counted as any other, local service going on meanwhile.
   * @default none: the URL's server alone (when it dies, the bus waits for it to come back)
   */
  sentinel?: RedisSentinelOptions;
  /** The ACL user, when the URL names none (`ACL SETUSER`). @default the URL's, else `default` */
  username?: string;
  /** The password, when the URL has none (the ACL user's, or `requirepass`). @default the URL's, else none */
  password?: string;
  /**
   * TLS options of the connections (`ca` for a private CA, `cert` and `key` for a client certificate, as
   * node:tls takes them). Given, TLS is on whatever the URL's scheme; `rediss://` turns it on with the system's CAs.
   * @default off, unless the URL is `rediss://`
   */
  tls?: TlsConnectionOptions;
  /** The connections' name, as `CLIENT LIST` shows it. @default {"spawnkit"} */
  name?: string;
  /** Seconds between two attempts to reconnect. @default {0.5} */
  reconnectWait?: number;
}

/** Where Redis Sentinel is (see `RedisBusOptions.sentinel`). */
export interface RedisSentinelOptions {
  /** The primary's group name, as in `sentinel monitor NAME host port quorum`. */
  readonly name: string;
  /** The sentinels, `"host:port"` each (IPv6 in brackets: `"[::1]:26379"`). */
  readonly sentinels: readonly string[];
}

/** The sentinels of `sentinel` as ioredis takes them. @throws {TypeError} a malformed one. */
function sentinelsOf(sentinel: RedisSentinelOptions): { name: string; sentinels: { host: string; port: number }[] } {
  const { name, sentinels } = sentinel;
  if (typeof name !== "string" || name === "" || !Array.isArray(sentinels) || sentinels.length === 0) {
    throw new TypeError("Cannot connect to Redis: sentinel needs a name and a list of sentinels");
  }
  return {
    name,
    sentinels: sentinels.map((address) => {
      const match = typeof address === "string" ? /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(address) : null;
      if (match === null || Number(match[2]) > 65535) {
        throw new TypeError("Cannot connect to Redis: a sentinel is not host:port");
      }
      return { host: match[1]!, port: Number(match[2]) };
    }),
  };
}

/**
 * Connects to a Redis server and returns the cluster's bus over its pub/sub:
 * give it to `joinCluster({ bus, node })` (`claimNode(bus)` picks a free
 * `node`). Both connections reconnect by themselves, forever, every
 * `reconnectWait`; close the bus to stop them.
 *
 * @throws {Error} the server cannot be reached at first, or refused the credentials (a node does not start without
 * its engine); the message names the server without its credentials.
 * @throws {TypeError} a `url`, `username` or `password` that is not a string.
 * @throws {RangeError} a bad `maxPendingBytes`, `maxMessageSize` or `reconnectWait`.
 * @example A node on a Redis server (`redis-server --port 6379`)
 * ```ts ignore
 * import { claimNode, joinCluster, serve } from "spawnkit";
 * import { connectRedisBus } from "spawnkit/redis";
 * const bus = await connectRedisBus({ url: "redis://127.0.0.1:6379" });
 * const cluster = joinCluster({ bus, node: await claimNode(bus) });
 * const server = await serve({ port: 7001, cluster }, async (conn, server) => {
 *   for await (const frame of conn) server.broadcast(frame);
 * });
 * ```
 */
export async function connectRedisBus(options: RedisBusOptions): Promise<EngineBus> {
  if (typeof options.url !== "string") throw new TypeError("Cannot connect to Redis: url must be a string");
  const waitMs = (checkNumber("reconnectWait", options.reconnectWait) ?? DEFAULT_RECONNECT_WAIT) * 1000;
  for (const name of ["username", "password"] as const) {
    if (options[name] !== undefined && typeof options[name] !== "string") {
      throw new TypeError(`Cannot connect to Redis: ${name} must be a string`);
    }
  }
  const sentinel = options.sentinel === undefined ? {} : sentinelsOf(options.sentinel);
  // With sentinels, the outages are logged with where the primary is asked for.
  const where = options.sentinel === undefined
    ? options.url
    : options.sentinel.sentinels.map((at) => `sentinel://${at}`);
  const state = new EngineState("Redis", where, options);
  const connection = (role: string) =>
    new ioredis.Redis(options.url, {
      // With sentinels, ioredis asks them for the primary at each (re)connection.
      ...sentinel,
      sentinelRetryStrategy: () => waitMs,
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      connectionName: `${options.name ?? DEFAULT_CLIENT_NAME}-${role}`,
      lazyConnect: true,
      // Fail fast while the server is away: nothing queued without a bound, no command retried later.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResubscribe: false,
      enableAutoPipelining: true,
      retryStrategy: () => waitMs,
    });
  const pub = connection("pub");
  const sub = connection("sub");
  // Errors come back as outages (close events) and failed commands; the client would print them otherwise. The first
  // one says why a connection at start failed (NOAUTH, WRONGPASS, a certificate), where the connect() says "closed".
  pub.on("error", () => {});
  sub.on("error", () => {});
  let first: Error | undefined;
  const onError = (error: Error) => void (first ??= error);
  pub.on("error", onError);
  sub.on("error", onError);
  try {
    await Promise.all([pub.connect(), sub.connect()]);
  } catch (error) {
    pub.disconnect();
    sub.disconnect();
    const why = first !== undefined && first.message !== (error as Error).message
      ? `${(error as Error).message} (${first.message})`
      : (error as Error).message;
    throw new Error(`Cannot connect to Redis at ${state.address}: ${why}`, { cause: first ?? error });
  } finally {
    pub.off("error", onError);
    sub.off("error", onError);
  }
  return new RedisBus(pub, sub, state);
}

export type { EngineBus, EngineBusOptions, EngineBusStats } from "../../_internal.ts";
