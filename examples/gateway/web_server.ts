/**
 * The web page's static server: the files of web/ over node:http (on every
 * runtime), plus `config.json`, which tells the page where the gateway's
 * WebSocket port is. GET only, these files only; anything else is 404. The
 * page's client, spawnkit_browser.js, is the committed bundle of
 * spawnkit/browser (`bun scripts/build_browser.ts` rebuilds it).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

const FILES: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/spawnkit_browser.js": { file: "spawnkit_browser.js", type: "text/javascript; charset=utf-8" },
};

/** A running static server. */
export interface WebPage {
  /** Its origin, "http://HOST:PORT": what the WebSocket port allows. */
  readonly origin: string;
  /** Where the page finds the gateway (served as config.json). */
  setWebSocket(url: string): void;
  close(): Promise<void>;
}

/** Serves the page on `hostname:port` (0 picks a free one). */
export async function serveWebPage(hostname: string, port: number): Promise<WebPage> {
  const root = new URL("./web/", import.meta.url);
  const files = Object.fromEntries(
    Object.entries(FILES).map(([path, { file, type }]) => [path, { body: readFileSync(new URL(file, root)), type }]),
  );
  let config = "{}";
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0]!;
    if (request.method !== "GET") return void response.writeHead(405).end();
    if (path === "/config.json") {
      return void response.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" }).end(
        config,
      );
    }
    const found = files[path];
    if (found === undefined) return void response.writeHead(404).end();
    response.writeHead(200, { "Content-Type": found.type, "Cache-Control": "no-store" }).end(found.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: hostname, port }, resolve);
  });
  const address = server.address() as { port: number };
  return {
    origin: `http://${hostname}:${address.port}`,
    setWebSocket: (url) => config = JSON.stringify({ webSocket: url }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
