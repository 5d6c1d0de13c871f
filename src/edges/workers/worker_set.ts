/**
 * The set's API: the options of `serveWorkers()`, the running set it
 * returns, and the error that stops it.
 *
 * @module
 */
import type { Address, Logger, ServeOptions, ServerStats, ShutdownOptions, ShutdownReport } from "../../../mod.ts";
import type { RestartOptions } from "./restart_policy.ts";
import type { WorkerEngine } from "./worker_engine.ts";

/** The default `workers`: 0, one per core. */
export const DEFAULT_WORKERS = 0;

/** Options of `serveWorkers()`: the module, the set, and every serve() option that can cross to a thread. */
export interface WorkersOptions<Message = unknown>
  extends
    Omit<ServeOptions<Message>, "onConnectionEnd" | "onMessage" | "transport" | "cluster" | "reusePort">,
    RestartOptions {
  /** The handler module (see worker_module.ts): the module whose handler `serve()` would take. */
  module: URL | string;
  /** The export of `module` that is the handler. @default {"default"}, then "handler" */
  exportName?: string;
  /** How many workers; 0 is one per core. @default {0} */
  workers?: number;
  /** Copied to every worker's `serveOptions(context)` as `context.data` (flags, a config). */
  data?: unknown;
  /** The supervisor's log: starts, restarts, the limit. Workers log through their module's `serveOptions`. @default warnings and errors to the console */
  logger?: Logger;
  /** Aborting it shuts every worker down (as `shutdown()` with its defaults). */
  signal?: AbortSignal;
  /** Seconds between a worker's reports of its figures to the others. @default {1} */
  reportInterval?: number;
  /** Seconds after which a worker that stopped reporting is forgotten by the others. @default {5} */
  expireAfter?: number;
  /**
   * An engine (NATS, Redis) whose cluster every worker joins as a node of its
   * own, reachable from other machines (worker_engine.ts says why not a
   * bridge): each worker imports `engine.module` and awaits its export
   * (`connectBus` by default) called with `engine.options` for a bus, and
   * claims its node number on it. The set's `size` and `stats` are then the
   * engine cluster's, every node's. One `shutdown()` (or SIGTERM in the
   * examples) still drains every worker of the set.
   * @default none: the workers' own hub, this machine alone
   */
  engine?: WorkerEngine;
}

/** A running set of workers, returned by `serveWorkers()`. */
export interface WorkerSet extends AsyncDisposable {
  /** The address every worker listens on. */
  readonly addr: Address;
  /** How many workers the set runs. */
  readonly workers: number;
  /** Restarts so far. */
  readonly restarts: number;
  /** Connections open on every worker (with an `engine`: on every node of its cluster), as last reported. */
  readonly size: number;
  /** Every worker's figures summed, as last reported. */
  readonly stats: ServerStats;
  /** Settles when every worker has exited; rejects with a {@linkcode RestartLimitError} when the set stopped on it. */
  readonly finished: Promise<void>;
  /**
   * Shuts every worker down gracefully (each its own quiet period and
   * deadline); settles with the sum of their reports once the last has exited.
   */
  shutdown(options?: ShutdownOptions): Promise<ShutdownReport>;
  /**
   * Sends `message` (structured-cloned) to every worker that is listening,
   * for its module's `context.onTell` listeners: new code to load, a config
   * to reread. Returns how many workers it was sent to. A worker that starts
   * later (a restart) does not get it: it imports its module afresh.
   */
  tell(message: unknown): number;
}

/**
 * Too many restarts within the period: the set stopped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RestartLimitError } from "spawnkit/workers";
 * const error = new RestartLimitError(2, 6, 10, 5, new Error("boom"));
 * assert.equal(error.message, "Cannot restart worker 2: 6 restarts within 10 seconds (limit 5); the set stopped");
 * ```
 */
export class RestartLimitError extends Error {
  /** The worker whose death went over the limit. */
  readonly worker: number;

  /** Builds the error: `worker` died once more than `limit` restarts allow within `period` seconds. */
  constructor(worker: number, restarts: number, period: number, limit: number, cause: unknown) {
    super(
      `Cannot restart worker ${worker}: ${restarts} restarts within ${period} seconds (limit ${limit}); the set stopped`,
      { cause },
    );
    this.name = "RestartLimitError";
    this.worker = worker;
  }
}
