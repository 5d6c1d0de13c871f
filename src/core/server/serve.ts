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
import { AcceptErrors } from "./accept_errors.ts";
import { formatAddress } from "../address.ts";
import { broadcastEncoded } from "./broadcast.ts";
import { ClusterNode } from "../cluster/cluster.ts";
import { clusterServer } from "../cluster/cluster_server.ts";
import { CloseLog } from "./close_log.ts";
import { type CallbackHandler, type CallbackSource, checkCallbacks } from "../connection/callbacks.ts";
import { DeferredFlush } from "../connection/deferred_flush.ts";
import { type ConnectionSettings, FramedConnection } from "../connection/framed_connection.ts";
import { waterMarksOf } from "../connection/water_marks.ts";
import { ShutdownError } from "../errors.ts";
import { guardsOf } from "./guards.ts";
import { checkOutgoing, encodeWith, framingOf } from "../framing/length_prefixed.ts";
import { escapingLogger } from "../logger.ts";
import { checkNumber, DEFAULT_MAILBOX_CAPACITY } from "../options.ts";
import { ProxyGate, proxyPlanOf } from "./proxy/gate.ts";
import { Registry } from "./registry.ts";
import { checkRoomName, RoomRegistry, type Rooms } from "./rooms.ts";
import type { Handler, ServeOptions, Server } from "./server.ts";
import type { ConnectionStats, ServerStats } from "../stats.ts";
import {
  DEFAULT_QUIET_PERIOD,
  shutdownConnections,
  type ShutdownOptions,
  type ShutdownPlan,
  type ShutdownReport,
} from "./shutdown.ts";
import { startTicker } from "./ticker.ts";
import { defaultTransport } from "../../transport/select.ts";
import { sayGoodbye } from "./goodbye.ts";
import { type DoorListener, openDoors } from "./door.ts";
import type { Listener, RawSocket } from "../../transport/types.ts";

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
  const waterMarks = waterMarksOf(options);
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
  const cluster = clusterOf<Message>(options.cluster);
  if (cluster !== undefined) rooms.listen((room, size) => cluster.roomChanged(room, size));
  const log = new CloseLog(logger);
  const acceptErrors = new AcceptErrors(logger);
  // In a cluster, ids carry the node (node * 10^10 + n), so they are unique across nodes.
  let nextId = cluster?.firstId ?? 1;
  let shuttingDown: Promise<ShutdownReport> | undefined;

  // End hooks still running: shutdown waits for them, so a record sink has every row when it settles.
  const endHooks = new Set<Promise<void>>();
  const ended = (conn: FramedConnection, stats: ConnectionStats): void => {
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
    registry.remove(conn as FramedConnection<Message>, stats);
    cluster?.closed(stats);
  };

  const refuse = (socket: RawSocket, reason: string): void => {
    log.refused(socket.remoteAddr, reason);
    if (goodbye === undefined) return socket.close();
    // Closed once written, or after a short bound: a peer that does not read cannot hold a socket that no longer counts.
    void sayGoodbye(socket, goodbye);
  };

  // A callback handler is looked up here at every event of every connection.
  const callbacks: CallbackSource<Message> | undefined = typeof handler === "function"
    ? undefined
    : { current: checkCallbacks(handler) };

  // What every connection of this server shares, built once (each connection gets only its id).
  const settings: ConnectionSettings = {
    framing,
    waterMarks,
    mailboxCapacity,
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
  const localRooms: Rooms<Message> = {
    join: (conn, room) => rooms.join(conn, room),
    leave: (conn, room) => rooms.leave(conn, room),
    broadcast(room, payload, except) {
      checkRoomName(room, rooms.maxNameLength);
      checkOutgoing(payload.length, framing);
      if (rooms.size(room) === 0) return 0;
      const id = typeof except === "number" ? except : except?.id;
      const filter = id === undefined ? undefined : (conn: FramedConnection<Message>) => conn.id !== id;
      return broadcastEncoded(rooms.members(room), encodeWith(payload, framing), slowConsumer, filter);
    },
    size: (room) => rooms.size(room),
    of: (conn) => rooms.of(conn),
    members: (room) => rooms.members(room),
  };

  // A socket whose remote address is the client's: straight from accept, or past its PROXY header.
  const admit = (socket: RawSocket): void => {
    if (shuttingDown !== undefined) return socket.close();
    const refusal = registry.refusal(socket.remoteAddr.hostname, gate?.size);
    if (refusal !== undefined) return refuse(socket, refusal);
    const conn = new FramedConnection<Message>(socket, settings, nextId++);
    registry.add(conn);
    cluster?.opened(conn);
    log.opened(conn.id, socket.remoteAddr);
    if (callbacks === undefined) void conn.run(handler as Handler<Message>, server);
    else conn.runCallbacks(callbacks, server);
  };

  const gate = proxy === undefined ? undefined : new ProxyGate(proxy, {
    admit,
    // No header: a connection from the balancer's address all the same, so that the log, the stats and the
    // records say what came; its handler never runs.
    fail: (socket, reason, error) => {
      if (shuttingDown !== undefined) return socket.close();
      const conn = new FramedConnection<Message>(socket, settings, nextId++);
      registry.add(conn);
      cluster?.opened(conn);
      log.opened(conn.id, socket.remoteAddr);
      void conn.endBeforeRun(reason, error);
    },
  });

  const accept = (socket: RawSocket): void => {
    acceptErrors.onAccept();
    if (gate === undefined || shuttingDown !== undefined) return admit(socket);
    // Only a trusted proxy's header is read (PP 2): from anyone else a header would be a client choosing its
    // address, and no header is a bad one on this port. The total is known at once; the per-address count
    // waits for the client's address.
    const refusal = gate.trusts(socket)
      ? registry.refusal(undefined, gate.size)
      : registry.refuse("untrusted-proxy-source");
    if (refusal !== undefined) return refuse(socket, refusal);
    gate.take(socket);
  };

  // Built before listening: a connection may be accepted before listen() returns.
  // Assigned once listen() returns; read by the server's getters before then.
  let listener: Listener | undefined;
  let settleFinished!: () => void;
  const finished = new Promise<void>((resolve) => settleFinished = resolve);
  const local: Server<Message> = {
    get addr() {
      return listener!.addr;
    },
    signal: controller.signal,
    finished,
    get size() {
      return registry.size;
    },
    get stats(): ServerStats {
      return { ...registry.stats(), acceptErrors: acceptErrors.counts, acceptPauses: acceptErrors.pauses };
    },
    get: (id) => registry.get(id),
    connections: () => registry.values(),
    rooms: localRooms,
    broadcast(payload, filter) {
      return broadcastEncoded(registry.values(), encodeWith(payload, framing), slowConsumer, filter);
    },
    post: (id, message) => registry.get(id)?.deliver(message) ?? false,
    reload(next) {
      if (callbacks === undefined) {
        throw new TypeError(
          "Cannot reload the handler: this server runs a loop handler (a function), which cannot be swapped mid-loop",
        );
      }
      if (typeof next === "function") {
        throw new TypeError("Cannot reload the handler: a loop handler (a function) cannot take over from callbacks");
      }
      callbacks.current = checkCallbacks(next);
    },
    shutdown: (shutdownOptions) => shutdown(shutdownOptions),
    [Symbol.asyncDispose]: async () => void await shutdown(),
  };
  // What handlers hold: in a cluster, broadcast, post, size, stats and the registry reach every node.
  const server = cluster === undefined ? local : clusterServer(local, cluster);

  try {
    listener = await transport.listen(
      { hostname: options.hostname ?? "127.0.0.1", port, tls: options.tls, reusePort: options.reusePort },
      accept,
      // The one rule for accept errors, on every runtime: how long the adapter waits before accepting again.
      (error) => acceptErrors.onError(error),
    );
  } catch (error) {
    cluster?.close();
    throw error;
  }
  // Doors (a WebSocket listener): their sockets skip the PROXY gate and go straight to the limits.
  let doors: DoorListener[];
  try {
    doors = await openDoors(options.doors, framing, logger, (socket) => {
      acceptErrors.onAccept();
      admit(socket);
    }, (error) => acceptErrors.onError(error));
  } catch (error) {
    listener.close();
    cluster?.close();
    throw error;
  }
  if (cluster !== undefined) {
    cluster.attach({
      server: local,
      checkOutgoing: (length) => checkOutgoing(length, framing),
      roomSizes: () => rooms.sizes(),
      deliver(id, payload) {
        const conn = registry.get(id);
        if (conn === undefined) return false;
        checkOutgoing(payload.length, framing);
        // As a broadcast to one: a peer that does not read meets the slow-consumer policy, not a waiting send.
        return broadcastEncoded([conn], encodeWith(payload, framing), slowConsumer) === 1;
      },
    });
  }
  logger.info("listening on {address} ({transport})", {
    address: formatAddress(listener.addr),
    transport: transport.name,
  });
  const ticker = startTicker(guards.tickInterval, () => {
    for (const conn of registry.values()) conn.tick(guards.tickInterval);
    gate?.tick(guards.tickInterval);
    log.flush();
    acceptErrors.flush();
  });

  const shutdown = (shutdownOptions: ShutdownOptions = {}, cause?: unknown): Promise<ShutdownReport> => {
    if (shuttingDown !== undefined) return shuttingDown;
    let plan: ShutdownPlan;
    try {
      // Checked before anything stops: a refused shutdown leaves the server running.
      plan = {
        timeoutMs: (checkNumber("timeout", shutdownOptions.timeout) ?? 5) * 1000,
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
      gate?.close();
      controller.abort(plan.reason);
      logger.info("shutting down {count} connections", { count: registry.size });
      const report = await shutdownConnections(registry, plan);
      await Promise.all(doors.map((door) => door.drained?.()));
      await Promise.allSettled([...endHooks]);
      cluster?.close();
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

/** The cluster node behind `options.cluster`, if any. */
function clusterOf<Message>(cluster: ServeOptions<Message>["cluster"]): ClusterNode<Message> | undefined {
  if (cluster === undefined) return undefined;
  if (!(cluster instanceof ClusterNode)) {
    throw new TypeError("Cannot serve in this cluster: make it with joinCluster()");
  }
  return cluster as ClusterNode<Message>;
}
