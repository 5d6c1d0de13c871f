/**
 * The server side of JSON-RPC 2.0: a connection handler for `serve()` built
 * from a route table, and the server's pushes (notifications to one
 * connection or to many, encoded once).
 *
 * @module
 */
import {
  type Connection,
  ConnectionClosedError,
  escapingLogger,
  type Handler,
  LogLimiter,
  type RemoteConnection,
  type Server,
} from "../../../mod.ts";
import { RpcConnection, type RpcShared } from "./_rpc_connection.ts";
import type { RpcCodec } from "./codec.ts";
import { isStructured, type RpcParams } from "./json_rpc.ts";
import { limitsOf, type RpcHandlerOptions } from "./rpc_options.ts";
import { RpcCounters, type RpcStats } from "./rpc_stats.ts";
import { compileRoutes, type RpcRoutes } from "./routes.ts";

/**
 * A connection handler that speaks JSON-RPC 2.0, with the server's push side.
 *
 * @example A handler is a function serve() takes, with more on it
 * ```ts
 * import assert from "node:assert/strict";
 * import { rpcHandler, type RpcHandler } from "spawnkit/rpc";
 * const rpc: RpcHandler = rpcHandler({ ping: () => "pong" });
 * assert.equal(typeof rpc, "function");
 * assert.equal(rpc.codec.name, "json");
 * ```
 */
export interface RpcHandler extends Handler {
  /** The handler's figures, summed over its connections. */
  readonly stats: RpcStats;
  /** The codec it encodes with. */
  readonly codec: RpcCodec;
  /**
   * Pushes a notification to one connection. Resolves true once it is in the
   * outbox (waiting, as `conn.send()` does, above the high-water mark), false
   * when the connection is gone (counted in `stats.dropped`).
   * @throws {TypeError} `method` is not a string or `params` is not an array or an object.
   * @throws {FrameTooLargeError} the notification is over the frame limit (a rejection).
   */
  notify(conn: Connection | RemoteConnection, method: string, params?: RpcParams): Promise<boolean>;
  /**
   * Encodes a notification once and queues it to every connection of
   * `server`, or to those `filter` accepts (as `server.broadcast()`).
   * Returns how many took it.
   * @throws {TypeError} `method` is not a string or `params` is not an array or an object.
   */
  broadcast(
    server: Server,
    method: string,
    params?: RpcParams,
    filter?: (conn: Connection | RemoteConnection) => boolean,
  ): number;
  /**
   * Encodes a notification once and queues it to every member of `room`
   * (on every node of a cluster), but `except` (as `server.rooms.broadcast()`).
   * Returns how many connections it is meant for.
   * @throws {TypeError} `method` is not a string or `params` is not an array or an object.
   */
  notifyRoom(server: Server, room: string, method: string, params?: RpcParams, except?: Connection | number): number;
  /**
   * Swaps the route table for every connection of this handler, without
   * closing any: each connection's next request is looked up in `routes`,
   * its `context.state` kept. Methods already running finish on the code
   * they started with. The new table is checked whole first: one that
   * cannot be served throws, and the old one stays.
   * @throws {TypeError} a route is not a function or a route, or is named "rpc.*".
   */
  reload(routes: RpcRoutes): void;
}

/**
 * Encodes a Notification object.
 * @throws {TypeError} `method` is not a string or `params` is not an array or an object.
 */
export function encodeNotification(codec: RpcCodec, method: string, params?: RpcParams): Uint8Array {
  if (typeof method !== "string") throw new TypeError("Cannot notify: method is not a string");
  if (params === undefined) return codec.encode({ jsonrpc: "2.0", method });
  if (!isStructured(params)) throw new TypeError(`Cannot notify ${method}: params is not an array or an object`);
  return codec.encode({ jsonrpc: "2.0", method, params });
}

/**
 * A `serve()` handler that answers JSON-RPC 2.0 requests from `routes`, one
 * message (or batch) per frame. Each method runs as
 * `(params, context) => result`; up to `maxConcurrency` run at once per
 * connection and answer in completion order.
 *
 * The table can be swapped while connections are open: `rpc.reload(routes)`
 * (Erlang's `?MODULE:loop`: the next request runs the new code, the
 * connection's state kept).
 *
 * @throws {TypeError} a route is not a function or a route, or is named "rpc.*"; a bad codec.
 * @throws {RangeError} a limit that is not a positive integer.
 * @example New code for a connection that stays open, its state kept
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, serve, silentLogger } from "spawnkit";
 * import { rpcClient, rpcHandler } from "spawnkit/rpc";
 *
 * const options = { port: 0, logger: silentLogger };
 * const rpc = rpcHandler({
 *   count: (_params, { state }) => state.n = ((state.n as number | undefined) ?? 0) + 1,
 * }, options);
 * await using server = await serve(options, rpc);
 * await using client = rpcClient(await connect({ port: server.addr.port }));
 * assert.equal(await client.call("count"), 1);
 * rpc.reload({ count: (_params, { state }) => `count ${state.n} is kept` });
 * assert.equal(await client.call("count"), "count 1 is kept");
 * assert.throws(() => rpc.reload({ "rpc.x": () => 0 }), TypeError);
 * assert.equal(await client.call("count"), "count 1 is kept");
 * ```
 * @example A sum over a real socket, and a push from the server
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, serve, silentLogger } from "spawnkit";
 * import { rpcClient, rpcHandler, RpcError } from "spawnkit/rpc";
 *
 * const options = { port: 0, logger: silentLogger };
 * const rpc = rpcHandler({
 *   sum: (params: number[]) => params.reduce((a, b) => a + b, 0),
 *   whoami: (_params, context) => context.conn.id,
 *   secret: () => {
 *     throw new RpcError(4001, "not logged in");
 *   },
 * }, options);
 * await using server = await serve(options, rpc);
 * const pushes: unknown[] = [];
 * await using client = rpcClient(await connect({ port: server.addr.port }), {
 *   onNotification: (method, params) => pushes.push([method, params]),
 * });
 * assert.equal(await client.call("sum", [1, 2, 3]), 6);
 * await assert.rejects(client.call("secret"), { name: "RpcError", code: 4001, message: "not logged in" });
 * assert.equal(rpc.broadcast(server, "tick", { n: 1 }), 1);
 * assert.equal(typeof await client.call<number>("whoami"), "number");
 * assert.deepEqual(pushes, [["tick", { n: 1 }]]);
 * assert.equal(rpc.stats.requests, 3);
 * ```
 */
export function rpcHandler(routes: RpcRoutes, options: RpcHandlerOptions = {}): RpcHandler {
  const table = compileRoutes(routes);
  const limits = limitsOf(options);
  const counters = new RpcCounters();
  const codec = limits.codec;
  const notify = (conn: Connection | RemoteConnection, method: string, params?: RpcParams): Promise<boolean> =>
    conn.send(encodeNotification(codec, method, params)).then(() => true, (error) => {
      if (!(error instanceof ConnectionClosedError)) throw error;
      counters.dropped++;
      return false;
    });
  const log = new LogLimiter(escapingLogger(options.logger));
  const shared: RpcShared = { routes: table, limits, log, counters, notify };
  const handler = (conn: Connection, server: Server): Promise<void> => new RpcConnection(conn, server, shared).run();
  return Object.defineProperties(handler, {
    stats: { get: () => counters.snapshot(), enumerable: true },
    codec: { value: codec, enumerable: true },
    notify: { value: notify, enumerable: true },
    broadcast: {
      value: (
        server: Server,
        method: string,
        params?: RpcParams,
        filter?: (conn: Connection | RemoteConnection) => boolean,
      ) => server.broadcast(encodeNotification(codec, method, params), filter),
      enumerable: true,
    },
    notifyRoom: {
      value: (server: Server, room: string, method: string, params?: RpcParams, except?: Connection | number) =>
        server.rooms.broadcast(room, encodeNotification(codec, method, params), except),
      enumerable: true,
    },
    reload: {
      value: (next: RpcRoutes) => void (shared.routes = compileRoutes(next)),
      enumerable: true,
    },
  }) as RpcHandler;
}
