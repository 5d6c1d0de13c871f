/**
 * The framed client: a connection to a spawnkit server (or any `{packet, N}` peer).
 *
 * @module
 */
import { DEFAULT_HOSTNAME, formatAddress } from "./address.ts";
import { type ClientOptions, clientPlanOf, openClient } from "./client/open_client.ts";
import type { Connection } from "./connection/connection.ts";
import { checkNumber } from "./options.ts";
import type { ReconnectOptions } from "./reconnect/reconnect_options.ts";
import type { ReconnectingConnection } from "./reconnect/reconnecting_connection.ts";
import { defaultTransport } from "../transport/select.ts";
import type { TlsConnectOptions, Transport } from "../transport/types.ts";

/** Options of {@linkcode connect}. */
export interface ConnectOptions extends ClientOptions {
  /** The server's port. */
  port: number;
  /** The server's address; over TLS, also the name its certificate must carry. @default {"127.0.0.1"} */
  hostname?: string;
  /**
   * Connect over TLS, trusting `caCerts` (PEM) or the runtime's trust store;
   * `connect()` rejects when the server's certificate does not verify. @default plain TCP
   */
  tls?: TlsConnectOptions;
  /** The socket API: the runtime's own by default; `memoryTransport()` for in-process pairs. */
  transport?: Transport;
  /** TCP keepalive after this many idle seconds (`Transport`'s `keepAlive`). @default off */
  keepAlive?: number;
}

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
  const plan = clientPlanOf(options);
  const port = checkNumber("port", options.port);
  if (port === undefined) throw new TypeError("Cannot connect: no port given");
  const keepAlive = checkNumber("keepAlive", options.keepAlive);
  const transport = options.transport ?? await defaultTransport();
  const hostname = options.hostname ?? DEFAULT_HOSTNAME;
  const link = (signal: AbortSignal) => transport.connect({ hostname, port, tls: options.tls, keepAlive, signal });
  return await openClient(plan, formatAddress({ hostname, port }), link);
}
