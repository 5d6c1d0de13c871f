/**
 * The edges of the example servers, from their flags: the CSV server table
 * (--config, --server-id), connection records (--records), server records
 * (--stats, --stats-every), logging (--log-level, --log-format) and the
 * Prometheus endpoint (--metrics-port).
 *
 * @module
 */
import type { ConnectionStats, Logger, Server, ServerStats } from "spawnkit";
import { serverOptionsFromTable, ServerTableError, type ServerTableOptions } from "spawnkit/config";
import { type ConnectionRecords, openConnectionRecords, openServerRecords, type ServerRecords } from "spawnkit/records";
import { configureLogging, LOG_FORMATS, LOG_LEVELS } from "spawnkit/logging";
import { type MetricsServer, serveMetrics } from "spawnkit/metrics";
import { choiceFlag, optionFlag, positiveFlag, UsageError } from "./_flags.ts";

/** The flags {@linkcode openEdges} reads; spread them into `parseFlags`' options. */
export const EDGE_FLAGS = {
  config: { type: "string" },
  "server-id": { type: "string" },
  records: { type: "string" },
  stats: { type: "string" },
  "stats-every": { type: "string" },
  "log-level": { type: "string" },
  "log-format": { type: "string" },
  "metrics-port": { type: "string" },
} as const;

/** What the edges give the server. */
export interface Edges {
  /** The LogTape logger for `serve({ logger })`. */
  readonly logger: Logger;
  /** For `serve({ onConnectionEnd })`: the connection records sink. */
  readonly onConnectionEnd: (stats: ConnectionStats) => void;
  /** Starts the server records and gives the metrics their server (or set of workers), once it listens. */
  watch(server: Pick<Server, "stats">): void;
  /** Writes the last server record, closes the files and stops the metrics endpoint. */
  close(): Promise<void>;
}

/** The endpoint of --metrics-port, returned by {@linkcode openMetrics}. */
export interface MetricsEdge {
  /** Gives the endpoint the server (or anything with `stats`) whose figures it serves. */
  watch(server: { readonly stats: ServerStats }): void;
  /** Stops the endpoint. */
  close(): Promise<void>;
}

/**
 * The Prometheus endpoint of --metrics-port on `hostname`, or nothing without
 * the flag. It binds before the server listens, so that a port in use is one
 * line and exit code 2 with nothing listening; a scrape before `watch()` gets a
 * 500. Prints `metrics on http://HOST:PORT/metrics`.
 */
export async function openMetrics(flag: string | undefined, hostname: string, logger: Logger): Promise<MetricsEdge> {
  const port = optionFlag("metrics-port", "port", flag);
  if (port === undefined) return { watch() {}, close: () => Promise.resolve() };
  let watched: { readonly stats: ServerStats } | undefined;
  const figures = (): ServerStats => {
    if (watched === undefined) throw new Error("Cannot read the server's figures: it is not listening yet");
    return watched.stats;
  };
  let metrics: MetricsServer;
  try {
    metrics = await serveMetrics(figures, { port, hostname, logger });
  } catch (error) {
    throw new UsageError(`--metrics-port ${port}: ${(error as Error).message}`);
  }
  console.log(`metrics on ${metrics.url}`);
  return { watch: (server) => watched = server, close: () => metrics.close() };
}

type EdgeFlags = Record<keyof typeof EDGE_FLAGS, string | undefined>;

/**
 * This server's row of the table (--config, --server-id), or nothing without
 * --config; flags go on top of it. A bad table is a UsageError: one line naming
 * file, line, column and value, exit code 2, and nothing listens.
 */
export async function tableFromFlags(flags: EdgeFlags): Promise<Partial<ServerTableOptions>> {
  if ((flags.config === undefined) !== (flags["server-id"] === undefined)) {
    throw new UsageError("--config and --server-id go together");
  }
  if (flags.config === undefined) return {};
  try {
    return await serverOptionsFromTable(flags.config, flags["server-id"]!);
  } catch (error) {
    if (!(error instanceof ServerTableError)) throw error;
    throw new UsageError(error.message);
  }
}

/**
 * Reads the other edge flags: configures logging, opens the records files and
 * binds the metrics endpoint on `hostname`. Call it last, before serve().
 */
export async function openEdges(flags: EdgeFlags, hostname = "127.0.0.1"): Promise<Edges> {
  const level = choiceFlag("log-level", flags["log-level"], LOG_LEVELS);
  const format = choiceFlag("log-format", flags["log-format"], LOG_FORMATS);
  if (flags["stats-every"] !== undefined && flags.stats === undefined) {
    throw new UsageError("--stats-every needs --stats FILE");
  }
  const every = positiveFlag("stats-every", flags["stats-every"]);
  const logger = await configureLogging({ level, format });

  let records: ConnectionRecords | undefined;
  let stats: ServerRecords | undefined;
  try {
    if (flags.records !== undefined) records = openConnectionRecords(flags.records);
    if (flags.stats !== undefined) stats = openServerRecords(flags.stats, { every, logger });
  } catch (error) {
    records?.close();
    throw new UsageError((error as Error).message);
  }
  let metrics: MetricsEdge;
  try {
    metrics = await openMetrics(flags["metrics-port"], hostname, logger);
  } catch (error) {
    stats?.close();
    records?.close();
    throw error;
  }
  return {
    logger,
    onConnectionEnd: (end) => records?.onConnectionEnd(end),
    watch(server) {
      stats?.watch(server);
      metrics.watch(server);
    },
    async close() {
      stats?.close();
      records?.close();
      await metrics.close();
    },
  };
}

/** `options` without its undefined fields, so that absent flags do not hide the table's values. */
export function defined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
