/**
 * Metrics, an edge of spawnkit (`spawnkit/metrics`): the server's figures
 * (`server.stats`) as Prometheus metric families on a prom-client registry,
 * their text in the exposition format 0.0.4, and an HTTP endpoint that serves
 * it. mod.ts never imports it.
 *
 * prom-client's own default metrics (`collectDefaultMetrics`) are not turned
 * on: on Deno and Bun its GC histogram stays empty and its event-loop lag reads
 * near zero on Deno; on Node, add them to the same registry yourself.
 *
 * @example A scrape endpoint for a server, stopped with it
 * ```ts
 * import assert from "node:assert/strict";
 * import { serve, silentLogger } from "spawnkit";
 * import { serveMetrics } from "spawnkit/metrics";
 *
 * const server = await serve({ port: 0, logger: silentLogger }, () => {});
 * const metrics = await serveMetrics(server, { port: 0 });
 * const text = await (await fetch(metrics.url)).text();
 * assert.match(text, /^# TYPE spawnkit_connections_closed_total counter$/m);
 * await metrics.close();
 * await server.shutdown();
 * ```
 *
 * @module
 */
export * from "./server_metrics.ts";
export * from "./metrics_server.ts";
