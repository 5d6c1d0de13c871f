/**
 * WebSocket on Deno: `Deno.serve` and `Deno.upgradeWebSocket`. Deno gives a
 * standard `WebSocket`: no pause of reads (the read-ahead bound of
 * ws_socket.ts applies), no ping API (its own `idleTimeout` pings and closes
 * a peer that does not answer), no limit on a message's size before it
 * arrives (a message over `maxFrameSize` is refused, 1009, once whole), no
 * permessage-deflate, and a `bufferedAmount` with no drain event (polled while
 * a write waits).
 *
 * @module
 */
import type { Address, Listener } from "./types.ts";
import type { UpgradeRequest, WsListen } from "./ws_types.ts";
import { type WsPeer, WsSocket } from "./ws_socket.ts";
import { headerBytes, refusal } from "./_ws_fetch.ts";

// The few Deno types this adapter uses, declared here so that tsc needs no Deno typings.
interface DenoServeInfo {
  remoteAddr: { hostname: string; port: number };
}
interface DenoHttpServer {
  readonly addr: { hostname: string; port: number };
  shutdown(): Promise<void>;
  finished: Promise<void>;
}
interface DenoApi {
  serve(
    options: {
      hostname: string;
      port: number;
      cert?: string;
      key?: string;
      onListen?: (addr: unknown) => void;
      onError?: (error: unknown) => Response;
    },
    handler: (request: Request, info: DenoServeInfo) => Response | Promise<Response>,
  ): DenoHttpServer;
  upgradeWebSocket(request: Request, options?: { protocol?: string; idleTimeout?: number }): {
    socket: WebSocket;
    response: Response;
  };
}

const deno = (globalThis as unknown as { Deno: DenoApi }).Deno;

// A write waits while Deno holds more than this for one socket, checked every DRAIN_POLL_MS.
const BUFFERED_BOUND = 262_144;
const DRAIN_POLL_MS = 2;

/** Listens for WebSockets on Deno. */
export const denoWebSocketListen: WsListen = (options, onSocket, onError) => {
  if (options.perMessageDeflate) {
    throw new TypeError("Cannot use perMessageDeflate on Deno: its WebSocket server does not offer it");
  }
  // Deno's shutdown() closes upgraded sockets too: once closed, the server refuses upgrades (503) and shuts down
  // when its last WebSocket has closed, so that the kit closes each one its own way (1001 at shutdown).
  let closed = false;
  let live = 0;
  let listening!: (addr: Address) => void;
  const ready = new Promise<Address>((resolve) => listening = resolve);
  const server = deno.serve({
    hostname: options.hostname,
    port: options.port,
    ...(options.tls === undefined ? {} : { cert: options.tls.cert, key: options.tls.key }),
    onListen: () => {},
    // A handler that throws: a 500, and the listener goes on.
    onError(error) {
      onError(error);
      return new Response(null, { status: 500 });
    },
  }, (request, info) => {
    if (closed) return new Response("Cannot upgrade: shutting down", { status: 503 });
    const url = new URL(request.url);
    const peer = { hostname: info.remoteAddr.hostname, port: info.remoteAddr.port };
    const upgrade: UpgradeRequest = {
      path: url.pathname,
      header: (name) => request.headers.get(name),
      headerBytes: headerBytes(request.headers),
      peer,
    };
    const verdict = options.check(upgrade);
    if ("status" in verdict) return refusal(verdict.status, verdict.reason);
    let accepted: ReturnType<DenoApi["upgradeWebSocket"]>;
    try {
      accepted = deno.upgradeWebSocket(request, {
        protocol: verdict.protocol,
        idleTimeout: options.pingInterval,
      });
    } catch (error) {
      // Not a WebSocket upgrade (no key, a wrong version): what Deno says, as a 400.
      return new Response(error instanceof Error ? error.message : "Bad Request", { status: 400 });
    }
    adopt(accepted.socket, verdict.remoteAddr, verdict.protocol ?? "");
    return accepted.response;
  });
  listening(server.addr);

  const adopt = (ws: WebSocket, remoteAddr: Address, protocol: string): void => {
    ws.binaryType = "arraybuffer";
    let polling: ReturnType<typeof setTimeout> | undefined;
    const poll = (): void => {
      polling = undefined;
      if (ws.readyState !== WebSocket.OPEN) return;
      if (ws.bufferedAmount > BUFFERED_BOUND) polling = setTimeout(poll, DRAIN_POLL_MS);
      else socket.onDrain();
    };
    const peer: WsPeer = {
      send(message) {
        ws.send(message);
        if (ws.bufferedAmount <= BUFFERED_BOUND) return true;
        polling ??= setTimeout(poll, DRAIN_POLL_MS);
        return false;
      },
      close: (code, reason) => ws.close(code, reason),
      // Deno has no way to drop a WebSocket without its close frame: the close goes out behind what waits.
      terminate: () => ws.close(1001, ""),
    };
    const socket = new WsSocket(peer, options.shared, local, remoteAddr, protocol);
    live++;
    ws.onopen = () => onSocket(socket);
    ws.onmessage = (event) => {
      const data = event.data;
      if (typeof data === "string") socket.onText();
      else socket.onMessage(new Uint8Array(data as ArrayBuffer));
    };
    ws.onclose = () => {
      clearTimeout(polling);
      socket.onGone();
      if (--live === 0 && closed) void server.shutdown();
    };
    ws.onerror = (event) =>
      socket.onClose((event as Event & { error?: unknown }).error ?? new Error("WebSocket error"));
  };

  const local: Address = { hostname: server.addr.hostname, port: server.addr.port };
  const listener: Listener = {
    addr: local,
    close() {
      if (closed) return;
      closed = true;
      options.shared.goingAway = true;
      if (live === 0) void server.shutdown();
    },
  };
  return ready.then(() => listener);
};
