/**
 * The client side of JSON-RPC 2.0 over a framed connection: calls matched to
 * their answers by id, notifications both ways.
 *
 * Invariants:
 * 1. Every call settles exactly once: with its result, with an `RpcError`
 *    (the answer was an error), an `RpcTimeoutError`, the signal's reason, or
 *    a `ConnectionClosedError` when the connection ends first (over a
 *    reconnecting connection, also an `RpcConnectionLostError`, or the error
 *    its send met: `DisconnectedError`, `ReconnectFailedError`).
 * 2. A settled call is forgotten at once (its timer cleared, its abort
 *    listener removed): an answer that comes later is dropped and counted.
 * 3. Nothing the server sends can throw out of the read loop: a frame that is
 *    not a message, an answer to nothing, a bad message are dropped and counted.
 * 4. Over a reconnecting connection (`connect({ reconnect })`), a call whose
 *    request a connection took rejects with `RpcConnectionLostError` when that
 *    connection is lost (once every frame it received has been read, so an
 *    answer that did come is never thrown away); a request that waits for the
 *    next connection is taken back when its call settles (timeout, signal), so
 *    a call the caller was told failed is never sent later.
 *
 * @module
 */
import {
  type Connection,
  ConnectionClosedError,
  escapingLogger,
  isReconnecting,
  LogLimiter,
  type ReconnectEvent,
  type ReconnectingConnection,
} from "../../../mod.ts";
import type { RpcCodec } from "./codec.ts";
import { isStructured, type RpcParams, type RpcRequest } from "./json_rpc.ts";
import { RpcConnectionLostError, RpcTimeoutError } from "./rpc_error.ts";
import {
  type CallOptions,
  checkCodec,
  checkPositive,
  checkTimeout,
  DEFAULT_CALL_TIMEOUT,
  DEFAULT_MAX_DEPTH,
  type RpcClientOptions,
} from "./rpc_options.ts";
import type { RpcClientStats } from "./rpc_stats.ts";
import { PendingCalls } from "./_pending_calls.ts";
import { ClientInbound } from "./_client_inbound.ts";

/**
 * A JSON-RPC client over one connection.
 *
 * @example A notification, then a call that sees its effect
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, serve, silentLogger } from "spawnkit";
 * import { rpcClient, rpcHandler } from "spawnkit/rpc";
 * const seen: unknown[] = [];
 * await using server = await serve({ logger: silentLogger }, rpcHandler({ log: (p) => void seen.push(p), count: () => seen.length }));
 * await using client = rpcClient(await connect({ port: server.addr.port }));
 * await client.notify("log", ["hello"]);
 * assert.equal(await client.call("count"), 1);
 * ```
 */
export interface RpcClient extends AsyncDisposable {
  /** The connection it reads; do not iterate it yourself. */
  readonly conn: Connection;
  /** Its figures now. */
  readonly stats: RpcClientStats;
  /** Receives the server's notifications; may be set at any time. */
  onNotification: ((method: string, params: unknown) => void) | undefined;
  /**
   * Calls `method` and resolves with its result.
   * @throws {RpcError} the answer is an error (`code`, `message`, `data` as sent).
   * @throws {RpcTimeoutError} no answer within the timeout.
   * @throws {ConnectionClosedError} the connection ended first.
   * @throws {RpcConnectionLostError} over a reconnecting connection: the connection that took the request was lost.
   * @throws {DisconnectedError} over a reconnecting connection that fails sends while disconnected (or is full).
   * @throws {ReconnectFailedError} over a reconnecting connection that gave up while the request waited.
   * @throws {TypeError} `method` is not a string or `params` is not an array or an object.
   */
  call<R = unknown>(method: string, params?: RpcParams, options?: CallOptions): Promise<R>;
  /** Sends a notification: no answer comes. Settles as `conn.send()` does. */
  notify(method: string, params?: RpcParams): Promise<void>;
  /** Closes the connection; pending calls reject with `ConnectionClosedError`. */
  close(): void;
  /** Settles once the connection is gone and every pending call has settled. */
  readonly finished: Promise<void>;
}

function request(method: string, params: RpcParams | undefined, id?: number): RpcRequest {
  if (typeof method !== "string") throw new TypeError("Cannot call: method is not a string");
  if (params !== undefined && !isStructured(params)) {
    throw new TypeError(`Cannot call ${method}: params is not an array or an object`);
  }
  const message: { jsonrpc: "2.0"; method: string; params?: RpcParams; id?: number } = { jsonrpc: "2.0", method };
  if (params !== undefined) message.params = params;
  if (id !== undefined) message.id = id;
  return message;
}

class Client implements RpcClient {
  readonly conn: Connection;
  onNotification: ((method: string, params: unknown) => void) | undefined;
  readonly finished: Promise<void>;
  readonly #codec: RpcCodec;
  readonly #timeout: number;
  readonly #pending = new PendingCalls();
  // Answers, notifications and what is dropped (_client_inbound.ts).
  readonly #inbound: ClientInbound;
  #calls = 0;
  #notificationsSent = 0;
  #timeouts = 0;
  readonly #reconnecting: ReconnectingConnection | undefined;
  readonly #unsubscribe: (() => void) | undefined;

  constructor(conn: Connection, options: RpcClientOptions) {
    this.conn = conn;
    if (isReconnecting(conn)) {
      this.#reconnecting = conn;
      this.#unsubscribe = conn.subscribe(this.#onReconnectEvent);
    }
    this.#codec = checkCodec(options.codec);
    this.#timeout = checkTimeout(options.timeout ?? DEFAULT_CALL_TIMEOUT);
    const maxDepth = checkPositive("maxDepth", options.maxDepth, DEFAULT_MAX_DEPTH);
    // The server chooses how often a notification arrives and what its method is called: escaped, a few lines a second.
    const log = new LogLimiter(escapingLogger(options.logger));
    this.#inbound = new ClientInbound(this, this.#codec, maxDepth, this.#pending, log);
    this.onNotification = options.onNotification;
    this.finished = this.#read();
  }

  get stats(): RpcClientStats {
    return {
      calls: this.#calls,
      notificationsSent: this.#notificationsSent,
      notificationsReceived: this.#inbound.notificationsReceived,
      errors: Object.fromEntries(this.#inbound.errors),
      timeouts: this.#timeouts,
      dropped: this.#inbound.dropped,
      pending: this.#pending.size,
    };
  }

  call<R>(method: string, params?: RpcParams, options: CallOptions = {}): Promise<R> {
    let bytes: Uint8Array;
    let timeout: number;
    const id = this.#pending.nextId();
    try {
      timeout = checkTimeout(options.timeout ?? this.#timeout);
      options.signal?.throwIfAborted();
      bytes = this.#codec.encode(request(method, params, id));
    } catch (error) {
      return Promise.reject(error);
    }
    this.#calls++;
    return new Promise<R>((resolve, reject) => {
      const call = this.#pending.add(id, method, resolve as (value: unknown) => void, reject, options.signal);
      call.timer = setTimeout(() => {
        if (this.#pending.take(id) === undefined) return;
        this.#timeouts++;
        reject(new RpcTimeoutError(method, timeout));
      }, timeout * 1000);
      const failed = (error: unknown) => this.#pending.take(id)?.reject(error);
      const reconnecting = this.#reconnecting;
      if (reconnecting === undefined) return void this.conn.send(bytes).catch(failed);
      // The request may wait for a connection: taken back if the call settles first, known as sent once taken.
      call.withdraw = new AbortController();
      reconnecting.send(bytes, { signal: call.withdraw.signal }).then(() => call.sent = true, failed);
    });
  }

  notify(method: string, params?: RpcParams): Promise<void> {
    try {
      const bytes = this.#codec.encode(request(method, params));
      this.#notificationsSent++;
      return this.conn.send(bytes);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** An answer to the server (the specification's answer to a call the client cannot serve). */
  reply(bytes: Uint8Array): void {
    void this.conn.send(bytes).catch(() => {});
  }

  close(): void {
    this.conn.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.finished;
  }

  async #read(): Promise<void> {
    try {
      for await (const frame of this.conn) this.#inbound.frame(frame);
    } catch { /* the iterator does not throw; a close reason is in the connection's stats */ }
    this.#unsubscribe?.();
    const stats = await this.conn.finished;
    const error = new ConnectionClosedError(stats.closeReason ?? "closed", { cause: stats.error });
    this.#pending.rejectAll(error);
  }

  // A lost connection's frames have all been read: what it took will not be answered.
  readonly #onReconnectEvent = (event: ReconnectEvent): void => {
    if (event.type !== "disconnect") return;
    this.#pending.rejectSent((call) => new RpcConnectionLostError(call.method, { cause: event.error }));
  };
}

/**
 * A JSON-RPC 2.0 client over a connection from `connect()`. It reads the
 * connection itself (for answers and the server's notifications) until the
 * connection ends.
 *
 * @throws {RangeError} a bad `timeout` or `maxDepth`.
 * @throws {TypeError} a bad codec.
 * @example A call, a timeout of its own, and the typed errors
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, serve, silentLogger } from "spawnkit";
 * import { rpcClient, rpcHandler, RpcTimeoutError } from "spawnkit/rpc";
 *
 * const rpc = rpcHandler({
 *   echo: (params) => params,
 *   // Never answers, but lets go when its connection ends.
 *   never: (_params, { signal }) => new Promise((_, reject) => signal.addEventListener("abort", reject)),
 * }, { logger: silentLogger });
 * await using server = await serve({ port: 0, logger: silentLogger }, rpc);
 * await using client = rpcClient(await connect({ port: server.addr.port }), { timeout: 5 });
 * assert.deepEqual(await client.call("echo", { hello: "world" }), { hello: "world" });
 * await assert.rejects(client.call("never", [], { timeout: 0.05 }), RpcTimeoutError);
 * await assert.rejects(client.call("nope"), { name: "RpcError", code: -32601, message: "Method not found" });
 * assert.equal(client.stats.timeouts, 1);
 * ```
 * @example Over a reconnecting connection: the hook logs in again before the calls that waited
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, memoryTransport, serve, silentLogger } from "spawnkit";
 * import { rpcClient, rpcHandler } from "spawnkit/rpc";
 *
 * const names = new Map<number, string>(); // by the server's connection id
 * const routes = {
 *   login: ([name]: [string], { conn }: { conn: { id: number } }) => void names.set(conn.id, name),
 *   whoami: (_: unknown, { conn }: { conn: { id: number } }) => names.get(conn.id) ?? "nobody",
 * };
 * const transport = memoryTransport(); // here, so that the restart is in-process and instant
 * let server = await serve({ transport, logger: silentLogger }, rpcHandler(routes));
 * const port = server.addr.port;
 * const conn = await connect({ port, transport, logger: silentLogger, reconnect: { baseDelay: 0.01 } });
 * const rpc = rpcClient(conn);
 * // Give the hook's calls its signal: they stop if this connection is lost too.
 * conn.onReconnect = (_conn, { signal }) => rpc.call("login", ["ada"], { signal });
 * await rpc.call("login", ["ada"]);
 * const lost = new Promise((resolve) => conn.subscribe((event) => event.type === "disconnect" && resolve(event)));
 * await server.shutdown({ quietPeriod: 0 });
 * await lost;
 * const asked = rpc.call("whoami"); // waits for the next connection, then for the hook
 * server = await serve({ port, transport, logger: silentLogger }, rpcHandler(routes));
 * assert.equal(await asked, "ada");
 * await rpc[Symbol.asyncDispose]();
 * await server.shutdown({ quietPeriod: 0 });
 * ```
 */
export function rpcClient(conn: Connection, options: RpcClientOptions = {}): RpcClient {
  return new Client(conn, options);
}
