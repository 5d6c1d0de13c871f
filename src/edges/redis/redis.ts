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
 * (_envelope.ts). Payloads are bytes end to end.
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
 * Messages the engine delivers that are not in the bus's envelope, or over
 * `maxMessageSize`, are dropped unread and counted in `stats.rejected`.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import type { ConnectionOptions as TlsConnectionOptions } from "node:tls";
import type { Redis } from "ioredis";
import { type BusDelivery, type BusHandler, BusRequestError, type BusRequestOptions } from "../../../mod.ts";
import {
  checkNumber,
  DEFAULT_REQUEST_TIMEOUT,
  type EngineBus,
  type EngineBusStats,
  EngineLink,
  type EngineLinkOptions,
} from "../../_internal.ts";
import { MESSAGE, newSender, open, overhead, REPLY, replyChannel, REQUEST, sameSender, seal } from "./_envelope.ts";
// ioredis is an optional peer dependency of the npm package: without it, say which package to install.
const ioredis = await import("ioredis").catch((cause: Error) => {
  throw new Error(
    `Cannot import spawnkit/redis: it needs the package ioredis (npm install ioredis): ${cause.message}`,
    { cause },
  );
});

/** Options of {@linkcode connectRedisBus}. */
export interface RedisBusOptions extends EngineLinkOptions {
  /**
   * The server: `redis://127.0.0.1:6379`; `rediss://` for TLS; credentials as `redis://user:password@host:port/db`
   * (an ACL user) or `redis://:password@host:port` (`requirepass`), percent-encoded.
   */
  url: string;
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

interface PendingRequest {
  readonly topic: string;
  resolve(payload: Uint8Array): void;
  reject(error: unknown): void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** Subscribed in batches of this many channels after a reconnect. */
const SUBSCRIBE_BATCH = 1000;

class RedisBus implements EngineBus {
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #link: EngineLink;
  readonly #sender = newSender();
  readonly #replies: string;
  readonly #topics = new Map<string, Set<BusHandler>>();
  readonly #requests = new Map<number, PendingRequest>();
  #nextRequest = 1;
  #pubUp = true;
  #subUp = true;
  /** The publishing connection stayed up since the subscriber was lost: the server cut the subscriber off. */
  #pubStayedUp = false;

  constructor(pub: Redis, sub: Redis, link: EngineLink) {
    this.#pub = pub;
    this.#sub = sub;
    this.#link = link;
    this.#replies = replyChannel(this.#sender);
    sub.on("messageBuffer", (channel: Buffer, message: Buffer) => this.#onMessage(channel, message));
    pub.on("close", () => this.#lost("pub"));
    sub.on("close", () => this.#lost("sub"));
    pub.on("ready", () => this.#ready("pub"));
    sub.on("ready", () => this.#ready("sub"));
    void sub.subscribe(this.#replies).catch(() => {});
  }

  get stats(): EngineBusStats {
    return this.#link.stats;
  }

  publish(topic: string, payload: Uint8Array): boolean {
    const bytes = overhead(MESSAGE) + payload.length;
    if (!this.#link.take(bytes)) return false;
    this.#link.published++;
    // Acknowledged by the reply to PUBLISH; lost with the connection, it is dropped.
    this.#pub.publish(topic, seal(MESSAGE, this.#sender, 0, payload)).then(
      () => this.#link.release(bytes),
      () => {
        this.#link.release(bytes);
        this.#link.dropped++;
      },
    );
    return true;
  }

  subscribe(topic: string, handler: BusHandler): () => void {
    let handlers = this.#topics.get(topic);
    if (handlers === undefined) {
      this.#topics.set(topic, handlers = new Set());
      // Away, the subscriber subscribes to every topic when it is back.
      if (this.#subUp) this.#sub.subscribe(topic).catch(() => {});
    }
    const own: BusHandler = (payload, delivery) => handler(payload, delivery);
    const set = handlers;
    set.add(own);
    return () => {
      if (!set.delete(own) || set.size > 0 || this.#topics.get(topic) !== set) return;
      this.#topics.delete(topic);
      if (this.#subUp && !this.#link.closed) this.#sub.unsubscribe(topic).catch(() => {});
    };
  }

  async request(topic: string, payload: Uint8Array, options: BusRequestOptions = {}): Promise<Uint8Array> {
    const { signal } = options;
    signal?.throwIfAborted();
    const refusal = this.#link.closed ? "closed" : !this.#link.up ? "unavailable" : undefined;
    if (refusal !== undefined) throw this.#failed(new BusRequestError(refusal, topic));
    const bytes = overhead(REQUEST) + payload.length;
    if (!this.#link.take(bytes)) throw this.#failed(new BusRequestError("dropped", topic));
    const timeout = (checkNumber("timeout", options.timeout) ?? DEFAULT_REQUEST_TIMEOUT) * 1000;
    const id = this.#nextRequest++ >>> 0;
    const answer = new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => this.#settle(id)?.reject(new BusRequestError("timeout", topic)), timeout);
      this.#requests.set(id, { topic, resolve, reject, timer });
    });
    const onAbort = () => this.#settle(id)?.reject(signal!.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      let receivers: number;
      try {
        receivers = await this.#pub.publish(topic, seal(REQUEST, this.#sender, id, payload));
      } finally {
        this.#link.release(bytes);
      }
      // Redis counts this node's own subscriber too, if it listens there.
      if (receivers - (this.#topics.has(topic) ? 1 : 0) <= 0) {
        this.#settle(id)?.reject(new BusRequestError("no-responders", topic));
      }
    } catch (error) {
      this.#settle(id)?.reject(
        new BusRequestError(this.#link.closed ? "closed" : "unavailable", topic, { cause: error }),
      );
    }
    try {
      return await answer;
    } catch (error) {
      if (error instanceof BusRequestError) this.#link.requestsFailed++;
      throw error;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  async flush(): Promise<void> {
    if (this.#link.closed) throw new BusRequestError("closed", "flush");
    if (!this.#link.up) throw new BusRequestError("unavailable", "flush");
    try {
      // One connection's commands run in order: once each PING is answered, what was sent before it is done.
      await Promise.all([this.#pub.ping(), this.#sub.ping()]);
    } catch (error) {
      throw new BusRequestError(this.#link.closed ? "closed" : "unavailable", "flush", { cause: error });
    }
  }

  async close(): Promise<void> {
    if (this.#link.closed) return;
    const wasUp = this.#link.up;
    this.#link.close();
    for (const [id, request] of [...this.#requests]) {
      this.#settle(id);
      request.reject(new BusRequestError("closed", request.topic));
    }
    this.#topics.clear();
    // What was published goes out first, unless the server is away.
    if (wasUp) await Promise.allSettled([this.#pub.quit(), this.#sub.quit()]);
    this.#pub.disconnect();
    this.#sub.disconnect();
  }

  #failed(error: BusRequestError): BusRequestError {
    this.#link.requestsFailed++;
    return error;
  }

  #settle(id: number): PendingRequest | undefined {
    const request = this.#requests.get(id);
    if (request === undefined) return undefined;
    this.#requests.delete(id);
    clearTimeout(request.timer);
    return request;
  }

  #lost(which: "pub" | "sub"): void {
    if (this.#link.closed) return;
    if (which === "pub") {
      this.#pubUp = false;
      this.#pubStayedUp = false;
    } else if (this.#subUp) {
      this.#subUp = false;
      this.#pubStayedUp = this.#pubUp;
    }
    this.#link.lost(`the ${which === "pub" ? "publishing" : "subscribing"} connection closed`);
  }

  #ready(which: "pub" | "sub"): void {
    if (this.#link.closed) return;
    if (which === "pub") this.#pubUp = true;
    else if (!this.#subUp) {
      this.#subUp = true;
      if (this.#pubStayedUp && this.#pubUp) this.#link.cut();
      const topics = [this.#replies, ...this.#topics.keys()];
      for (let i = 0; i < topics.length; i += SUBSCRIBE_BATCH) {
        this.#sub.subscribe(...topics.slice(i, i + SUBSCRIBE_BATCH)).catch(() => {});
      }
    }
    if (this.#pubUp && this.#subUp) this.#link.back();
  }

  #onMessage(channel: Buffer, message: Buffer): void {
    const envelope = message.length > this.#link.maxMessageSize ? undefined : open(message);
    if (envelope === undefined) {
      // Published by something other than a bus (anyone with the server's password can): nothing of it is read.
      this.#link.rejected++;
      return;
    }
    if (sameSender(envelope.sender, this.#sender)) return;
    const { kind, sender, id, payload } = envelope;
    if (kind === REPLY) {
      this.#settle(id)?.resolve(payload);
      return;
    }
    const topic = channel.toString("utf8");
    const handlers = this.#topics.get(topic);
    if (handlers === undefined) return;
    this.#link.received++;
    let answered = false;
    const reply = kind !== REQUEST ? undefined : (answer: Uint8Array): boolean => {
      const bytes = overhead(REPLY) + answer.length;
      if (answered || !this.#link.take(bytes)) return false;
      answered = true;
      this.#pub.publish(replyChannel(sender), seal(REPLY, this.#sender, id, answer)).finally(() =>
        this.#link.release(bytes)
      ).catch(() => {});
      return true;
    };
    const delivery: BusDelivery = { topic, reply };
    for (const handler of handlers) handler(payload, delivery);
  }
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
  const waitMs = (checkNumber("reconnectWait", options.reconnectWait) ?? 0.5) * 1000;
  for (const name of ["username", "password"] as const) {
    if (options[name] !== undefined && typeof options[name] !== "string") {
      throw new TypeError(`Cannot connect to Redis: ${name} must be a string`);
    }
  }
  const link = new EngineLink("Redis", options.url, options);
  const connection = (role: string) =>
    new ioredis.Redis(options.url, {
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      connectionName: `${options.name ?? "spawnkit"}-${role}`,
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
    throw new Error(`Cannot connect to Redis at ${link.address}: ${why}`, { cause: first ?? error });
  } finally {
    pub.off("error", onError);
    sub.off("error", onError);
  }
  return new RedisBus(pub, sub, link);
}

export type { EngineBus, EngineBusStats, EngineLinkOptions } from "../../_internal.ts";
