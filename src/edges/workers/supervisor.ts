/**
 * The supervisor: starts the workers (threads, node:worker_threads), joins
 * them through a hub, restarts the ones that die, and shuts them all down.
 *
 * Invariants (the supervision tree, one level up):
 * 1. Signal (options.signal, or the process's SIGTERM by the caller) → set →
 *    each worker's server → its connections. Each worker runs its own
 *    graceful shutdown; the set's settles when the last worker has exited.
 * 2. A worker that dies is forgotten by the cluster at once (the others drop
 *    its connections), and its sockets are closed: its thread's end closes
 *    them on every runtime, and a crash outside the handlers closes them
 *    first, running their end hooks (worker_thread.ts).
 * 3. It is restarted after a back-off, unless that would be one restart more
 *    than `maxRestarts` within `restartPeriod`: then the set stops, and
 *    `finished` rejects with a {@linkcode RestartLimitError}.
 * 4. Every worker but the first listens on the first one's port, so port 0
 *    works: the kernel picks a free port once, and the others share it.
 *
 * @module
 */
import { availableParallelism } from "node:os";
import process from "node:process";
import { Worker } from "node:worker_threads";
import {
  type Address,
  type Cluster,
  escapingLogger,
  joinCluster,
  type ShutdownOptions,
  type ShutdownReport,
} from "../../../mod.ts";
import { checkNumber, createPortHub } from "../../_internal.ts";
import { type FromWorker, type ToWorker, WORKER_MARK, type WorkerData } from "./_protocol.ts";
import {
  DEFAULT_MAX_RESTARTS,
  DEFAULT_RESTART_BACKOFF,
  DEFAULT_RESTART_PERIOD,
  RestartPolicy,
} from "./restart_policy.ts";
import { connectEngine, resolveEngine } from "./worker_engine.ts";
import { crossingOptions } from "./worker_module.ts";
import { DEFAULT_WORKERS, RestartLimitError, type WorkerSet, type WorkersOptions } from "./worker_set.ts";

/** Where SO_REUSEPORT spreads connections over listeners; elsewhere one worker serves. */
const SPREADS_CONNECTIONS = process.platform === "linux";

/** Past the workers' own deadline, a worker that has not exited is terminated. */
const EXIT_MARGIN_MS = 2000;

interface Slot {
  readonly index: number;
  worker: Worker | undefined;
  node: number;
  clusterNode: number; // the hub's `node`, or the number it claimed on the engine (0 until it says)
  restarts: number;
  listening: boolean;
  report: ShutdownReport | undefined;
  restartTimer: ReturnType<typeof setTimeout> | undefined;
  /** Settles when the current thread has exited. */
  exited: Promise<void>;
}

/**
 * Starts the set (see `serveWorkers()` in workers.ts); `entry` is the URL of
 * the module each thread starts from, which runs `runWorker()` there.
 */
export async function superviseWorkers<Message = unknown>(
  options: WorkersOptions<Message>,
  entry: string,
): Promise<WorkerSet> {
  const {
    module,
    exportName,
    workers,
    data,
    logger: supervisorLogger,
    signal,
    maxRestarts,
    restartPeriod,
    restartBackoff,
    reportInterval,
    expireAfter,
    port: requestedPort,
    engine: givenEngine,
    ...serveOptions
  } = options;
  const engine = resolveEngine(givenEngine, process.cwd());
  const logger = escapingLogger(supervisorLogger);
  const forWorkers = crossingOptions(serveOptions as Record<string, unknown>);
  let count = checkNumber("workers", workers) ?? DEFAULT_WORKERS;
  // 0: one per core.
  if (count === 0) count = availableParallelism();
  if (count > 1 && !SPREADS_CONNECTIONS) {
    logger.warn("serving from 1 worker, not {count}: reusePort spreads connections over listeners on Linux only", {
      count,
    });
    count = 1;
  }
  const period = checkNumber("restartPeriod", restartPeriod) ?? DEFAULT_RESTART_PERIOD;
  const limit = checkNumber("maxRestarts", maxRestarts) ?? DEFAULT_MAX_RESTARTS;
  const policy = new RestartPolicy(
    limit,
    period,
    checkNumber("restartBackoff", restartBackoff) ?? DEFAULT_RESTART_BACKOFF,
  );
  const moduleUrl = new URL(module, `file://${process.cwd()}/`).href;

  const hub = createPortHub();
  // The supervisor's own view (on an engine, through a bus of its own): it sums the reports, tells when one dies.
  const observerBus = engine === undefined ? hub.connect(0) : await connectEngine(engine);
  const observer: Cluster = joinCluster({ bus: observerBus, node: 0, logger, reportInterval, expireAfter });
  const slots: Slot[] = Array.from({ length: count }, (_, i) => ({
    index: i + 1,
    worker: undefined,
    node: 0,
    clusterNode: 0,
    restarts: 0,
    listening: false,
    report: undefined,
    restartTimer: undefined,
    exited: Promise.resolve(),
  }));
  let nextNode = 1;
  let totalRestarts = 0;
  let port = checkNumber("port", requestedPort) ?? 0;
  let addr: Address | undefined;
  let stopping: Promise<ShutdownReport> | undefined;
  let shutdownOptions: ShutdownOptions = {};
  let failure: RestartLimitError | undefined;
  let settleFinished!: (error?: unknown) => void;
  const finished = new Promise<void>((resolve, reject) =>
    settleFinished = (error) => error === undefined ? resolve() : reject(error)
  );
  finished.catch(() => {}); // the caller may never look; the error is logged
  // Who waits for the set to listen: every slot's first `listening`, or the limit.
  let onListening: (() => void) | undefined;
  let onStartFailure: ((error: unknown) => void) | undefined;

  const start = (slot: Slot): void => {
    slot.restartTimer = undefined;
    slot.node = nextNode++;
    slot.clusterNode = engine === undefined ? slot.node : 0;
    slot.listening = false;
    const channel = hub.attach(slot.node);
    const workerData: WorkerData = {
      [WORKER_MARK]: true,
      index: slot.index,
      node: slot.node,
      restarts: slot.restarts,
      module: moduleUrl,
      exportName,
      options: forWorkers,
      port,
      bus: channel,
      engine,
      data,
      reportInterval,
      expireAfter,
    };
    // deno-lint-ignore no-explicit-any -- a web MessagePort is transferable; Node's typings want their own
    const worker = new Worker(new URL(entry), { workerData, transferList: [channel as any] });
    slot.worker = worker;
    let lastError: unknown;
    slot.exited = new Promise((resolve) => {
      worker.on("error", (error) => lastError = error);
      worker.on("exit", (code) => {
        resolve();
        exited(slot, worker, code, lastError);
      });
    });
    worker.on("message", (message: FromWorker) => {
      if (message.type === "shut-down") slot.report = message.report;
      else if (message.type === "listening") listened(slot, message);
    });
  };

  const listened = (slot: Slot, message: Extract<FromWorker, { type: "listening" }>): void => {
    slot.listening = true;
    slot.clusterNode = message.node;
    if (addr === undefined) {
      addr = { hostname: message.hostname, port: message.port };
      port = message.port;
      // The first worker picked the port: the others join it.
      for (const other of slots) if (other.worker === undefined && stopping === undefined) start(other);
    }
    logger.info("worker {index} (node {node}) listening on {hostname}:{port}", { ...slot, ...message });
    if (slots.every((s) => s.listening)) onListening?.();
  };

  const exited = (slot: Slot, worker: Worker, code: number, error: unknown): void => {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    hub.detach(slot.node);
    // The others drop its connections now, not at the expiry (on an engine, its number there).
    if (slot.clusterNode !== 0) observer.forget(slot.clusterNode);
    if (stopping !== undefined) return;
    const verdict = policy.died(slot.index, Date.now());
    const why = error ?? `exit code ${code}`;
    if (!verdict.restart) {
      failure = new RestartLimitError(slot.index, verdict.restarts, period, limit, error);
      logger.error("{message}: {error}", { message: failure.message, error: why });
      onStartFailure?.(failure);
      // stop() settles `finished` with the failure; a fault while stopping is a line, never an unhandled rejection.
      stop({}, failure).catch(stopFailed);
      return;
    }
    totalRestarts++;
    slot.restarts++;
    logger.warn("worker {index} (node {node}) died ({error}); restarting it in {ms} ms", {
      index: slot.index,
      node: slot.node,
      error: why,
      ms: verdict.delayMs,
    });
    slot.restartTimer = setTimeout(() => start(slot), verdict.delayMs);
  };

  const stop = (options: ShutdownOptions, error?: RestartLimitError): Promise<ShutdownReport> => {
    if (stopping !== undefined) return stopping;
    shutdownOptions = options;
    stopping = (async () => {
      const started = Date.now();
      const deadline = (checkNumber("timeout", options.timeout) ?? 5) * 1000 + EXIT_MARGIN_MS;
      for (const slot of slots) {
        clearTimeout(slot.restartTimer);
        const worker = slot.worker;
        if (worker === undefined) continue;
        // A worker not listening yet has no connections: nothing to drain.
        // A worker that already exited has nothing to terminate: its exit is what the loop below waits for.
        if (!slot.listening) worker.terminate().catch(() => {});
        else worker.postMessage({ type: "shutdown", options: shutdownOptions } satisfies ToWorker);
      }
      const timer = setTimeout(() => {
        for (const slot of slots) slot.worker?.terminate().catch(() => {});
      }, deadline);
      await Promise.all(slots.map((slot) => slot.exited));
      clearTimeout(timer);
      observer.close();
      hub.close();
      if (engine !== undefined) await observerBus.close().catch(stopFailed);
      signal?.removeEventListener("abort", onAbort);
      const reports = slots.flatMap((slot) => slot.report === undefined ? [] : [slot.report]);
      settleFinished(error);
      return {
        connections: reports.reduce((sum, report) => sum + report.connections, 0),
        forced: reports.reduce((sum, report) => sum + report.forced, 0),
        durationMs: Date.now() - started,
      };
    })();
    return stopping;
  };
  const stopFailed = (error: unknown) => logger.error("workers: cannot stop: {error}", { error });
  const onAbort = () => void stop({}).catch(stopFailed);

  const set: WorkerSet = {
    get addr() {
      return addr!;
    },
    workers: count,
    get restarts() {
      return totalRestarts;
    },
    get size() {
      return observer.size;
    },
    get stats() {
      return observer.stats;
    },
    finished,
    shutdown: (options = {}) => stop(options),
    tell: (message) => {
      if (stopping !== undefined) return 0;
      let told = 0;
      for (const slot of slots) {
        if (slot.worker === undefined || !slot.listening) continue;
        slot.worker.postMessage({ type: "tell", message } satisfies ToWorker);
        told++;
      }
      return told;
    },
    [Symbol.asyncDispose]: async () => void await stop({}),
  };

  await new Promise<void>((resolve, reject) => {
    onListening = resolve;
    onStartFailure = reject;
    if (signal?.aborted) return reject(signal.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    // With port 0, the first worker picks the port and the others start once it has; with a port, all at once.
    if (port === 0) start(slots[0]!);
    else for (const slot of slots) start(slot);
  }).catch(async (error) => {
    await stop({});
    throw failure ?? error;
  });
  onListening = undefined;
  onStartFailure = undefined;
  logger.info("{count} workers listening on {hostname}:{port}", { count, ...addr! });
  return set;
}
