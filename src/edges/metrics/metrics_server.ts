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
import type { Socket } from "node:net";
import { type Address, escapingLogger, type Logger, LogLimiter } from "../../../mod.ts";
import { checkNumber } from "../../_internal.ts";
import { type MetricsRegistry, registerServerMetrics, type StatsSource } from "./server_metrics.ts";
import { targetPath } from "./_request_target.ts";

/** The default `path` that answers with the metrics. */
const DEFAULT_METRICS_PATH = "/metrics";
// Slow or partial requests hold a socket: bounded as a public server would (node:http's own defaults are minutes).
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

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
  /** Where a scrape that failed is logged (it answers 500), a few lines a second. @default warnings and errors to the console */
  logger?: Logger;
}

/** What a metrics endpoint answered, returned by `MetricsServer.stats`. */
export interface MetricsServerStats {
  /** Requests answered, by HTTP status ("200", "404", ...), the runtime's own answers to unparsable requests included. */
  readonly answered: Readonly<Record<string, number>>;
  /** Requests the HTTP parser refused before they reached the endpoint (answered 400, 413, 431 or closed). */
  readonly clientErrors: number;
  /** Faults of the endpoint itself (a scrape that threw, a socket that failed): each answered 500 or closed, none thrown. */
  readonly errors: number;
}

/** A running metrics endpoint, returned by {@linkcode serveMetrics}. */
export interface MetricsServer extends AsyncDisposable {
  /** The address it listens on (the real port when 0 was asked for). */
  readonly addr: Address;
  /** The metrics' URL: `http://127.0.0.1:9464/metrics`. */
  readonly url: string;
  /** What it answered so far. */
  readonly stats: MetricsServerStats;
  /** Stops listening and closes every open HTTP connection; settles once closed. Calling it again is harmless. */
  close(): Promise<void>;
}

const encoder = new TextEncoder();

function isRegistry(value: StatsSource | MetricsRegistry): value is MetricsRegistry {
  return typeof value === "object" && typeof (value as MetricsRegistry).metrics === "function" &&
    typeof (value as MetricsRegistry).contentType === "string";
}

// What every answer of ours carries: its length, no caching, no sniffing of the text as something else.
const PLAIN = {
  "content-type": "text/plain; charset=utf-8",
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
};

/** Whether a request came with a body (which the endpoint never reads). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/** The few reasons node:http's parser gives for a request it refuses, as the status that says so. */
function clientErrorStatus(error: unknown): number {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "HPE_HEADER_OVERFLOW") return 431;
  if (code === "ERR_HTTP_REQUEST_TIMEOUT") return 408;
  return 400;
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  408: "Request Timeout",
  431: "Request Header Fields Too Large",
};

const SCRAPE_SUMMARY = "metrics: {count} more scrapes failed in the last second";
const ANSWER_SUMMARY = "metrics: {count} more requests could not be answered in the last second";
const CLIENT_SUMMARY = "metrics: {count} more requests refused by the HTTP parser in the last second";

/**
 * Serves metrics over HTTP at `path`: the kit's families for a source (a
 * server, or a function returning its figures), or everything in a
 * prom-client registry (yours, with the kit's families added by
 * `registerServerMetrics`). `GET` and `HEAD` answer 200 with the text format
 * 0.0.4 (`text/plain; version=0.0.4; charset=utf-8`); another method is a 405,
 * another path a 404, a scrape whose figures cannot be read a 500 (logged).
 *
 * Whoever reaches the port gets an HTTP answer and nothing more: a target that
 * is not a path (`*`, a bad percent-escape, a control character) is a 400, one
 * over 2048 bytes a 414, a request the HTTP parser cannot read a 400 (or the
 * runtime's own answer), a request with a body an answer and the end of the
 * connection (the body is never read); a fault while answering is a 500 or a
 * closed connection, counted in `stats.errors`, never an exception of the
 * process. Lines are escaped and limited to a few a second per kind.
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
  const path = options.path ?? DEFAULT_METRICS_PATH;
  if (typeof path !== "string" || !path.startsWith("/")) {
    throw new TypeError(`Cannot serve metrics at ${JSON.stringify(path)}: the path must start with "/"`);
  }
  // Lines are escaped, and a few a second of each kind: whoever reaches the port cannot flood the log.
  const logger = escapingLogger(options.logger);
  const log = new LogLimiter(logger);
  const registry = isRegistry(source) ? source : registerServerMetrics(source, { prefix: options.prefix });
  const answered: Record<string, number> = {};
  let clientErrors = 0;
  let errors = 0;

  const reply = (req: IncomingMessage, res: ServerResponse, status: number, text: string, headers = {}): void => {
    answered[status] = (answered[status] ?? 0) + 1;
    const body = encoder.encode(text);
    // A body we did not read would be parsed as the next request: the connection ends with this answer instead.
    const close = hasBody(req) ? { connection: "close" } : {};
    res.writeHead(status, { ...PLAIN, "content-length": String(body.length), ...close, ...headers });
    res.end(req.method === "HEAD" ? undefined : body);
  };

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    log.flush();
    const target = targetPath(req.url);
    if ("status" in target) return reply(req, res, target.status, `Bad request: ${target.problem}\n`);
    if (target.path !== path) return reply(req, res, 404, `Not found: the metrics are at ${path}\n`);
    if (req.method !== "GET" && req.method !== "HEAD") {
      return reply(req, res, 405, "Method not allowed: the metrics answer GET and HEAD\n", { allow: "GET, HEAD" });
    }
    let body: Uint8Array;
    try {
      body = encoder.encode(await registry.metrics());
    } catch (error) {
      errors++;
      log.write("scrape", "error", "metrics: cannot collect the figures: {error}", { error }, SCRAPE_SUMMARY);
      return reply(req, res, 500, "Cannot collect the metrics\n");
    }
    answered[200] = (answered[200] ?? 0) + 1;
    const close = hasBody(req) ? { connection: "close" } : {};
    res.writeHead(200, { "content-type": registry.contentType, "content-length": String(body.length), ...close });
    res.end(req.method === "HEAD" ? undefined : body);
  };

  // Whatever goes wrong while answering is the endpoint's fault: counted, logged within the limit, answered 500
  // when nothing was sent yet, and never thrown to the process (node:http calls this without awaiting it).
  const failed = (res: ServerResponse, error: unknown): void => {
    errors++;
    log.write("answer", "error", "metrics: cannot answer a request: {error}", { error }, ANSWER_SUMMARY);
    try {
      if (!res.headersSent) {
        answered[500] = (answered[500] ?? 0) + 1;
        res.writeHead(500, { ...PLAIN, "content-length": "0", connection: "close" });
        res.end();
      } else res.destroy();
    } catch {
      // The socket is gone: nothing more to answer.
    }
  };
  // A reset while a request or an answer is under way: nothing to answer, and no one listening would make it throw.
  const socketError = (): void => void errors++;
  const http = createServer((req, res) => {
    req.on("error", socketError);
    res.on("error", socketError);
    answer(req, res).catch((error) => failed(res, error));
  });
  http.headersTimeout = HEADERS_TIMEOUT_MS;
  http.requestTimeout = REQUEST_TIMEOUT_MS;
  // A request the parser refuses (a bad request line, a method it does not know, headers too big): answered as
  // node:http would, but counted, and without a stack on the console.
  http.on("clientError", (error: unknown, socket: Socket) => {
    clientErrors++;
    const status = clientErrorStatus(error);
    log.write("client", "debug", "metrics: refused a request: {error}", { error }, CLIENT_SUMMARY);
    try {
      if ((error as { code?: unknown }).code === "ECONNRESET" || !socket.writable) return void socket.destroy();
      answered[status] = (answered[status] ?? 0) + 1;
      socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    } catch {
      socket.destroy();
    }
  });

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
  http.on("error", (error) => {
    errors++;
    log.write("listener", "error", "metrics: {error}", { error }, "{count} more errors of the metrics listener");
  });

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
    get stats(): MetricsServerStats {
      return { answered: { ...answered }, clientErrors, errors };
    },
    url: `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${addr.port}${path}`,
    close,
    [Symbol.asyncDispose]: close,
  };
}
