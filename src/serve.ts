/**
 * The server: the original's gs_svr plus its acceptor. It accepts connections,
 * runs a handler per connection, keeps the registry, broadcasts, posts
 * messages, and shuts everything down through the supervision tree.
 *
 * Invariants (the supervision tree):
 * 1. Parent signal (options.signal) → server → connections. Aborting a parent
 *    ends every child, each with the parent's reason.
 * 2. The server reaches its children through the registry, not through
 *    listeners on its signal: nothing to unhook, no listener per connection.
 * 3. A connection leaves the registry when its `finished` settles, and then only.
 * 4. Shutdown, in ranch's order: stop accepting, abort the children, wait up to
 *    the deadline, force-close the rest; `finished` settles when the last is gone.
 * 5. One ticker per server, stopped at shutdown: it drives every connection's
 *    idle and first-frame timeouts, rate budgets and ticks.
 *
 * @module
 */
import { Connection, type ConnectionSettings } from "./connection.ts";
import { ShutdownError } from "./errors.ts";
import { type GuardOptions, guardsOf, rateLimitsOf } from "./guard_options.ts";
import { checkOutgoing, encodeFrame, framingOf } from "./length_prefixed.ts";
import type { FramingOptions } from "./length_prefixed.ts";
import type { Logger } from "./logger.ts";
import { consoleWarnLogger, silentLogger } from "./logger.ts";
import { type OutboxOptions, outboxOptionsOf } from "./outbox_options.ts";
import { Registry } from "./registry.ts";
import type { ConnectionStats, ServerStats } from "./stats.ts";
import { startTicker } from "./ticker.ts";
import { defaultTransport } from "./transport/select.ts";
import type { Address, Listener, RawSocket, TlsServeOptions, Transport } from "./transport/types.ts";

/** A connection handler: runs once per connection, in its own task. */
export type Handler = (conn: Connection, server: Server) => void | Promise<void>;

/** Options of {@linkcode serve}. */
export interface ServeOptions extends FramingOptions, OutboxOptions, GuardOptions {
  /** Port to listen on; 0 picks a free one (read it from `server.addr`). @default {0} */
  port?: number;
  /** Address to bind. @default {"127.0.0.1"} */
  hostname?: string;
  /** Serve TLS with this certificate and private key (PEM); the key is never logged. @default plain TCP */
  tls?: TlsServeOptions;
  /** Messages a connection's mailbox holds before `post()` refuses more. @default {1024} */
  mailboxCapacity?: number;
  /** Aborting it shuts the server down (as `shutdown()` with the default timeout). */
  signal?: AbortSignal;
  /** Where the kit logs. A LogTape logger fits. @default warnings and errors to the console */
  logger?: Logger;
  /** Called with a connection's final stats when it ends (the original's save_on_end). */
  onConnectionEnd?: (stats: ConnectionStats) => void | Promise<void>;
  /** Called for a posted message met while a handler iterates frames only. */
  onMessage?: (conn: Connection, message: unknown) => void | Promise<void>;
  /** The socket API; the runtime's own by default. */
  transport?: Transport;
}

/** Options of `server.shutdown()`. */
export interface ShutdownOptions {
  /** Seconds to wait for connections to end by themselves before force-closing them. @default {5} */
  timeout?: number;
}

/** A running server, returned by {@linkcode serve}. */
export interface Server extends AsyncDisposable {
  /** The bound address, with the real port. */
  readonly addr: Address;
  /** Aborted when the server shuts down; the parent of every connection's signal. */
  readonly signal: AbortSignal;
  /** Settles once the server has shut down and every connection is gone. */
  readonly finished: Promise<void>;
  /** Connections open now. */
  readonly size: number;
  /** The server's figures now. */
  readonly stats: ServerStats;
  /** The connection with this id, if it is open. */
  get(id: number): Connection | undefined;
  /** The open connections. */
  connections(): IterableIterator<Connection>;
  /**
   * Encodes `payload` once and queues it to every open connection, or to those
   * `filter` accepts. Returns how many connections took it.
   * @throws {FrameTooLargeError} the payload is over the limit; nothing is sent.
   */
  broadcast(payload: Uint8Array, filter?: (conn: Connection) => boolean): number;
  /** Posts `message` into connection `id`'s mailbox; false if it is gone or its mailbox is full. */
  post(id: number, message: unknown): boolean;
  /** Stops accepting, ends every connection, force-closing after the timeout. */
  shutdown(options?: ShutdownOptions): Promise<void>;
}

/**
 * Starts a server: listens, and runs `handler` for every accepted connection.
 *
 * @throws {RangeError} a bad option value (packet, maxFrameSize, water marks, port).
 * @example An echo server, one frame through it
 * ```ts
 * import { connect, serve, silentLogger } from "../mod.ts";
 * const server = await serve({ port: 0, logger: silentLogger }, async (conn) => {
 *   for await (const frame of conn) await conn.send(frame);
 * });
 * const client = await connect({ port: server.addr.port });
 * await client.send(new Uint8Array([1, 2, 3]));
 * const { value } = await client[Symbol.asyncIterator]().next();
 * if (value?.join() !== "1,2,3") throw new Error("no echo");
 * client.close();
 * await server.shutdown();
 * ```
 */
export async function serve(options: ServeOptions, handler: Handler): Promise<Server> {
  const framing = framingOf(options);
  const outbox = outboxOptionsOf(options);
  const guards = guardsOf(options);
  const mailboxCapacity = options.mailboxCapacity ?? 1024;
  const logger = options.logger ?? consoleWarnLogger;
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Cannot listen on port ${port}: must be an integer from 0 to 65535`);
  }
  const goodbye = guards.goodbye === undefined ? undefined : encodeFrame(guards.goodbye, framing);
  const transport = options.transport ?? await defaultTransport();
  const controller = new AbortController();
  const registry = new Registry(guards.maxConnections, guards.maxConnectionsPerAddress);
  let nextId = 1;
  let shuttingDown: Promise<void> | undefined;
  // The two loggers of the kit drop debug lines: with them, no per-connection debug line is built at all.
  const logsDebug = logger !== silentLogger && logger !== consoleWarnLogger;

  // End hooks still running: shutdown waits for them, so a record sink has every row when it settles.
  const endHooks = new Set<Promise<void>>();
  const ended = (conn: Connection, stats: ConnectionStats): void => {
    const reason = stats.closeReason ?? "closed";
    // Log properties are built only for a line that may be written: most connections end quietly.
    if (WARN_REASONS.has(reason)) {
      logger.warn("connection {id} from {remote} closed: {reason}: {error}", {
        ...logProps(stats, reason),
        error: stats.error,
      });
    } else if (logsDebug) logger.debug("connection {id} from {remote} closed: {reason}", logProps(stats, reason));
    const onEnd = options.onConnectionEnd;
    if (onEnd !== undefined) {
      const hook: Promise<void> = Promise.resolve()
        .then(() => onEnd(stats))
        .catch((error) =>
          logger.error("onConnectionEnd failed for connection {id} from {remote}: {error}", {
            ...logProps(stats, reason),
            error,
          })
        )
        .finally(() => endHooks.delete(hook));
      endHooks.add(hook);
    }
    registry.remove(conn, stats);
  };

  const refuse = (socket: RawSocket, reason: string): void => {
    logger.warn("refused connection from {remote}: {reason}", { remote: remoteOf(socket.remoteAddr), reason });
    if (goodbye === undefined) return socket.close();
    // The goodbye is one small frame: it fits the socket buffer, so the write settles at once.
    socket.write(goodbye).catch(() => {}).finally(() => socket.close());
  };

  // What every connection of this server shares, built once (each connection gets only its id).
  const settings: ConnectionSettings = {
    framing,
    ...outbox,
    mailboxCapacity,
    logger,
    onMessage: options.onMessage,
    onEnd: ended,
    idleTimeout: guards.idleTimeout,
    firstFrameTimeout: guards.firstFrameTimeout,
    slowConsumer: guards.slowConsumer,
    closeTimeout: guards.closeTimeout,
  };

  const accept = (socket: RawSocket): void => {
    if (shuttingDown !== undefined) return socket.close();
    const refusal = registry.refusal(socket.remoteAddr.hostname);
    if (refusal !== undefined) return refuse(socket, refusal);
    const limits = rateLimitsOf(guards);
    // A rate budget is the connection's own: only then does it get settings of its own.
    const conn = new Connection(socket, limits === undefined ? settings : { ...settings, limits }, nextId++);
    registry.add(conn);
    if (logsDebug) {
      logger.debug("connection {id} from {remote} opened", { id: conn.id, remote: remoteOf(socket.remoteAddr) });
    }
    void conn.run(handler, server);
  };

  // Built before listening: a connection may be accepted before listen() returns.
  // deno-lint-ignore prefer-const -- assigned once listen() returns; read by the server's getters before then
  let listener: Listener | undefined;
  let settleFinished!: () => void;
  const finished = new Promise<void>((resolve) => settleFinished = resolve);
  const server: Server = {
    get addr() {
      return listener!.addr;
    },
    signal: controller.signal,
    finished,
    get size() {
      return registry.size;
    },
    get stats(): ServerStats {
      return registry.stats();
    },
    get: (id) => registry.get(id),
    connections: () => registry.values(),
    broadcast(payload, filter) {
      checkOutgoing(payload.length, framing);
      const bytes = encodeFrame(payload, framing);
      let taken = 0;
      for (const conn of registry.values()) {
        if (filter !== undefined && !filter(conn)) continue;
        if (conn.deliverEncoded(bytes)) taken++;
      }
      return taken;
    },
    post: (id, message) => registry.get(id)?.deliver(message) ?? false,
    shutdown: (shutdownOptions) => shutdown(shutdownOptions),
    [Symbol.asyncDispose]: () => shutdown(),
  };

  listener = await transport.listen(
    { hostname: options.hostname ?? "127.0.0.1", port, tls: options.tls },
    accept,
    // Accept errors (out of file descriptors, say) are logged; the adapter waits and accepts again.
    (error) => logger.error("accept failed: {error}", { error }),
  );
  logger.info("listening on {hostname}:{port} ({transport})", { ...listener.addr, transport: transport.name });
  const ticker = startTicker(guards.tickInterval, () => {
    for (const conn of registry.values()) conn.tick(guards.tickInterval);
  });

  const shutdown = (shutdownOptions: ShutdownOptions = {}): Promise<void> => {
    shuttingDown ??= (async () => {
      const timeoutMs = (shutdownOptions.timeout ?? 5) * 1000;
      const reason = new ShutdownError();
      listener!.close();
      controller.abort(reason);
      logger.info("shutting down {count} connections", { count: registry.size });
      for (const conn of registry.values()) conn.abort(reason);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<void>((resolve) => timer = setTimeout(resolve, timeoutMs));
      await Promise.race([registry.empty(), deadline]);
      clearTimeout(timer);
      for (const conn of registry.values()) void conn.forceClose(reason);
      await registry.empty();
      await Promise.allSettled([...endHooks]);
      ticker.stop();
      options.signal?.removeEventListener("abort", onParentAbort);
      settleFinished();
    })();
    return shuttingDown;
  };
  const onParentAbort = () => void shutdown();
  if (options.signal?.aborted) void shutdown();
  else options.signal?.addEventListener("abort", onParentAbort, { once: true });

  return server;
}

function remoteOf(addr: Address): string {
  return `${addr.hostname}:${addr.port}`;
}

function logProps(stats: ConnectionStats, reason: string): Record<string, unknown> {
  return { id: stats.id, remote: remoteOf(stats.remoteAddr), reason };
}

// Close reasons that point at a misbehaving peer or socket: logged as warnings.
const WARN_REASONS: ReadonlySet<string> = new Set([
  "frame-too-large",
  "truncated-frame",
  "socket-error",
  "idle-timeout",
  "first-frame-timeout",
  "rate-limit",
  "slow-consumer",
]);
