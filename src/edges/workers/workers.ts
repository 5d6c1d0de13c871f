/**
 * spawnkit/workers: the same handler on every core. N worker threads each
 * run `serve()` on one port with `reusePort`, the kernel spreads connections
 * over them, and a hub over MessagePorts joins them into one cluster: inside
 * a handler, `server.broadcast()`, `post()`, `size`, `stats`, `get()` and
 * `connections()` mean every worker, and connection ids are unique across
 * them. Frames never leave the worker that read them.
 *
 * Threads are node:worker_threads on Deno, Bun and Node alike: one API on
 * all three with an `exit` event and its code, which supervision needs (a
 * web Worker that dies or closes itself only goes quiet), and Node has no
 * web Worker. Starting one costs about 0.2 s more than a web Worker on Deno
 * and Bun (measured: 0.5-0.7 s against 0.2-0.5 s), once per start.
 *
 * This module is also each worker thread's entry: the supervisor starts
 * threads from its own URL, and there it runs the worker's side.
 *
 * @module
 */
import { isMainThread, workerData } from "node:worker_threads";
import { isWorkerData } from "./_protocol.ts";
import { superviseWorkers } from "./supervisor.ts";
import type { WorkerSet, WorkersOptions } from "./worker_set.ts";
import { runWorker } from "./worker_thread.ts";

export { RestartLimitError, type WorkerSet, type WorkersOptions } from "./worker_set.ts";
export type { RestartOptions } from "./restart_policy.ts";
export type { WorkerContext, WorkerHandler, WorkerModule, WorkerServeOptions } from "./worker_module.ts";
export type { WorkerEngine } from "./worker_engine.ts";
// The hub and bus over MessagePorts the workers share: a cluster in one process, for tests and tools.
export {
  type ChannelPort,
  connectPortBus,
  createPortHub,
  type PortBusOptions,
  type PortHub,
  type PortHubMemberStats,
  type PortHubOptions,
  type PortLike,
} from "../../_internal.ts";

/**
 * Serves the handler of `options.module` from `options.workers` threads (0:
 * one per core) on one port. The module is the one whose handler `serve()`
 * takes: a default export or an export named `handler` (or `exportName`),
 * and optionally `serveOptions` for what cannot cross to a thread (a logger,
 * an end hook). Settles once every worker listens.
 *
 * Call it from the main script, never from the handler module itself (each
 * worker imports that module).
 *
 * @throws {TypeError} an option that cannot cross to a thread (`onConnectionEnd`, `onMessage`, `transport`), or a call from inside a worker.
 * @throws {RangeError} a bad count or restart option.
 * @throws {RestartLimitError} the workers kept dying before they all listened.
 * @example Two workers on one port, shut down on SIGTERM
 * ```ts ignore
 * import process from "node:process";
 * import { serveWorkers } from "spawnkit/workers";
 * const set = await serveWorkers({ module: new URL("./chat.ts", import.meta.url), exportName: "chat", workers: 2, port: 7001 });
 * process.on("SIGTERM", () => void set.shutdown({ timeout: 5 }).then(() => process.exit(0)));
 * ```
 */
export function serveWorkers<Message = unknown>(options: WorkersOptions<Message>): Promise<WorkerSet> {
  if (isWorkerData(workerData)) {
    return Promise.reject(
      new TypeError("Cannot serve workers from inside a worker: keep serveWorkers() out of the handler module"),
    );
  }
  return superviseWorkers(options, import.meta.url);
}

// No top-level await (the bundle stays loadable everywhere): a failure to start rejects unhandled,
// which ends the thread with that error as its "error" event, on every runtime.
if (!isMainThread && isWorkerData(workerData)) runWorker(workerData);
