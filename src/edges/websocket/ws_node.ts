/**
 * WebSocket on Node: `node:http` (or `node:https`) and the `ws` package,
 * whose `WebSocketServer` takes the upgrades this listener lets through. Node
 * bounds the upgrade itself (`maxHeaderSize`: 431; `headersTimeout`: 408),
 * `ws` limits a message before buffering it (`maxPayload`: 1009, read as
 * `frame-too-large`), can pause a socket's reads (so the read-ahead is
 * bounded as on TCP) and offers permessage-deflate. `ws` keeps a reference to
 * what it sends until it is written: a write settles at the callback of its
 * last message, so the outbox never reuses memory the socket still reads.
 *
 * @module
 */
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import type { Address, Listener } from "../../../mod.ts";
import { Pings, type WsListen, type WsPeer, WsSocket } from "../../_internal.ts";

/** Listens for WebSockets on Node. */
export const nodeWebSocketListen: WsListen = async (options, onSocket, onError) => {
  const timeoutMs = options.upgradeTimeout * 1000;
  const httpOptions = {
    maxHeaderSize: options.maxHeaderBytes,
    headersTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    // How often Node looks for requests past their timeout (30 s by default).
    connectionsCheckingInterval: Math.min(1000, timeoutMs),
  };
  const server: Server = options.tls === undefined
    ? createHttpServer(httpOptions)
    : createHttpsServer({ ...httpOptions, cert: options.tls.cert, key: options.tls.key });
  const chosen = new WeakMap<IncomingMessage, string>();
  // Loaded here, not at the top: a bundle of this edge must load on Deno and Bun, where ws is not needed.
  const { WebSocketServer } = await import("ws");
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.shared.maxFrameSize,
    perMessageDeflate: options.perMessageDeflate,
    handleProtocols: (_offered, request) => chosen.get(request) ?? false,
    clientTracking: false,
  });
  const pings = new Pings<WsSocket>(options.pingInterval);
  let local: Address = { hostname: options.hostname, port: options.port };

  server.on("request", (_request, response) => {
    response.writeHead(426, { "Content-Type": "text/plain", Upgrade: "websocket" }).end("Cannot serve: WebSocket only");
  });
  server.on("clientError", (error: Error & { code?: string }, socket: Duplex) => {
    // A header section too large or too slow (431, 408), or not HTTP at all: answered, and the socket dropped.
    const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
    if (socket.writable) socket.end(`HTTP/1.1 ${status} Bad Request\r\nConnection: close\r\n\r\n`);
    socket.destroy();
  });
  server.on("upgrade", (request: IncomingMessage, tcp: Duplex, head: Buffer) => {
    const peer = { hostname: request.socket.remoteAddress ?? "", port: request.socket.remotePort ?? 0 };
    let headerBytes = 0;
    for (let i = 0; i < request.rawHeaders.length; i++) headerBytes += request.rawHeaders[i]!.length + 2;
    const verdict = options.check({
      path: (request.url ?? "/").split("?")[0]!,
      header: (name) => {
        const value = request.headers[name];
        return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
      },
      headerBytes,
      peer,
    });
    if ("status" in verdict) {
      const version = verdict.status === 426 ? "Sec-WebSocket-Version: 13\r\n" : "";
      tcp.end(
        `HTTP/1.1 ${verdict.status} ${verdict.reason}\r\n${version}Connection: close\r\nContent-Length: 0\r\n\r\n`,
      );
      return;
    }
    if (verdict.protocol !== undefined) chosen.set(request, verdict.protocol);
    // ws answers a bad key or version with 400 itself.
    wss.handleUpgrade(request, tcp, head, (ws) => adopt(ws, verdict.remoteAddr, verdict.protocol ?? ""));
  });
  server.on("error", (error) => onError(error));

  const adopt = (ws: WebSocket, remoteAddr: Address, protocol: string): void => {
    let outstanding = 0;
    const written = (error?: Error): void => {
      outstanding--;
      if (error !== undefined && error !== null) return socket.onClose(error);
      if (outstanding === 0) socket.onDrain();
    };
    const peer: WsPeer = {
      send(message) {
        outstanding++;
        ws.send(message, { binary: true }, written);
        // ws reads `message` until its callback: the write waits for the last one.
        return false;
      },
      close: (code, reason) => ws.close(code, reason),
      terminate: () => ws.terminate(),
      ping: () => ws.ping(),
      pause: () => ws.pause(),
      resume: () => ws.resume(),
    };
    const socket = new WsSocket(peer, options.shared, local, remoteAddr, protocol);
    pings.add(socket);
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      pings.alive(socket);
      if (!isBinary) socket.onText();
      else socket.onMessage(data);
    });
    ws.on("pong", () => pings.alive(socket));
    ws.on("error", (error: Error & { code?: string }) => {
      socket.onClose(error.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH" ? tooLarge(error) : error);
    });
    ws.on("close", () => {
      pings.delete(socket);
      socket.onGone();
    });
    onSocket(socket);
  };

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: options.hostname, port: options.port }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address();
  if (bound !== null && typeof bound === "object") local = { hostname: bound.address, port: bound.port };
  let closed = false;
  const listener: Listener = {
    addr: local,
    close() {
      if (closed) return;
      closed = true;
      options.shared.goingAway = true;
      pings.close();
      // Stops accepting; the WebSockets already open are the kit's to close.
      server.close();
    },
  };
  return listener;
};

function tooLarge(error: Error): Error {
  return Object.assign(new Error(`Cannot read a WebSocket message: ${error.message}`, { cause: error }), {
    code: "frame-too-large",
  });
}
