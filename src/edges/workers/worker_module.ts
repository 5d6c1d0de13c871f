/**
 * The handler module: the shape of the module each worker imports, which is
 * the very module whose handler `serve()` takes.
 *
 * ```ts ignore
 * // handler.ts
 * export default async function echo(conn) {       // or: export function handler(conn, server)
 *   for await (const frame of conn) await conn.send(frame);
 * }
 * // Or an object of callbacks, the shape for throughput (a CallbackHandler):
 * // export default { frame: (conn, frame) => conn.sendOwned(frame) };
 * // Optional: options that cannot cross to a thread (functions, a logger),
 * // made in each worker; an object, or a function of the worker's context.
 * export function serveOptions(context) {
 *   const records = openRecords(context.data.file);
 *   context.signal.addEventListener("abort", () => records.close());
 *   return { logger: makeLogger(context.data), onConnectionEnd: (stats) => records.add(stats) };
 * }
 * ```
 *
 * Every other option of `serve()` is given to `serveWorkers()`, which hands a
 * copy to every worker; the module's `serveOptions` go on top of it.
 *
 * @module
 */
import type { CallbackHandler, Handler, ServeOptions } from "../../../mod.ts";

/** What a worker tells its module's `serveOptions`. */
export interface WorkerContext {
  /** The worker's place in the set: 1 to `workers`, kept across its restarts. */
  readonly index: number;
  /** Its node in the cluster (its connection ids carry it): new at every start. */
  readonly node: number;
  /** How many times this worker has been restarted. */
  readonly restarts: number;
  /** A copy of `serveWorkers({ data })`. */
  readonly data: unknown;
  /**
   * Aborted when the worker's server has shut down (every connection gone,
   * every end hook run), just before its thread ends: close here what
   * `serveOptions` opened (files live as long as the process, not the thread).
   */
  readonly signal: AbortSignal;
  /**
   * Listens to what the supervisor sends every worker with `set.tell()`
   * (a reload, say); returns a function that stops listening. A listener
   * that throws is logged; the worker goes on.
   */
  onTell(listener: (message: unknown) => void): () => void;
}

/** The options a module's `serveOptions` export may give. */
export type WorkerServeOptions<Message = unknown> = Omit<ServeOptions<Message>, "cluster" | "reusePort" | "port">;

/** What a module exports as its handler: a function, or an object of callbacks (`serve()` takes either). */
// deno-lint-ignore no-explicit-any -- a callback handler's state is the module's own
export type WorkerHandler<Message = unknown> = Handler<Message> | CallbackHandler<any, Message>;

/** The module a worker imports (see the module's doc). */
export interface WorkerModule<Message = unknown> {
  /** The handler each worker serves its connections with (the default export). */
  readonly default?: WorkerHandler<Message>;
  /** The handler, as a named export: used where there is no default export. */
  readonly handler?: WorkerHandler<Message>;
  /** The worker's server options, or a function of its context that returns them. */
  readonly serveOptions?:
    | WorkerServeOptions<Message>
    | ((context: WorkerContext) => WorkerServeOptions<Message> | Promise<WorkerServeOptions<Message>>);
}

/**
 * The handler of `module` (loaded from `url`): the export `name` when given,
 * else the default export, else `handler`; a function, or an object of
 * callbacks (`serve()` checks its callbacks).
 *
 * @throws {TypeError} no such export, or one that is neither a function nor an object.
 */
export function handlerOf<Message>(
  module: Record<string, unknown>,
  url: string,
  name?: string,
): WorkerHandler<Message> {
  const candidates = name === undefined ? ["default", "handler"] : [name];
  for (const candidate of candidates) {
    const value = module[candidate];
    if (typeof value === "function" || (typeof value === "object" && value !== null)) {
      return value as WorkerHandler<Message>;
    }
    if (value !== undefined) {
      throw new TypeError(
        `Cannot serve ${url}: its export "${candidate}" is a ${typeof value}, not a function or an object of callbacks`,
      );
    }
  }
  throw new TypeError(`Cannot serve ${url}: it has no ${candidates.map((c) => `"${c}"`).join(" or ")} export`);
}

/** The module's `serveOptions` for a worker with `context`. */
export async function serveOptionsOf<Message>(
  module: WorkerModule<Message>,
  context: WorkerContext,
): Promise<WorkerServeOptions<Message>> {
  const options = module.serveOptions;
  return (typeof options === "function" ? await options(context) : options) ?? {};
}

// Options of serve() that cannot be copied to a thread: made in each worker by the module instead.
// (`logger` and `signal` of serveWorkers() are the supervisor's own.)
const THREAD_BOUND = ["onConnectionEnd", "onMessage", "transport", "cluster"] as const;

/**
 * The options `serveWorkers()` copies to each worker: every serve() option
 * but those bound to a thread.
 *
 * @throws {TypeError} an option that cannot cross to a thread.
 */
export function crossingOptions(options: Record<string, unknown>): Record<string, unknown> {
  for (const name of THREAD_BOUND) {
    if (options[name] !== undefined) {
      throw new TypeError(
        `Cannot give ${name} to serveWorkers(): it cannot cross to a thread; export it from the module's serveOptions`,
      );
    }
  }
  return options;
}
