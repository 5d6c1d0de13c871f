/**
 * The server: the original's gs_svr plus its acceptor, put together by role
 * as ranch does. `serve()` checks the options, builds what every connection
 * shares, starts the acceptor (acceptor.ts: accept, admit, refuse, the PROXY
 * gate) and the facade handlers hold (server_facade.ts), runs a handler per
 * connection, and shuts everything down through the supervision tree. A server
 * extension (a cluster) attaches through its hooks (server.ts).
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
import { Acceptor } from "./acceptor.ts";
import { DEFAULT_HOSTNAME, formatAddress } from "../address.ts";
import { CloseLog } from "./close_log.ts";
import { type CallbackSource, checkCallbacks } from "../connection/callbacks.ts";
import type { Connection } from "../connection/connection.ts";
import { DeferredFlush } from "../connection/deferred_flush.ts";
import type { ConnectionSettings } from "../connection/connection_settings.ts";
import type { FramedConnection } from "../connection/framed_connection.ts";
import { DEFAULT_MAX_PENDING_SEND_BYTES, waterMarksOf } from "../connection/water_marks.ts";
import { ShutdownError } from "../errors.ts";
import { guardsOf } from "./guards.ts";
import { encodeWith, framingOf } from "../framing/length_prefixed.ts";
import { escapingLogger } from "../logger.ts";
import { checkNumber, DEFAULT_MAILBOX_CAPACITY } from "../options.ts";
import { proxyPlanOf } from "./proxy/gate.ts";
import { Registry } from "./registry.ts";
import { RoomRegistry } from "./rooms.ts";
import type { CallbackHandler, Handler, Server, ServerHooks } from "./server.ts";
import type { ServeOptions } from "./serve_options.ts";
import { buildServer, type ServerParts, serverSide } from "./server_facade.ts";
import type { ConnectionStats } from "../stats.ts";
import {
  DEFAULT_QUIET_PERIOD,
  DEFAULT_SHUTDOWN_TIMEOUT,
  shutdownConnections,
  type ShutdownOptions,
  type ShutdownPlan,
  type ShutdownReport,
} from "./shutdown.ts";
import { startTicker } from "./ticker.ts";
import { defaultTransport } from "../../transport/select.ts";
import { type DoorListener, openDoors } from "./door.ts";
import type { Listener } from "../../transport/types.ts";

/**
 * Starts a server: listens, and runs `handler` for every accepted connection.
 *
 * @throws {RangeError} a bad option value (packet, maxFrameSize, water marks, port).
 * @throws {TypeError} `proxyProtocol` that is not false or `{ trusted }` with well-formed entries, or with `tls`.
 * @example An echo server, one frame through it
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, serve, silentLogger } from "spawnkit";
 * const server = await serve({ port: 0, logger: silentLogger }, async (conn) => {
 *   for await (const frame of conn) await conn.send(frame);
 * });
 * const client = await connect({ port: server.addr.port });
 * await client.send(new Uint8Array([1, 2, 3]));
 * assert.deepEqual(await client.receive(), new Uint8Array([1, 2, 3]));
 * client.close();
 * await server.shutdown();
 * ```
 */
// deno-lint-ignore no-explicit-any -- a callback handler's state is inferred from its `open`, else anything
export async function serve<Message = unknown, State = any>(
  options: ServeOptions<Message>,
  handler: Handler<Message> | CallbackHandler<State, Message>,
): Promise<Server<Message>> {
  const framing = framingOf(options);
  const waterMarks = waterMarksOf(options, DEFAULT_MAX_PENDING_SEND_BYTES);
  const guards = guardsOf(options);
  const mailboxCapacity = checkNumber("mailboxCapacity", options.mailboxCapacity) ?? DEFAULT_MAILBOX_CAPACITY;
  const port = checkNumber("port", options.port) ?? 0;
  const proxy = proxyPlanOf(options);
  // Every line the server writes goes through one place that escapes a peer's control characters.
  const logger = escapingLogger(options.logger);
  const goodbye = guards.goodbye === undefined ? undefined : encodeWith(guards.goodbye, framing);
  const transport = options.transport ?? await defaultTransport();
  const controller = new AbortController();
  const registry = new Registry<FramedConnection<Message>>(
    guards.maxConnections,
    guards.maxConnectionsPerAddress,
    guards.addressKey,
  );
  const rooms = new RoomRegistry<FramedConnection<Message>>(
    options,
    (conn): conn is FramedConnection<Message> => registry.get(conn.id) === conn,
  );
  const hooks = hooksOf<Message>(options.cluster);
  if (hooks !== undefined) rooms.listen((room, size) => hooks.roomChanged(room, size));
  const log = new CloseLog(logger);
  let shuttingDown: Promise<ShutdownReport> | undefined;

  // End hooks still running: shutdown waits for them, so a record sink has every row when it settles.
  const endHooks = new Set<Promise<void>>();
  const ended = (conn: Connection, stats: ConnectionStats): void => {
    log.closed(stats);
    const onEnd = options.onConnectionEnd;
    if (onEnd !== undefined) {
      const hook: Promise<void> = Promise.resolve()
        .then(() => onEnd(stats))
        .catch((error) => log.endHookFailed(stats, error))
        .finally(() => endHooks.delete(hook));
      endHooks.add(hook);
    }
    // Whatever ended it, it leaves its rooms here: nobody else keeps track of them.
    rooms.leaveAll(conn as FramedConnection<Message>);
    registry.remove(conn, stats);
    hooks?.closed(stats);
  };

  // A callback handler is looked up here at every event of every connection.
  const callbacks: CallbackSource<Message, Server<Message>> | undefined = typeof handler === "function"
    ? undefined
    : { current: checkCallbacks(handler) };

  // What every connection of this server shares, built once (each connection gets only its id).
  const settings: ConnectionSettings = {
    framing,
    waterMarks,
    mailboxCapacity,
    debugBorrowedFrames: options.debugBorrowedFrames === true,
    onMessage: options.onMessage,
    onEnd: ended,
    idleTimeout: guards.idleTimeout,
    firstFrameTimeout: guards.firstFrameTimeout,
    closeTimeout: guards.closeTimeout,
    tlsHandshakeTimeout: options.tls === undefined ? undefined : guards.tlsHandshakeTimeout,
    sendTimeout: guards.sendTimeout,
    rateLimits: guards.rateLimits,
    deferredFlush: new DeferredFlush(),
  };
  const slowConsumer = { slowConsumer: guards.slowConsumer, waterMarks };
  const admission = options.sessions?.admission({ framing, logger });
  const acceptor = new Acceptor<Message>({
    admission,
    registry,
    settings,
    log,
    logger,
    goodbye,
    hooks,
    // Reads `server` only when a connection arrives: it is assigned before listening.
    start(conn) {
      if (callbacks === undefined) void conn.run(handler as Handler<Message>, server);
      else conn.runCallbacks(callbacks, server);
    },
  }, proxy);

  // Built before listening: a connection may be accepted before listen() returns.
  // Assigned once listen() returns; read by the server's getters before then.
  let listener: Listener | undefined;
  let settleFinished!: () => void;
  const finished = new Promise<void>((resolve) => settleFinished = resolve);
  const parts: ServerParts<Message> = {
    registry,
    rooms,
    framing,
    slowConsumer,
    acceptErrors: acceptor.errors,
    signal: controller.signal,
    finished,
    addr: () => listener!.addr,
    callbacks,
    shutdown: (shutdownOptions) => shutdown(shutdownOptions),
  };
  const local = buildServer(parts);
  // What handlers hold: in a cluster, broadcast, post, size, stats and the registry reach every node.
  const server = hooks === undefined ? local : buildServer(parts, hooks);

  try {
    listener = await transport.listen(
      {
        hostname: options.hostname ?? DEFAULT_HOSTNAME,
        port,
        tls: options.tls,
        reusePort: options.reusePort,
        keepAlive: checkNumber("keepAlive", options.keepAlive),
      },
      acceptor.accept,
      // The one rule for accept errors, on every runtime: how long the adapter waits before accepting again.
      (error) => acceptor.errors.onError(error),
    );
  } catch (error) {
    hooks?.close();
    throw error;
  }
  // Doors (a WebSocket listener): their sockets skip the PROXY gate and go straight to the limits.
  let doors: DoorListener[];
  try {
    doors = await openDoors(
      options.doors,
      framing,
      logger,
      acceptor.admitDirect,
      (error) => acceptor.errors.onError(error),
    );
  } catch (error) {
    listener.close();
    hooks?.close();
    throw error;
  }
  hooks?.attach(serverSide(parts, local));
  logger.info("listening on {address} ({transport})", {
    address: formatAddress(listener.addr),
    transport: transport.name,
  });
  const ticker = startTicker(guards.tickInterval, () => {
    for (const conn of registry.values()) conn.tick(guards.tickInterval);
    acceptor.tick(guards.tickInterval);
    log.flush();
    acceptor.errors.flush();
  });

  const shutdown = (shutdownOptions: ShutdownOptions = {}, cause?: unknown): Promise<ShutdownReport> => {
    if (shuttingDown !== undefined) return shuttingDown;
    let plan: ShutdownPlan;
    try {
      // Checked before anything stops: a refused shutdown leaves the server running.
      plan = {
        timeoutMs: (checkNumber("timeout", shutdownOptions.timeout) ?? DEFAULT_SHUTDOWN_TIMEOUT) * 1000,
        quietMs: (checkNumber("quietPeriod", shutdownOptions.quietPeriod) ?? DEFAULT_QUIET_PERIOD) * 1000,
        goodbye: shutdownOptions.goodbye === undefined ? undefined : encodeWith(shutdownOptions.goodbye, framing),
        // A parent signal's reason is kept as the cause: the handler can tell a deploy from a crash.
        reason: new ShutdownError(undefined, cause === undefined ? undefined : { cause }),
      };
    } catch (error) {
      return Promise.reject(error);
    }
    shuttingDown = (async () => {
      listener!.close();
      for (const door of doors) door.close();
      acceptor.close();
      controller.abort(plan.reason);
      logger.info("shutting down {count} connections", { count: registry.size });
      const report = await shutdownConnections(registry, plan);
      await Promise.all(doors.map((door) => door.drained?.()));
      await Promise.allSettled([...endHooks]);
      hooks?.close();
      ticker.stop();
      log.flush();
      options.signal?.removeEventListener("abort", onParentAbort);
      logger.info("shut down in {ms} ms: {connections} connections, {forced} force-closed at the deadline", {
        ms: report.durationMs,
        connections: report.connections,
        forced: report.forced,
      });
      settleFinished();
      return report;
    })();
    return shuttingDown;
  };
  const onParentAbort = () => void shutdown({}, options.signal!.reason);
  if (options.signal?.aborted) void shutdown({}, options.signal.reason);
  else options.signal?.addEventListener("abort", onParentAbort, { once: true });

  return server;
}

/** The hooks of `options.cluster` (a server extension), asked once. */
function hooksOf<Message>(extension: ServeOptions<Message>["cluster"]): ServerHooks<Message> | undefined {
  if (extension === undefined) return undefined;
  if (typeof (extension as Partial<typeof extension> | null)?.serverHooks !== "function") {
    throw new TypeError("Cannot serve in this cluster: make it with joinCluster()");
  }
  return extension.serverHooks() as ServerHooks<Message>;
}
