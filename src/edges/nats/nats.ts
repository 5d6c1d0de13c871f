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
 * reconnects and resubscribes by itself (engine_state.ts in the core).
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
import type { NatsConnection, NodeConnectionOptions } from "@nats-io/transport-node";
import { checkNumber, type EngineBus, type EngineBusOptions, EngineState } from "../../_internal.ts";
import { NatsBus } from "./_nats_bus.ts";
import { parseServers } from "./_servers.ts";
// @nats-io/transport-node is an optional peer dependency of the npm package: without it, say which package to install.
const { connect, credsAuthenticator, NoRespondersError, TimeoutError } = await import("@nats-io/transport-node").catch(
  (cause: Error) => {
    throw new Error(
      `Cannot import spawnkit/nats: it needs the package @nats-io/transport-node (npm install @nats-io/transport-node): ${cause.message}`,
      { cause },
    );
  },
);

/** The default `reconnectWait`, in seconds. */
const DEFAULT_RECONNECT_WAIT = 0.5;
/** The default `pingInterval`, in seconds. */
const DEFAULT_PING_INTERVAL = 5;
/** PINGs without a PONG before the client takes the server for gone. */
const MAX_PINGS_OUT = 2;
/** The default `name`: the client's name as the server lists it. */
const DEFAULT_CLIENT_NAME = "spawnkit";

/** Options of {@linkcode connectNatsBus}. */
export interface NatsBusOptions extends EngineBusOptions {
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
  const reconnectWait = checkNumber("reconnectWait", options.reconnectWait) ?? DEFAULT_RECONNECT_WAIT;
  const pingInterval = checkNumber("pingInterval", options.pingInterval) ?? DEFAULT_PING_INTERVAL;
  const parsed = parseServers(urls);
  const state = new EngineState("NATS", urls, options);
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
      name: options.name ?? DEFAULT_CLIENT_NAME,
      ...auth,
      ...(tls === undefined ? {} : { tls: tls as NodeConnectionOptions["tls"] }),
      // The contract of every bus: never back to the publisher.
      noEcho: true,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: reconnectWait * 1000,
      reconnectJitter: Math.min(100, reconnectWait * 500),
      pingInterval: pingInterval * 1000,
      maxPingOut: MAX_PINGS_OUT,
    });
  } catch (error) {
    // The client's own words (Authorization Violation, a refused connection), with the address as logged.
    throw new Error(`Cannot connect to NATS at ${state.address}: ${(error as Error).message}`, { cause: error });
  }
  // The server's own cap on a message is the bus's, when lower.
  state.maxMessageSize = Math.min(state.maxMessageSize, nc.info?.max_payload ?? state.maxMessageSize);
  return new NatsBus(nc, state, { NoRespondersError, TimeoutError });
}

export type { EngineBus, EngineBusOptions, EngineBusStats } from "../../_internal.ts";
