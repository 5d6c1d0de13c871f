/**
 * WebSocket on Bun: `Bun.serve` with its `websocket` handlers. Bun limits a
 * message before buffering it (`maxPayloadLength`: its 1009 reads as
 * `frame-too-large`), reports back-pressure through `send()`'s return value
 * (-1: queued over `backpressureLimit`, wait for `drain`; 0: dropped) and its
 * `drain` handler, bounds the upgrade with its HTTP `idleTimeout`, and offers
 * permessage-deflate. It cannot pause a WebSocket's reads: the read-ahead
 * bound of ws_socket.ts applies. Pings are the kit's (ws_pings.ts), so a
 * missing pong is `ping-timeout` on every runtime that lets it send them.
 *
 * @module
 */
import type { Address, Listener } from "./types.ts";
import type { WsListen } from "./ws_types.ts";
import { Pings } from "./ws_pings.ts";
import { type WsPeer, WsSocket } from "./ws_socket.ts";
import { headerBytes, refusal } from "./_ws_fetch.ts";

// The few Bun types this adapter uses, declared here so the kit needs no Bun typings.
interface BunServerWebSocket {
  data: { socket?: WsSocket; remoteAddr: Address; protocol: string };
  send(data: Uint8Array, compress?: boolean): number;
  close(code?: number, reason?: string): void;
  terminate(): void;
  ping(): number;
}
interface BunServer {
  readonly port: number;
  readonly hostname: string;
  upgrade(request: Request, options: { data: unknown; headers?: Record<string, string> }): boolean;
  requestIP(request: Request): { address: string; port: number } | null;
  stop(closeActiveConnections?: boolean): void;
}
interface BunApi {
  serve(options: {
    hostname: string;
    port: number;
    tls?: { cert: string; key: string };
    idleTimeout?: number;
    fetch(request: Request, server: BunServer): Response | undefined;
    error?(error: Error): Response;
    websocket: {
      maxPayloadLength: number;
      backpressureLimit: number;
      closeOnBackpressureLimit: boolean;
      idleTimeout: number;
      sendPings: boolean;
      perMessageDeflate: boolean;
      open(ws: BunServerWebSocket): void;
      message(ws: BunServerWebSocket, message: string | Uint8Array): void;
      drain(ws: BunServerWebSocket): void;
      pong(ws: BunServerWebSocket): void;
      close(ws: BunServerWebSocket, code: number, reason: string): void;
    };
  }): BunServer;
}

const bun = (globalThis as unknown as { Bun: BunApi }).Bun;

// Bun queues a message past this many buffered bytes and says so (-1): the write then waits for `drain`.
const BACKPRESSURE_BOUND = 262_144;

/** Listens for WebSockets on Bun. */
export const bunWebSocketListen: WsListen = (options, onSocket, onError) => {
  const pings = new Pings<WsSocket>(options.pingInterval);
  const sockets = new Map<BunServerWebSocket, WsSocket>();
  let local: Address = { hostname: options.hostname, port: options.port };
  const server = bun.serve({
    hostname: options.hostname,
    port: options.port,
    ...(options.tls === undefined ? {} : { tls: { cert: options.tls.cert, key: options.tls.key } }),
    // Seconds an HTTP connection may sit without a whole request: bounds a slow upgrade (Bun caps it at 255).
    idleTimeout: Math.min(255, Math.max(1, Math.ceil(options.upgradeTimeout))),
    error(error) {
      onError(error);
      return new Response(null, { status: 500 });
    },
    fetch(request, server) {
      const ip = server.requestIP(request);
      const peer = { hostname: ip?.address ?? "", port: ip?.port ?? 0 };
      const verdict = options.check({
        path: new URL(request.url).pathname,
        header: (name) => request.headers.get(name),
        headerBytes: headerBytes(request.headers),
        peer,
      });
      if ("status" in verdict) return refusal(verdict.status, verdict.reason);
      const protocol = verdict.protocol ?? "";
      // Bun agrees to the first subprotocol offered unless told; an empty value sends none (the kit chose none).
      const headers = { "Sec-WebSocket-Protocol": protocol };
      const data = { remoteAddr: verdict.remoteAddr, protocol };
      if (server.upgrade(request, { data, headers })) return undefined;
      // No key, a wrong version, not a GET: Bun does not upgrade it.
      return new Response("Cannot upgrade: not a valid WebSocket request", { status: 400 });
    },
    websocket: {
      // One byte over the kit's limit: such a message reaches the kit, which closes with 1009 as frame-too-large.
      maxPayloadLength: options.shared.maxFrameSize + 1,
      backpressureLimit: BACKPRESSURE_BOUND,
      closeOnBackpressureLimit: false,
      // Bun's own idle close is off: pings are the kit's (0 is Bun's "none").
      idleTimeout: 0,
      sendPings: false,
      perMessageDeflate: options.perMessageDeflate,
      open(ws) {
        const peer: WsPeer = {
          send(message) {
            const sent = ws.send(message);
            // 0 is "dropped", or the byte count of an empty message.
            if (sent === 0 && message.length > 0) {
              throw new Error("Cannot write: Bun dropped the message (the WebSocket is closing)");
            }
            return sent >= 0;
          },
          close: (code, reason) => ws.close(code, reason),
          terminate: () => ws.terminate(),
          ping: () => void ws.ping(),
        };
        const socket = new WsSocket(peer, options.shared, local, ws.data.remoteAddr, ws.data.protocol);
        sockets.set(ws, socket);
        pings.add(socket);
        onSocket(socket);
      },
      message(ws, message) {
        const socket = sockets.get(ws);
        if (socket === undefined) return;
        pings.alive(socket);
        if (typeof message === "string") socket.onText();
        else socket.onMessage(message);
      },
      drain(ws) {
        sockets.get(ws)?.onDrain();
      },
      pong(ws) {
        const socket = sockets.get(ws);
        if (socket !== undefined) pings.alive(socket);
      },
      close(ws, code, reason) {
        const socket = sockets.get(ws);
        sockets.delete(ws);
        if (socket === undefined) return;
        pings.delete(socket);
        // Bun sends 1009 but reports 1006 with its reason to the server: either is a message over the limit.
        socket.onGone(code === 1009 || reason === "Received too big message" ? tooLarge(reason) : undefined);
      },
    },
  });
  local = { hostname: server.hostname, port: server.port };
  let closed = false;
  const listener: Listener = {
    addr: local,
    close() {
      if (closed) return;
      closed = true;
      options.shared.goingAway = true;
      pings.close();
      // Stops accepting; the WebSockets already open are the kit's to close.
      server.stop(false);
    },
  };
  return Promise.resolve(listener);
};

function tooLarge(reason: string): Error {
  return Object.assign(new Error(`Cannot read a WebSocket message: ${reason || "over the size limit"}`), {
    code: "frame-too-large",
  });
}
