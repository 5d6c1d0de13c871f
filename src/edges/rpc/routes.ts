/**
 * The route table: a method name to an async function of its params and a
 * context, optionally behind a params check.
 *
 * @module
 */
import type { Connection, Server } from "../../../mod.ts";
import type { RpcId, RpcParams } from "./json_rpc.ts";

/**
 * What a method gets beside its params.
 *
 * @example A method that reads its context
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RpcContext } from "spawnkit/rpc";
 * const whoami = (_params: unknown, context: RpcContext) => ({ id: context.conn.id, method: context.method });
 * assert.equal(typeof whoami, "function");
 * ```
 */
export interface RpcContext {
  /** The connection the request came on. */
  readonly conn: Connection;
  /** The server that accepted it. */
  readonly server: Server;
  /**
   * The connection's own state: one object per connection, the same at each
   * of its calls and across `rpc.reload()`, gone when the connection ends
   * (a login's name, the room it joined).
   */
  readonly state: Record<string, unknown>;
  /** Aborted when the connection ends (or the server's shutdown begins): stop work nobody will read. */
  readonly signal: AbortSignal;
  /** The method called. */
  readonly method: string;
  /** The request's id; undefined for a notification. */
  readonly id: RpcId | undefined;
  /**
   * Pushes a notification to this connection (encoded with the handler's
   * codec). Resolves false, counted in `dropped`, when the connection is gone.
   */
  notify(method: string, params?: RpcParams): Promise<boolean>;
}

/**
 * A method: its params (undefined when the request has none) and the
 * context; returns the result, or throws an `RpcError` to answer with an
 * error of its own. Anything else thrown is logged and answered -32603.
 *
 * @example A typed method, called directly
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RpcContext, RpcMethod } from "spawnkit/rpc";
 * const subtract: RpcMethod<[number, number], number> = ([a, b]) => a - b;
 * assert.equal(subtract([42, 23], {} as RpcContext), 19);
 * ```
 */
// deno-lint-ignore no-explicit-any -- params are whatever the peer sent; a route's check narrows them
export type RpcMethod<P = any, R = unknown> = (params: P, context: RpcContext) => R | Promise<R>;

/**
 * A method behind a params check: `check` returning false or throwing is answered -32602.
 *
 * @example A route written out by hand
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RpcRoute } from "spawnkit/rpc";
 * const double: RpcRoute<[number], number> = {
 *   check: (p) => Array.isArray(p) && typeof p[0] === "number",
 *   method: ([n]) => n * 2,
 * };
 * assert.equal(double.check(["2"]), false);
 * ```
 */
export interface RpcRoute<P = unknown, R = unknown> {
  /** Accepts or refuses the params; a thrown error's message is sent as the error's `data`. */
  readonly check: (params: unknown) => boolean;
  /** The method, called only with params that passed the check. */
  readonly method: RpcMethod<P, R>;
}

/**
 * The route table: method names (not starting with "rpc.", which the specification reserves) to methods.
 *
 * @example A table of a plain method and a checked one
 * ```ts
 * import assert from "node:assert/strict";
 * import { route, type RpcRoutes } from "spawnkit/rpc";
 * const routes: RpcRoutes = {
 *   ping: () => "pong",
 *   echo: route((p): p is string[] => Array.isArray(p), (p) => p),
 * };
 * assert.deepEqual(Object.keys(routes), ["ping", "echo"]);
 * ```
 */
// deno-lint-ignore no-explicit-any -- each route has params of its own type
export type RpcRoutes = Readonly<Record<string, RpcMethod | RpcRoute<any, unknown>>>;

/**
 * A method behind a params check, typed by the check: `route(isPoint, (p) => p.x)`.
 *
 * @example Params refused by the check are answered -32602 before the method runs
 * ```ts
 * import assert from "node:assert/strict";
 * import { route } from "spawnkit/rpc";
 *
 * const isPair = (p: unknown): p is [number, number] =>
 *   Array.isArray(p) && p.length === 2 && p.every((n) => typeof n === "number");
 * const add = route(isPair, ([a, b]) => a + b);
 * assert.equal(add.check([1, 2]), true);
 * assert.equal(add.check(["1", 2]), false);
 * ```
 */
export function route<P, R>(
  check: (params: unknown) => params is P,
  method: (params: P, context: RpcContext) => R | Promise<R>,
): RpcRoute<P, R> {
  if (typeof check !== "function") throw new TypeError("Cannot make route: check is not a function");
  if (typeof method !== "function") throw new TypeError("Cannot make route: method is not a function");
  return { check, method };
}

/** A route as the dispatcher keeps it. */
export interface CompiledRoute {
  readonly check: ((params: unknown) => boolean) | undefined;
  readonly method: RpcMethod;
}

/**
 * The table as a Map (own names only: "toString" or "__proto__" are not
 * methods unless the table names them).
 * @throws {TypeError} an entry is neither a function nor a route, or its name starts with "rpc.".
 */
export function compileRoutes(routes: RpcRoutes): Map<string, CompiledRoute> {
  if (typeof routes !== "object" || routes === null) throw new TypeError("Cannot serve RPC: routes is not an object");
  const table = new Map<string, CompiledRoute>();
  for (const [name, entry] of Object.entries(routes)) {
    if (name.startsWith("rpc.")) {
      throw new TypeError(`Cannot serve RPC: method ${JSON.stringify(name)} starts with "rpc.", which is reserved`);
    }
    if (typeof entry === "function") table.set(name, { check: undefined, method: entry });
    else if (typeof entry?.method === "function" && typeof entry.check === "function") {
      table.set(name, { check: entry.check, method: entry.method });
    } else throw new TypeError(`Cannot serve RPC: route ${JSON.stringify(name)} is not a function or a route`);
  }
  return table;
}
