/**
 * The kit's server figures as Prometheus metric families, on a prom-client
 * registry. Each scrape reads the figures once (`server.stats`, which walks
 * the open connections for their live bytes) and every family is set from that
 * one snapshot, so that the families of one scrape agree with each other
 * (active + closed = accepted).
 *
 * @module
 */
import type { Registry } from "prom-client";
import { CLOSE_REASONS, type RefusalReason, type ServerStats } from "../../../mod.ts";
// prom-client is an optional peer dependency of the npm package: without it, say which package to install.
const promClient = await import("prom-client").catch((cause: Error) => {
  throw new Error(
    `Cannot import spawnkit/metrics: it needs the package prom-client (npm install prom-client): ${cause.message}`,
    { cause },
  );
});

/**
 * Where the figures come from: a server (anything with `stats`, such as the
 * `Server` that `serve()` returns), or a function that returns them (at once
 * or as a promise: figures summed over workers, say).
 */
export type StatsSource = { readonly stats: ServerStats } | (() => ServerStats | Promise<ServerStats>);

/**
 * A prom-client `Registry`, by the members this edge reads: pass your own
 * (`new Registry()` from prom-client) to have the server's families beside
 * your metrics, and read the text from the one returned.
 */
export interface MetricsRegistry {
  /** Every metric of the registry in Prometheus' text format. */
  metrics(): Promise<string>;
  /** The content type of that text, for the HTTP answer. */
  readonly contentType: string;
}

/** The default `prefix` of every family's name. */
export const DEFAULT_METRICS_PREFIX = "spawnkit_";

/** Options of {@linkcode registerServerMetrics} and {@linkcode renderMetrics}. */
export interface ServerMetricsOptions<R extends MetricsRegistry = MetricsRegistry> {
  /** The prom-client registry to add the families to (your own, next to your metrics). @default {a new Registry} */
  registry?: R;
  /** The start of every family's name; two servers in one registry need two prefixes. @default {"spawnkit_"} */
  prefix?: string;
}

// Every refusal reason, so that each has a sample (0 until it happens) from the first scrape on.
const REFUSAL_REASONS: readonly RefusalReason[] = Object.keys(
  {
    "max-connections": true,
    "max-connections-per-address": true,
    "untrusted-proxy-source": true,
  } satisfies Record<RefusalReason, true>,
) as RefusalReason[];

type Counts = Readonly<Partial<Record<string, number>>>;

/** One family: its name after the prefix, help, type, and how to read it from the figures. */
interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "gauge";
  /** A family with a label: the label's name, the values that always have a sample, and the counts. */
  readonly label?: { readonly name: string; readonly known: readonly string[]; read(stats: ServerStats): Counts };
  /** A family without a label: its one value. */
  read?(stats: ServerStats): number;
}

/** The families, in the order they are written. Counters end in _total (Prometheus' naming rule). */
const FAMILIES: readonly Family[] = [
  {
    name: "connections_accepted_total",
    help: "Connections accepted since the server started.",
    type: "counter",
    read: (s) => s.accepted,
  },
  { name: "connections_active", help: "Connections open now.", type: "gauge", read: (s) => s.active },
  {
    name: "connections_closed_total",
    help: "Ended connections, by close reason.",
    type: "counter",
    label: { name: "reason", known: CLOSE_REASONS, read: (s) => s.closedByReason },
  },
  {
    name: "connections_refused_total",
    help: "Connections closed at once because a limit was reached, by limit.",
    type: "counter",
    label: { name: "limit", known: REFUSAL_REASONS, read: (s) => s.refused },
  },
  {
    name: "received_bytes_total",
    help: "Bytes received, over ended and open connections.",
    type: "counter",
    read: (s) => s.bytesIn,
  },
  {
    name: "sent_bytes_total",
    help: "Bytes written, over ended and open connections.",
    type: "counter",
    read: (s) => s.bytesOut,
  },
  {
    name: "frames_dropped_total",
    help: "Broadcast frames dropped because an outbox was over its high-water mark (slow consumers).",
    type: "counter",
    read: (s) => s.framesDropped,
  },
  {
    name: "messages_dropped_total",
    help: "Posted messages dropped (full mailboxes, nowhere to go).",
    type: "counter",
    read: (s) => s.messagesDropped,
  },
  {
    name: "accept_errors_total",
    help: "Accept errors, by errno code.",
    type: "counter",
    label: { name: "code", known: [], read: (s) => s.acceptErrors },
  },
  {
    name: "accept_pauses_total",
    help: "Times accepting paused for 100 ms after resource exhaustion.",
    type: "counter",
    read: (s) => s.acceptPauses,
  },
];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** The label values to write: the known ones (0 until counted), then any other counted, sorted. */
function labelValues(known: readonly string[], counts: Counts): string[] {
  const others = Object.keys(counts).filter((value) => !known.includes(value)).sort();
  return [...known, ...others];
}

/** Reads the figures once per scrape: every family's collect in one scrape shares the snapshot. */
function snapshotOf(source: StatsSource): () => Promise<ServerStats> {
  const read = typeof source === "function" ? source : () => source.stats;
  let pending: Promise<ServerStats> | undefined;
  return () => {
    if (pending === undefined) {
      // A registry starts every family's collect in one synchronous pass (Promise.all over its metrics),
      // so the snapshot is dropped at the end of that pass. Were they run one after another, each would
      // read its own snapshot: still right, only dearer.
      pending = new Promise<ServerStats>((resolve) => resolve(read()));
      queueMicrotask(() => pending = undefined);
    }
    return pending;
  };
}

/**
 * Adds the kit's families to a prom-client registry and returns it. Each
 * scrape (`registry.metrics()`) reads the figures once. The families, with the
 * default prefix: `spawnkit_connections_accepted_total`,
 * `spawnkit_connections_active` (a gauge), `spawnkit_connections_closed_total`
 * by `reason`, `spawnkit_connections_refused_total` by `limit`,
 * `spawnkit_received_bytes_total`, `spawnkit_sent_bytes_total`,
 * `spawnkit_frames_dropped_total`, `spawnkit_messages_dropped_total`,
 * `spawnkit_accept_errors_total` by errno `code` and
 * `spawnkit_accept_pauses_total`. Every close reason and refusal limit has a
 * sample from the first scrape on (0 until it happens), so that `rate()` sees
 * the first one.
 *
 * @throws {TypeError} a prefix that does not start a valid metric name.
 * @throws {Error} the registry has a family of one of these names already.
 * @example The kit's families next to your own metrics
 * ```ts
 * import assert from "node:assert/strict";
 * import { Counter, Registry } from "prom-client";
 * import { serve, silentLogger } from "spawnkit";
 * import { registerServerMetrics } from "spawnkit/metrics";
 *
 * const registry = new Registry();
 * const games = new Counter({ name: "games_started_total", help: "Games started.", registers: [registry] });
 * games.inc();
 * const server = await serve({ port: 0, logger: silentLogger }, () => {});
 * registerServerMetrics(server, { registry });
 * const text = await registry.metrics();
 * assert.match(text, /^games_started_total 1$/m);
 * assert.match(text, /^spawnkit_connections_active 0$/m);
 * assert.match(text, /^spawnkit_connections_closed_total\{reason="peer-closed"\} 0$/m);
 * await server.shutdown();
 * ```
 */
export function registerServerMetrics<R extends MetricsRegistry = MetricsRegistry>(
  source: StatsSource,
  options: ServerMetricsOptions<R> = {},
): R {
  const prefix = options.prefix ?? DEFAULT_METRICS_PREFIX;
  if (typeof prefix !== "string" || !METRIC_NAME.test(`${prefix}x`)) {
    throw new TypeError(`Cannot use metrics prefix ${JSON.stringify(prefix)}: must match [a-zA-Z_:][a-zA-Z0-9_:]*`);
  }
  // A registry given in the options is a prom-client Registry (see MetricsRegistry).
  const registry = (options.registry ?? new promClient.Registry()) as unknown as Registry;
  const snapshot = snapshotOf(source);
  for (const family of FAMILIES) {
    const name = `${prefix}${family.name}`;
    const label = family.label;
    const labelNames = label === undefined ? [] : [label.name];
    if (family.type === "gauge") {
      new promClient.Gauge({
        name,
        help: family.help,
        labelNames,
        registers: [registry],
        async collect() {
          this.set(family.read!(await snapshot()));
        },
      });
      continue;
    }
    new promClient.Counter({
      name,
      help: family.help,
      labelNames,
      registers: [registry],
      async collect() {
        const stats = await snapshot();
        // A counter cannot be set: the kit counts, so each scrape starts from zero and adds the kit's figure.
        this.reset();
        if (label === undefined) return void this.inc(family.read!(stats));
        const counts = label.read(stats);
        for (const value of labelValues(label.known, counts)) this.inc({ [label.name]: value }, counts[value] ?? 0);
      },
    });
  }
  return registry as unknown as R;
}

/**
 * The figures of `source` now, in the Prometheus text exposition format 0.0.4
 * (served as `text/plain; version=0.0.4; charset=utf-8`).
 *
 * @throws {TypeError} a bad prefix (see {@linkcode registerServerMetrics}).
 * @example One connection accepted and ended
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, serve, silentLogger } from "spawnkit";
 * import { renderMetrics } from "spawnkit/metrics";
 *
 * const server = await serve({ port: 0, logger: silentLogger }, async (conn) => {
 *   for await (const frame of conn) await conn.send(frame);
 * });
 * const client = await connect({ port: server.addr.port, logger: silentLogger });
 * await client.send(new Uint8Array([1, 2, 3]));
 * await client.receive();
 * client.close();
 * await server.shutdown();
 * const text = await renderMetrics(server);
 * assert.match(text, /^# TYPE spawnkit_connections_accepted_total counter$/m);
 * assert.match(text, /^spawnkit_connections_accepted_total 1$/m);
 * assert.match(text, /^spawnkit_connections_active 0$/m);
 * assert.match(text, /^spawnkit_received_bytes_total 7$/m); // a 4-byte header and 3 bytes
 * ```
 */
export function renderMetrics(
  source: StatsSource,
  options: Omit<ServerMetricsOptions, "registry"> = {},
): Promise<string> {
  return registerServerMetrics(source, { prefix: options.prefix }).metrics();
}
