/**
 * The metrics over HTTP: `GET /metrics` answers with the registry's text, on
 * node:http. Deno, Bun and Node each implement node:http on their own HTTP
 * server (Deno's on its Rust server, Bun's on Bun.serve), so one code path
 * runs everywhere and nothing here needs to know which runtime it is on.
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Address, checkNumber, consoleWarnLogger, type Logger } from "../../../mod.ts";
import { type MetricsRegistry, registerServerMetrics, type StatsSource } from "./server_metrics.ts";

/** Options of {@linkcode serveMetrics}. */
export interface MetricsServerOptions {
  /** The HTTP port; 0 picks a free one (see `addr`). @default {0} */
  port?: number;
  /** The address to bind: metrics stay on loopback unless you say otherwise. @default {"127.0.0.1"} */
  hostname?: string;
  /** The path that answers with the metrics; every other path is a 404. @default {"/metrics"} */
  path?: string;
  /** The families' prefix, when serving a source (see `registerServerMetrics`). @default {"spawnkit_"} */
  prefix?: string;
  /** Where a scrape that failed is logged (it answers 500). @default warnings and errors to the console */
  logger?: Logger;
}

/** A running metrics endpoint, returned by {@linkcode serveMetrics}. */
export interface MetricsServer extends AsyncDisposable {
  /** The address it listens on (the real port when 0 was asked for). */
  readonly addr: Address;
  /** The metrics' URL: `http://127.0.0.1:9464/metrics`. */
  readonly url: string;
  /** Stops listening and closes every open HTTP connection; settles once closed. Calling it again is harmless. */
  close(): Promise<void>;
}

const encoder = new TextEncoder();

function isRegistry(value: StatsSource | MetricsRegistry): value is MetricsRegistry {
  return typeof value === "object" && typeof (value as MetricsRegistry).metrics === "function" &&
    typeof (value as MetricsRegistry).contentType === "string";
}

function reply(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
  res.end(text);
}

/**
 * Serves metrics over HTTP at `path`: the kit's families for a source (a
 * server, or a function returning its figures), or everything in a
 * prom-client registry (yours, with the kit's families added by
 * `registerServerMetrics`). `GET` and `HEAD` answer 200 with the text format
 * 0.0.4 (`text/plain; version=0.0.4; charset=utf-8`); another method is a 405,
 * another path a 404, a scrape whose figures cannot be read a 500 (logged).
 *
 * @throws {RangeError} a port that is not an integer from 0 to 65535.
 * @throws {TypeError} a path that does not start with "/".
 * @throws {Error} the port cannot be bound (its `cause` is the runtime's error, such as EADDRINUSE).
 * @example Scraping a server's metrics
 * ```ts
 * import assert from "node:assert/strict";
 * import { serve, silentLogger } from "spawnkit";
 * import { serveMetrics } from "spawnkit/metrics";
 *
 * const server = await serve({ port: 0, logger: silentLogger }, () => {});
 * await using metrics = await serveMetrics(server, { port: 0 });
 * const response = await fetch(metrics.url);
 * assert.equal(response.status, 200);
 * assert.equal(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
 * assert.match(await response.text(), /^spawnkit_connections_active 0$/m);
 * await server.shutdown();
 * ```
 */
export async function serveMetrics(
  source: StatsSource | MetricsRegistry,
  options: MetricsServerOptions = {},
): Promise<MetricsServer> {
  const port = checkNumber("port", options.port) ?? 0;
  const hostname = options.hostname ?? "127.0.0.1";
  const path = options.path ?? "/metrics";
  if (typeof path !== "string" || !path.startsWith("/")) {
    throw new TypeError(`Cannot serve metrics at ${JSON.stringify(path)}: the path must start with "/"`);
  }
  const logger = options.logger ?? consoleWarnLogger;
  const registry = isRegistry(source) ? source : registerServerMetrics(source, { prefix: options.prefix });

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (new URL(req.url ?? "/", "http://metrics").pathname !== path) {
      return reply(res, 404, `Not found: the metrics are at ${path}\n`);
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      return reply(res, 405, `Method not allowed: ${req.method}\n`, { allow: "GET, HEAD" });
    }
    let body: Uint8Array;
    try {
      body = encoder.encode(await registry.metrics());
    } catch (error) {
      logger.error("metrics: cannot collect the figures: {error}", { error });
      return reply(res, 500, "Cannot collect the metrics\n");
    }
    res.writeHead(200, { "content-type": registry.contentType, "content-length": String(body.length) });
    res.end(req.method === "HEAD" ? undefined : body);
  };
  const http = createServer((req, res) => void answer(req, res));

  try {
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(port, hostname, () => {
        http.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    throw new Error(`Cannot serve metrics on ${hostname}:${port}: ${(error as Error).message}`, { cause: error });
  }
  // After listening, an error of the listener is worth a line, not a crash of the server it reports on.
  http.on("error", (error) => logger.error("metrics: {error}", { error }));

  const bound = http.address() as AddressInfo;
  const addr: Address = { hostname, port: bound.port };
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      http.close(() => resolve());
      // Keep-alive scrapers would hold close() open until they time out.
      http.closeAllConnections();
    });
    return closed;
  };
  return {
    addr,
    url: `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${addr.port}${path}`,
    close,
    [Symbol.asyncDispose]: close,
  };
}
