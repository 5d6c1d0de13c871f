/**
 * The framed client: a connection to a spawnkit server (or any `{packet, N}` peer).
 *
 * @module
 */
import { DEFAULT_HOSTNAME, formatAddress } from "./address.ts";
import type { Connection } from "./connection/connection.ts";
import { DeferredFlush } from "./connection/deferred_flush.ts";
import type { ConnectionSettings } from "./connection/connection_settings.ts";
import { FramedConnection } from "./connection/framed_connection.ts";
import { type OutboxOptions, waterMarksOf } from "./connection/water_marks.ts";
import { framingOf, type FramingOptions } from "./framing/length_prefixed.ts";
import type { Logger } from "./logger.ts";
import { escapingLogger } from "./logger.ts";
import { ConnectTimeoutError } from "./errors.ts";
import { checkNumber } from "./options.ts";
import { type ReconnectOptions, reconnectSettingsOf } from "./reconnect/reconnect_options.ts";
import type { ReconnectingConnection } from "./reconnect/reconnecting_connection.ts";
import { Reconnector } from "./reconnect/reconnector.ts";
import { clientSessionSocket, type HeartbeatOptions, heartbeatPlanOf } from "./session/wire/client_heartbeat.ts";
import { defaultTransport } from "../transport/select.ts";
import type { DialOptions, RawSocket, TlsConnectOptions, Transport } from "../transport/types.ts";

/** Options of {@linkcode connect}. */
export interface ConnectOptions extends FramingOptions, OutboxOptions {
  /** The server's port. */
  port: number;
  /** The server's address; over TLS, also the name its certificate must carry. @default {"127.0.0.1"} */
  hostname?: string;
  /**
   * Connect over TLS, trusting `caCerts` (PEM) or the runtime's trust store;
   * `connect()` rejects when the server's certificate does not verify. @default plain TCP
   */
  tls?: TlsConnectOptions;
  /** Aborting it closes the connection; while connecting, `connect()` rejects with its reason. */
  signal?: AbortSignal;
  /** Where the client logs (its close, at debug). @default warnings and errors to the console */
  logger?: Logger;
  /** The socket API: the runtime's own by default; `memoryTransport()` for in-process pairs. */
  transport?: Transport;
  /**
   * Dial again whenever the connection is lost, with back-off, and return a
   * {@linkcode ReconnectingConnection} (`true` takes every default). The
   * first dial is not retried: `connect()` rejects as without it.
   * @default no reconnecting
   */
  reconnect?: boolean | ReconnectOptions;
  /**
   * Keep a heartbeat over the session wire (sessions.md; the server must run
   * `sessions()`): ping after `interval` seconds of silence, end the
   * connection (`heartbeat-timeout`) when nothing answers within `timeout`;
   * a reconnecting client then dials again. `true` takes every default.
   * @default no heartbeat: the plain {packet, N} wire
   */
  heartbeat?: boolean | HeartbeatOptions;
  /**
   * Ask a server with `resumeWindow` for a session that survives the link
   * (sessions.md): a link lost without a clean close is dialled again within
   * the window, and the session goes on over the new one with nothing lost
   * and nothing twice; the connection sees no drop. Turns `heartbeat` on.
   * @default {false}
   */
  resume?: boolean;
  /** TCP keepalive after this many idle seconds (`Transport`'s `keepAlive`). @default off */
  keepAlive?: number;
  /**
   * Seconds one dial may take, the TLS handshake included: past it the dial
   * is given up, its socket closed, and `connect()` rejects with a
   * {@linkcode ConnectTimeoutError} (a reconnecting client counts it as a
   * failed attempt and tries again). A host that drops the SYN would
   * otherwise hold a dial for the kernel's minutes, and a server that never
   * answers the TLS hello, for ever.
   * @default {30}
   */
  connectTimeout?: number;
}

/** The default `connectTimeout`, in seconds (Netty's connect timeout). */
export const DEFAULT_CONNECT_TIMEOUT = 30;

let nextClientId = 1;
// Replies a client's handler sends while busy go out at the end of the turn: one flush for every client.
const deferredFlush = new DeferredFlush();

/**
 * Connects to a framed server. Iterate the result for frames; `send()` frames;
 * `close()` (or `await using`) when done. The socket closes by itself once the
 * server closes its end. With `reconnect`, the result is a
 * {@linkcode ReconnectingConnection} that dials again whenever the connection
 * is lost, until `close()`, the `signal`, or its retry limit.
 *
 * @throws {RangeError} a bad option value (port, packet, maxFrameSize, water marks, the reconnect numbers).
 * @throws the runtime's error when the connection is refused.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, serve, silentLogger } from "spawnkit";
 * await using server = await serve({ logger: silentLogger }, async (conn) => {
 *   for await (const frame of conn) await conn.send(frame);
 * });
 * await using client = await connect({ port: server.addr.port });
 * await client.send(new TextEncoder().encode("ping"));
 * assert.equal(new TextDecoder().decode(await client.receive()), "ping");
 * ```
 * @example A reconnecting client: a send waits while the server is away
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, type Connection, memoryTransport, serve, silentLogger } from "spawnkit";
 * const echo = async (conn: Connection) => {
 *   for await (const frame of conn) await conn.send(frame);
 * };
 * const transport = memoryTransport(); // here, so that the restart is in-process and instant
 * let server = await serve({ transport, logger: silentLogger }, echo);
 * const port = server.addr.port;
 * await using client = await connect({ port, transport, logger: silentLogger, reconnect: { baseDelay: 0.01 } });
 * const lost = new Promise((resolve) => client.subscribe((event) => event.type === "disconnect" && resolve(event.reason)));
 * const reply = client.receive(); // a read is pending, so the loss is seen as it happens
 * await server.shutdown({ quietPeriod: 0 });
 * assert.equal(await lost, "peer-closed");
 * const sent = client.send(new TextEncoder().encode("while away"));
 * assert.equal(client.state, "reconnecting");
 * server = await serve({ port, transport, logger: silentLogger }, echo);
 * await sent;
 * assert.equal(new TextDecoder().decode(await reply), "while away", "receive() went on over the new connection");
 * await server.shutdown({ quietPeriod: 0 });
 * ```
 */
export function connect(
  options: ConnectOptions & { reconnect: true | ReconnectOptions },
): Promise<ReconnectingConnection>;
/** Connects to a framed server; see the first signature. */
export function connect(options: ConnectOptions): Promise<Connection>;
export async function connect(options: ConnectOptions): Promise<Connection> {
  const framing = framingOf(options);
  const waterMarks = waterMarksOf(options);
  const port = checkNumber("port", options.port);
  if (port === undefined) throw new TypeError("Cannot connect: no port given");
  const reconnect = options.reconnect === undefined || options.reconnect === false
    ? undefined
    : reconnectSettingsOf(options.reconnect);
  const heartbeat = options.heartbeat === undefined || options.heartbeat === false
    ? (options.resume === true ? heartbeatPlanOf(true) : undefined)
    : heartbeatPlanOf(options.heartbeat);
  if (heartbeat !== undefined && framing.format !== undefined) {
    throw new TypeError("Cannot connect with a heartbeat: the session wire needs length-prefixed framing");
  }
  const keepAlive = checkNumber("keepAlive", options.keepAlive);
  const connectTimeout = checkNumber("connectTimeout", options.connectTimeout) ?? DEFAULT_CONNECT_TIMEOUT;
  const transport = options.transport ?? await defaultTransport();
  const signal = options.signal;
  signal?.throwIfAborted();
  const hostname = options.hostname ?? DEFAULT_HOSTNAME;
  const logger = escapingLogger(options.logger);
  const settings: ConnectionSettings = {
    framing,
    waterMarks,
    mailboxCapacity: 0,
    finishOnEnd: true,
    deferredFlush,
    onEnd: (_, stats) =>
      logger.debug("connection {id} to {remote} closed: {reason}", {
        id: stats.id,
        remote: formatAddress(stats.remoteAddr),
        reason: stats.closeReason,
      }),
  };
  const target = formatAddress({ hostname, port });
  const link = (abort?: AbortSignal) =>
    dialWithin(transport, { hostname, port, tls: options.tls, keepAlive }, target, connectTimeout, abort);
  const dial = async (abort: AbortSignal | undefined): Promise<FramedConnection> => {
    const socket = await link(abort);
    const redial = options.resume === true ? () => link() : undefined;
    const resumed = () => reconnector?.sessionResumed();
    const framed = heartbeat === undefined ? socket : clientSessionSocket(socket, framing, heartbeat, redial, resumed);
    return new FramedConnection(framed, settings, nextClientId++);
  };
  // Set below: a session that resumes under one of its connections tells it (its hook and listeners).
  let reconnector: Reconnector | undefined;
  const first = await dial(signal);
  const conn = reconnect === undefined ? first : reconnector = new Reconnector(first, {
    ...reconnect,
    target,
    framing,
    logger,
    dial,
  });
  if (signal !== undefined) {
    const onAbort = () => conn.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    conn.finished.then(() => signal.removeEventListener("abort", onAbort));
  }
  return conn;
}

/**
 * One dial, given up after `seconds` (a {@linkcode ConnectTimeoutError}) or
 * when `abort` aborts (its reason). The transport is told, so that it closes
 * the socket under way; one that does not listen has its socket closed when
 * it arrives.
 */
async function dialWithin(
  transport: Transport,
  options: DialOptions,
  target: string,
  seconds: number,
  abort: AbortSignal | undefined,
): Promise<RawSocket> {
  abort?.throwIfAborted();
  const timer = new AbortController();
  const timeout = setTimeout(() => timer.abort(new ConnectTimeoutError(target, seconds)), seconds * 1000);
  const signal = abort === undefined ? timer.signal : AbortSignal.any([abort, timer.signal]);
  try {
    return await abortable(transport.connect({ ...options, signal }), signal);
  } finally {
    clearTimeout(timeout);
  }
}

/**
 * The socket `dialing` gives, or a rejection with the signal's reason if it
 * aborts first; a socket that arrives after the abort is closed.
 */
function abortable(dialing: Promise<RawSocket>, signal: AbortSignal): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    dialing.then((socket) => {
      signal.removeEventListener("abort", onAbort);
      if (signal.aborted) socket.close();
      else resolve(socket);
    }, (error) => {
      signal.removeEventListener("abort", onAbort);
      reject(error);
    });
  });
}
