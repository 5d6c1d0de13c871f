/**
 * A worker thread's side: imports the handler module, joins the cluster
 * through its hub port (or its own bus on the set's engine), serves with `reusePort`, tells the supervisor, and
 * shuts down when told. A crash outside every connection's handler (a timer
 * of the module, say) ends the worker's connections at once, so that their
 * end hooks run here, before the thread dies for the supervisor to restart it.
 *
 * @module
 */
import process from "node:process";
import { parentPort } from "node:worker_threads";
import { escapingLogger, joinCluster, nodeOfConnection, serve, type ShutdownOptions } from "../../../mod.ts";
import { connectPortBus, type PortLike } from "../../_internal.ts";
import { joinEngine } from "./worker_engine.ts";
import type { FromWorker, ToWorker, WorkerData } from "./_protocol.ts";
import { handlerOf, serveOptionsOf, type WorkerModule } from "./worker_module.ts";

/** Runs this thread as worker `data.index`; throws (ending the thread) when it cannot start. */
export async function runWorker(data: WorkerData): Promise<void> {
  const parent = parentPort!;
  const tell = (message: FromWorker) => parent.postMessage(message);
  const module = await import(data.module) as WorkerModule & Record<string, unknown>;
  const handler = handlerOf(module, data.module, data.exportName);
  const { index, restarts } = data;
  // On an engine, this worker is a node of the engine's cluster, its number claimed there; else one of the hub's.
  const joined = data.engine === undefined
    ? { bus: connectPortBus(data.bus as unknown as PortLike), node: data.node }
    : await joinEngine(data.engine);
  const { bus, node } = joined;
  const ended = new AbortController();
  const listeners = new Set<(message: unknown) => void>();
  const onTell = (listener: (message: unknown) => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };
  const own = await serveOptionsOf(module, { index, node, restarts, data: data.data, signal: ended.signal, onTell });
  const logger = escapingLogger(own.logger);
  const { reportInterval, expireAfter } = data;
  const cluster = joinCluster({ bus, node, logger, reportInterval, expireAfter });
  const server = await serve({ ...data.options, ...own, port: data.port, reusePort: true, cluster }, handler)
    .catch(async (error) => {
      ended.abort(error);
      await bus.close();
      throw error;
    });

  let ending = false;
  const end = async (options: ShutdownOptions, code: number) => {
    if (ending) return;
    ending = true;
    try {
      const report = await server.shutdown(options);
      ended.abort();
      tell({ type: "shut-down", report });
      await bus.close();
    } finally {
      process.exit(code);
    }
  };
  parent.on("message", (message: ToWorker) => {
    if (message.type === "shutdown") void end(message.options, 0);
    else if (message.type === "tell") {
      for (const listener of listeners) {
        try {
          listener(message.message);
        } catch (error) {
          logger.error("worker {index} (node {node}): a listener of tell() threw: {error}", { index, node, error });
        }
      }
    }
  });
  const crashed = (error: unknown) => {
    logger.error("worker {index} (node {node}) crashed; closing its {count} connections: {error}", {
      index,
      node,
      count: [...server.connections()].filter((conn) => nodeOfConnection(conn.id) === node).length,
      error,
    });
    void end({ timeout: 0, quietPeriod: 0 }, 1);
  };
  process.on("uncaughtException", crashed);
  process.on("unhandledRejection", crashed);
  tell({ type: "listening", hostname: server.addr.hostname, port: server.addr.port, node });
}
