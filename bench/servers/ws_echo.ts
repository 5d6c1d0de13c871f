/**
 * The WebSocket echo servers of bench/websocket.ts, on the runtime that runs
 * this script: `--kind kit` is spawnkit's door (serve({ doors }), the
 * callbacks echo), `--kind raw` the runtime's own server written by hand
 * (Deno.serve + Deno.upgradeWebSocket, Bun.serve's websocket handlers, or
 * node:http + ws). Both echo every binary message, messages up to 1 MiB.
 * Prints `listening on 127.0.0.1:PORT pid=PID` with the WebSocket port.
 *
 *   bun bench/servers/ws_echo.ts --kind raw
 *
 * @module
 */
import process from "node:process";
import { serve, silentLogger } from "../../mod.ts";
import { webSocketDoor } from "../../src/edges/websocket/websocket.ts";
import { isBun, isDeno } from "../../src/transport/select.ts";

const MAX = 1_048_576;
const kind = process.argv[process.argv.indexOf("--kind") + 1];

const ready = (port: number) => console.log(`listening on 127.0.0.1:${port} pid=${process.pid}`);

if (kind === "kit") {
  const door = webSocketDoor({ pingInterval: 0 });
  await serve({ port: 0, logger: silentLogger, maxFrameSize: MAX, highWaterMark: 4 * MAX, doors: [door] }, {
    frame: (conn, frame) => conn.sendOwned(frame),
  });
  ready(door.addr.port);
} else if (isDeno()) {
  const deno = (globalThis as unknown as {
    Deno: {
      serve(
        options: { hostname: string; port: number; onListen(addr: { port: number }): void },
        handler: (request: Request) => Response,
      ): unknown;
      upgradeWebSocket(request: Request): { socket: WebSocket; response: Response };
    };
  }).Deno;
  deno.serve({ hostname: "127.0.0.1", port: 0, onListen: (addr) => ready(addr.port) }, (request) => {
    const { socket, response } = deno.upgradeWebSocket(request);
    socket.binaryType = "arraybuffer";
    socket.onmessage = (event) => socket.send(event.data as ArrayBuffer);
    return response;
  });
} else if (isBun()) {
  type Ws = { send(data: string | Uint8Array): number };
  const bun = (globalThis as unknown as {
    Bun: {
      serve(options: {
        hostname: string;
        port: number;
        fetch(request: Request, server: { upgrade(request: Request): boolean }): Response | undefined;
        websocket: { maxPayloadLength: number; message(ws: Ws, message: string | Uint8Array): void };
      }): { port: number };
    };
  }).Bun;
  const server = bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (request, server) => server.upgrade(request) ? undefined : new Response(null, { status: 400 }),
    websocket: { maxPayloadLength: MAX, message: (ws, message) => void ws.send(message) },
  });
  ready(server.port);
} else {
  const { createServer } = await import("node:http");
  const { WebSocketServer } = await import("ws");
  const server = createServer();
  const wss = new WebSocketServer({ server, maxPayload: MAX, perMessageDeflate: false });
  wss.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })));
  server.listen(0, "127.0.0.1", () => ready((server.address() as { port: number }).port));
}
