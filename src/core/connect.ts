/**
 * The framed client: a connection to a spawnkit server (or any `{packet, N}` peer).
 *
 * @module
 */
import { Connection } from "./connection/connection.ts";
import { framingOf, type FramingOptions } from "./framing/length_prefixed.ts";
import type { Logger } from "./logger.ts";
import { consoleWarnLogger } from "./logger.ts";
import { checkNumber } from "./options.ts";
import { type OutboxOptions, outboxOptionsOf } from "./connection/water_marks.ts";
import { defaultTransport } from "../transport/select.ts";
import type { TlsConnectOptions, Transport } from "../transport/types.ts";

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
  /** Aborting it closes the connection. */
  signal?: AbortSignal;
  /** Where the kit logs. @default warnings and errors to the console */
  logger?: Logger;
  /** The socket API; the runtime's own by default. */
  transport?: Transport;
}

let nextClientId = 1;

/**
 * Connects to a framed server. Iterate the result for frames; `send()` frames;
 * `close()` (or `await using`) when done. The socket closes by itself once the
 * server closes its end.
 *
 * @throws {RangeError} a bad option value (port, packet, maxFrameSize, water marks).
 * @throws the runtime's error when the connection is refused.
 * @example
 * ```ts
 * import { connect, serve, silentLogger } from "../../mod.ts";
 * await using server = await serve({ logger: silentLogger }, async (conn) => {
 *   for await (const frame of conn) await conn.send(frame);
 * });
 * await using client = await connect({ port: server.addr.port });
 * await client.send(new TextEncoder().encode("ping"));
 * for await (const reply of client) {
 *   if (new TextDecoder().decode(reply) !== "ping") throw new Error("no echo");
 *   break;
 * }
 * ```
 */
export async function connect(options: ConnectOptions): Promise<Connection> {
  const framing = framingOf(options);
  const outbox = outboxOptionsOf(options);
  const port = checkNumber("port", options.port);
  if (port === undefined) throw new TypeError("Cannot connect: no port given");
  const transport = options.transport ?? await defaultTransport();
  options.signal?.throwIfAborted();
  const socket = await transport.connect({
    hostname: options.hostname ?? "127.0.0.1",
    port,
    tls: options.tls,
  });
  const conn = new Connection(socket, {
    id: nextClientId++,
    framing,
    ...outbox,
    mailboxCapacity: 0,
    logger: options.logger ?? consoleWarnLogger,
    finishOnEnd: true,
  });
  const signal = options.signal;
  if (signal !== undefined) {
    const onAbort = () => conn.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    conn.finished.then(() => signal.removeEventListener("abort", onAbort));
  }
  return conn;
}
