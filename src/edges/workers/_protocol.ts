/**
 * What the supervisor and a worker thread say to each other over the
 * worker's own channel (worker_threads' parentPort); cluster traffic goes
 * over the hub's port instead.
 *
 * @module
 */
import type { ShutdownOptions, ShutdownReport } from "../../../mod.ts";
import type { ChannelPort } from "../../_internal.ts";
import type { WorkerEngine } from "./worker_engine.ts";

/** The key of workerData that marks a thread as a spawnkit worker. */
export const WORKER_MARK = "spawnkit.worker";

/** What a worker thread is started with (structured-cloned; `bus` transferred). */
export interface WorkerData {
  readonly [WORKER_MARK]: true;
  readonly index: number;
  readonly node: number;
  readonly restarts: number;
  /** The handler module's URL. */
  readonly module: string;
  readonly exportName: string | undefined;
  /** serve() options, copied. */
  readonly options: Record<string, unknown>;
  /** The port to listen on (the first worker's, once it has one). */
  readonly port: number;
  /** This worker's end of the hub. */
  readonly bus: ChannelPort;
  /** The engine whose cluster the worker joins instead of the hub's (its module's URL resolved), if any. */
  readonly engine: WorkerEngine | undefined;
  /** `serveWorkers({ data })`, copied. */
  readonly data: unknown;
  /** The cluster's report interval and expiry, seconds. */
  readonly reportInterval: number | undefined;
  readonly expireAfter: number | undefined;
}

/** Supervisor to worker. */
export type ToWorker =
  | { readonly type: "shutdown"; readonly options: ShutdownOptions }
  | { readonly type: "tell"; readonly message: unknown };

/** Worker to supervisor. */
export type FromWorker =
  | { readonly type: "listening"; readonly hostname: string; readonly port: number; readonly node: number }
  | { readonly type: "shut-down"; readonly report: ShutdownReport };

/** True when `data` is what a spawnkit supervisor starts its threads with. */
export function isWorkerData(data: unknown): data is WorkerData {
  return typeof data === "object" && data !== null && (data as Record<string, unknown>)[WORKER_MARK] === true;
}
