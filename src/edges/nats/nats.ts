/**
 * spawnkit/nats: the cluster's {@linkcode Bus} on a NATS server, through
 * `@nats-io/transport-node` (one client that runs unchanged on Deno, Bun and
 * Node). Topics are subjects as they are: `spawnkit.all` for everyone,
 * `spawnkit.room.NAME` per room (only the nodes hosting the room subscribe),
 * `spawnkit.node.N` per node for posts and requests. Payloads are bytes end
 * to end; a broadcast is one publish, which the server fans out once per
 * subscribed node.
 *
 * Presence is leases on a subject: every node's report on `spawnkit.all`
 * every `reportInterval` is its lease, and a node silent for `expireAfter`
 * is forgotten by the others (the cluster logic, the same over every bus).
 * Not a KV bucket: KV needs JetStream (off in Debian's nats-server and in a
 * bare `nats-server`, and a store directory with it), and in 2.9 an entry
 * that expires by the bucket's max age tells its watchers nothing, so nodes
 * would poll the bucket for what a missed report already tells them.
 *
 * While the server is away, the node serves its own clients: a publish is
 * dropped and counted at once, a request fails at once, and the client
 * reconnects and resubscribes by itself (engine_link.ts in the core).
 *
 * Credentials reach the server as the client takes them: a user and
 * password or a token in the URL (`nats://user:pass@host:4222`,
 * `nats://token@host:4222`) or as options, a credentials file (a JWT and its
 * NKey seed), an `authenticator` of the client's own (NKeys), and TLS
 * (`tls://` URLs, or `tls` with a CA and a client certificate). The log
 * never shows them (the address is logged as `nats://***@host:4222`).
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import type { Msg, NatsConnection, NodeConnectionOptions } from "@nats-io/transport-node";
import { type BusDelivery, type BusHandler, BusRequestError, type BusRequestOptions, redactUrl } from "../../../mod.ts";
import {
  checkNumber,
  DEFAULT_REQUEST_TIMEOUT,
  type EngineBus,
  type EngineBusStats,
  EngineLink,
  type EngineLinkOptions,
} from "../../_internal.ts";
// @nats-io/transport-node is an optional peer dependency of the npm package: without it, say which package to install.
const { connect, credsAuthenticator, NoRespondersError, TimeoutError } = await import("@nats-io/transport-node").catch(
  (cause: Error) => {
    throw new Error(
      `Cannot import spawnkit/nats: it needs the package @nats-io/transport-node (npm install @nats-io/transport-node): ${cause.message}`,
      { cause },
    );
  },
);

/** Options of {@linkcode connectNatsBus}. */
export interface NatsBusOptions extends EngineLinkOptions {
  /** The server (or servers of one NATS cluster): `nats://127.0.0.1:4222`, `127.0.0.1:4222`. */
  servers: string | string[];
  /** The client's name, as the server lists it (`nats-server` monitoring, logs). @default {"spawnkit"} */
  name?: string;
  /** Seconds between two attempts to reconnect. @default {0.5} */
  reconnectWait?: number;
  /** Seconds between pings that find a server gone quiet (a closed socket is found at once). @default {5} */
  pingInterval?: number;
  /**
   * The user, for a server that asks for a user and password (`nats-server --user`). A user and password in the
   * URL (`nats://user:pass@host:4222`, percent-encoded) are taken too; this option wins over them.
   * @default the URL's, else none
   */
  user?: string;
  /** The password of `user` (a user in the URL with no password here: the URL's). @default the URL's, else none */
  pass?: string;
  /** The token, for a server that asks for one (`nats-server --auth`); the URL's `nats://TOKEN@host:4222` too. @default the URL's, else none */
  token?: string;
  /**
   * The path of a credentials file (a user JWT and its NKey seed, as `nsc` writes it), read once at connect, for
   * a server in operator mode.
   * @default none
   */
  credentialsFile?: string;
  /**
   * The client's own authenticator(s), for what the options above do not cover: an NKey (`nkeyAuthenticator(seed)`
   * from `@nats-io/transport-node`), a JWT. Used instead of `user`, `pass`, `token` and `credentialsFile`.
   * @default none
   */
  authenticator?: NatsAuthenticator | NatsAuthenticator[];
  /**
   * TLS to the server: `{}` for the system's CAs, or the client's TLS options (`ca` or `caFile` for a private CA,
   * `cert`/`key` or `certFile`/`keyFile` for a client certificate, `handshakeFirst`). A `tls://` URL turns it on
   * with `{}`.
   * @default off, unless a URL is `tls://`
   */
  tls?: NatsTlsOptions;
}

/**
 * An authenticator of the NATS client's own (`nkeyAuthenticator(seed)`, `jwtAuthenticator(jwt, seed)`,
 * `credsAuthenticator(creds)` from `@nats-io/transport-node`): given the server's nonce, the fields it adds to the
 * client's CONNECT. Declared here so that the edge's types name no type of the package.
 */
export type NatsAuthenticator = (nonce?: string) => object | undefined;

/** TLS to a NATS server, as the NATS client takes it (PEM text or file paths). */
export interface NatsTlsOptions {
  /** CA certificates to trust (PEM), for a private CA. */
  ca?: string;
  /** A file of CA certificates (PEM). */
  caFile?: string;
  /** The client's certificate (PEM), for a server that asks for one. */
  cert?: string;
  /** A file with the client's certificate (PEM). */
  certFile?: string;
  /** The client certificate's key (PEM). */
  key?: string;
  /** A file with the client certificate's key (PEM). */
  keyFile?: string;
  /** TLS before the server's INFO (a server set with `handshake_first`). */
  handshakeFirst?: boolean;
}

/** What the servers' URLs say beyond host and port: credentials, TLS. */
interface ParsedServers {
  readonly servers: string[];
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  readonly tls: boolean;
}

/**
 * Takes the credentials and the scheme out of the servers' URLs: the NATS
 * client would drop them (it reads host and port alone).
 * @throws {TypeError} a URL that does not parse, or two URLs with different credentials.
 */
function parseServers(urls: string[]): ParsedServers {
  let auth: string | undefined;
  let parsed: ParsedServers = { servers: [], tls: false };
  for (const server of urls) {
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(server)) {
      parsed.servers.push(server);
      continue;
    }
    let url: URL;
    try {
      url = new URL(server);
    } catch {
      throw new TypeError(`Cannot connect to NATS: ${redactUrl(server)} is not a URL`);
    }
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    const these = JSON.stringify([user, pass]);
    if (user !== "" || pass !== "") {
      if (auth !== undefined && auth !== these) {
        throw new TypeError("Cannot connect to NATS: the servers' URLs carry different credentials");
      }
      auth = these;
      // A user and no password is a token (nats://TOKEN@host), as the NATS tools read it.
      parsed = pass === "" ? { ...parsed, token: user } : { ...parsed, user, pass };
    }
    if (url.protocol === "tls:") parsed = { ...parsed, tls: true };
    parsed.servers.push(url.host);
  }
  return parsed;
}

interface Topic {
  readonly handlers: Set<BusHandler>;
  readonly unsubscribe: () => void;
}

class NatsBus implements EngineBus {
  readonly #nc: NatsConnection;
  readonly #link: EngineLink;
  readonly #topics = new Map<string, Topic>();
  // One PING in flight at a time: its PONG acknowledges every byte published before it.
  #unacknowledged = 0;
  #pinging = false;
  /** Attempts to reconnect since the last disconnect. */
  #attempts = 0;

  constructor(nc: NatsConnection, link: EngineLink) {
    this.#nc = nc;
    this.#link = link;
    // The status feed ends when the connection closes; should it fail instead, the bus goes on without its outage
    // counts rather than leaving a rejection nobody handles.
    this.#watch().catch(() => {});
  }

  get stats(): EngineBusStats {
    return this.#link.stats;
  }

  publish(topic: string, payload: Uint8Array): boolean {
    if (!this.#link.take(payload.length)) return false;
    try {
      // Copied: the client holds the bytes until its next write.
      this.#nc.publish(topic, payload.slice());
    } catch {
      this.#link.release(payload.length);
      this.#link.dropped++;
      return false;
    }
    this.#link.published++;
    this.#unacknowledged += payload.length;
    this.#ping();
    return true;
  }

  subscribe(topic: string, handler: BusHandler): () => void {
    let entry = this.#topics.get(topic);
    if (entry === undefined) {
      const handlers = new Set<BusHandler>();
      const subscription = this.#nc.subscribe(topic, {
        callback: (error, msg) => {
          if (error === null) this.#deliver(topic, handlers, msg);
        },
      });
      entry = { handlers, unsubscribe: () => subscription.unsubscribe() };
      this.#topics.set(topic, entry);
    }
    const own: BusHandler = (payload, delivery) => handler(payload, delivery);
    const { handlers } = entry;
    handlers.add(own);
    return () => {
      if (!handlers.delete(own) || handlers.size > 0 || this.#topics.get(topic) !== entry) return;
      this.#topics.delete(topic);
      if (!this.#nc.isClosed()) entry.unsubscribe();
    };
  }

  async request(topic: string, payload: Uint8Array, options: BusRequestOptions = {}): Promise<Uint8Array> {
    const { signal } = options;
    signal?.throwIfAborted();
    const refusal = this.#link.closed ? "closed" : !this.#link.up ? "unavailable" : undefined;
    if (refusal !== undefined) throw this.#failed(new BusRequestError(refusal, topic));
    if (!this.#link.take(payload.length)) throw this.#failed(new BusRequestError("dropped", topic));
    const timeout = (checkNumber("timeout", options.timeout) ?? DEFAULT_REQUEST_TIMEOUT) * 1000;
    try {
      const reply = this.#nc.request(topic, payload.slice(), { timeout });
      const msg = signal === undefined ? await reply : await Promise.race([reply, aborted(signal)]);
      return msg.data;
    } catch (error) {
      if (signal?.aborted && error === signal.reason) throw error;
      const cause = (error as Error).cause;
      const reason = cause instanceof NoRespondersError
        ? "no-responders"
        : cause instanceof TimeoutError || error instanceof TimeoutError
        ? "timeout"
        : this.#link.closed
        ? "closed"
        : "unavailable";
      throw this.#failed(new BusRequestError(reason, topic, { cause: error }));
    } finally {
      this.#link.release(payload.length);
    }
  }

  async flush(): Promise<void> {
    if (this.#link.closed) throw new BusRequestError("closed", "flush");
    if (!this.#link.up) throw new BusRequestError("unavailable", "flush");
    try {
      await this.#nc.flush();
    } catch (error) {
      throw new BusRequestError(this.#link.closed ? "closed" : "unavailable", "flush", { cause: error });
    }
  }

  async close(): Promise<void> {
    if (this.#link.closed) return;
    const wasUp = this.#link.up;
    this.#link.close();
    this.#topics.clear();
    // What was published goes out first, unless the server is away (then there is nothing to wait for).
    if (wasUp) await this.#nc.flush().catch(() => {});
    await this.#nc.close();
  }

  #failed(error: BusRequestError): BusRequestError {
    this.#link.requestsFailed++;
    return error;
  }

  #ping(): void {
    if (this.#pinging || this.#unacknowledged === 0) return;
    this.#pinging = true;
    const bytes = this.#unacknowledged;
    this.#unacknowledged = 0;
    // A PING answered or lost with the connection: either way those bytes are no longer this node's to hold.
    void this.#nc.flush().catch(() => {}).finally(() => {
      this.#link.release(bytes);
      this.#pinging = false;
      if (this.#link.up) this.#ping();
    });
  }

  #deliver(topic: string, handlers: Set<BusHandler>, msg: Msg): void {
    this.#link.received++;
    const to = msg.reply;
    let answered = false;
    const reply = to === undefined || to === "" ? undefined : (answer: Uint8Array): boolean => {
      if (answered || !this.#link.take(answer.length)) return false;
      answered = true;
      this.#nc.publish(to, answer.slice());
      this.#unacknowledged += answer.length;
      this.#ping();
      return true;
    };
    const delivery: BusDelivery = { topic, reply };
    for (const handler of handlers) handler(msg.data, delivery);
  }

  async #watch(): Promise<void> {
    for await (const status of this.#nc.status()) {
      if (status.type === "disconnect") {
        this.#attempts = 0;
        this.#link.lost(`disconnected from ${status.server}`);
      } else if (status.type === "reconnecting") this.#attempts++;
      else if (status.type === "reconnect") {
        this.#link.back();
        this.#unacknowledged = 0;
        // Back at the first attempt: the server was up and closed this connection itself (a slow consumer, for
        // nats-server: past its write_deadline or max_pending while this node's loop was busy). It says nothing else.
        if (this.#attempts <= 1) this.#link.cut();
      } else if (status.type === "slowConsumer") this.#link.cutOff++;
    }
  }
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
}

/**
 * Connects to a NATS server and returns the cluster's bus over it: give it
 * to `joinCluster({ bus, node })` (`claimNode(bus)` picks a free `node`).
 * The client reconnects by itself, forever, every `reconnectWait`; close the
 * bus to stop it.
 *
 * @throws {Error} the server cannot be reached at first, or refused the credentials (a node does not start without
 * its engine); the message names the server without its credentials.
 * @throws {TypeError} a server that is not a URL, URLs with different credentials, a credential not a string.
 * @throws {RangeError} a bad `maxPendingBytes`, `maxMessageSize`, `reconnectWait` or `pingInterval`.
 * @example A node on a server that asks for a user and password (`nats-server --user spawn --pass ...`)
 * ```ts ignore
 * import process from "node:process";
 * import { claimNode, joinCluster, serve } from "spawnkit";
 * import { connectNatsBus } from "spawnkit/nats";
 * // A user and password, from the environment rather than the command line (a process list shows that).
 * const bus = await connectNatsBus({
 *   servers: "nats://127.0.0.1:4222",
 *   user: "spawn",
 *   pass: process.env.NATS_PASSWORD,
 * });
 * const cluster = joinCluster({ bus, node: await claimNode(bus) });
 * const server = await serve({ port: 7001, cluster }, async (conn, server) => {
 *   for await (const frame of conn) server.broadcast(frame);
 * });
 * ```
 */
export async function connectNatsBus(options: NatsBusOptions): Promise<EngineBus> {
  const urls = typeof options.servers === "string" ? [options.servers] : options.servers;
  if (!Array.isArray(urls) || urls.length === 0 || urls.some((server) => typeof server !== "string")) {
    throw new TypeError("Cannot connect to NATS: servers must be a URL or a list of them");
  }
  for (const name of ["user", "pass", "token", "credentialsFile"] as const) {
    if (options[name] !== undefined && typeof options[name] !== "string") {
      throw new TypeError(`Cannot connect to NATS: ${name} must be a string`);
    }
  }
  const reconnectWait = checkNumber("reconnectWait", options.reconnectWait) ?? 0.5;
  const pingInterval = checkNumber("pingInterval", options.pingInterval) ?? 5;
  const parsed = parseServers(urls);
  const link = new EngineLink("NATS", urls, options);
  const authenticator = options.authenticator ??
    (options.credentialsFile === undefined
      ? undefined
      : credsAuthenticator(new Uint8Array(await readFile(options.credentialsFile))));
  // Options win over the URL; a user given as an option takes no password from the URL.
  const user = options.user ?? parsed.user;
  const pass = options.pass ?? (options.user === undefined ? parsed.pass : undefined);
  const token = options.token ?? parsed.token;
  const auth = authenticator !== undefined
    ? { authenticator: authenticator as NodeConnectionOptions["authenticator"] }
    : { ...(user === undefined ? {} : { user, pass }), ...(token === undefined ? {} : { token }) };
  const tls = options.tls ?? (parsed.tls ? {} : undefined);
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: parsed.servers,
      name: options.name ?? "spawnkit",
      ...auth,
      ...(tls === undefined ? {} : { tls: tls as NodeConnectionOptions["tls"] }),
      // The contract of every bus: never back to the publisher.
      noEcho: true,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: reconnectWait * 1000,
      reconnectJitter: Math.min(100, reconnectWait * 500),
      pingInterval: pingInterval * 1000,
      maxPingOut: 2,
    });
  } catch (error) {
    // The client's own words (Authorization Violation, a refused connection), with the address as logged.
    throw new Error(`Cannot connect to NATS at ${link.address}: ${(error as Error).message}`, { cause: error });
  }
  // The server's own cap on a message is the bus's, when lower.
  link.maxMessageSize = Math.min(link.maxMessageSize, nc.info?.max_payload ?? link.maxMessageSize);
  return new NatsBus(nc, link);
}

export type { EngineBus, EngineBusStats, EngineLinkOptions } from "../../_internal.ts";
