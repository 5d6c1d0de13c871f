/**
 * WebSocket beside TCP, an edge of spawnkit (`spawnkit/websocket`): one
 * handler serves native clients on the TCP port and browsers on a WebSocket
 * port, in the same registry and rooms, under the same guards.
 *
 * ## How a WebSocket becomes a connection
 *
 * One binary message is one frame. The WebSocket is adapted at the lowest
 * floor, the transport: a {@linkcode WsSocket} (src/transport/ws_socket.ts)
 * is a `RawSocket` whose `read()` gives each message with a length header in
 * front, and whose `write()` splits the outbox's length-prefixed bytes back
 * into one message per frame. Every floor above runs unchanged:
 *
 * ```text
 *  transport   Deno.serve + upgradeWebSocket | Bun.serve websocket | node:http + ws  ─► WsSocket (RawSocket)
 *  framing     FrameDecoder: the header it is given, so one message is one frame (a view, no second copy)
 *  connection  inbox, guards (idle, first frame, rates), outbox water marks, send timeout, stats, close reasons
 *  server      a door (serve({ doors })): admit → limits → registry, rooms, broadcast, post, shutdown
 * ```
 *
 * Why the transport floor: the connection floor's guards, outbox and stats
 * are the product; adapting below them keeps one implementation of each, and
 * a room broadcast's one encoded frame goes to TCP and WebSocket members
 * alike (the WebSocket side sends the payload of that frame, a view). The
 * cost is one copy per incoming message (header and message into one chunk,
 * measured in docs/websocket.md) and, on the way out, none: each message is
 * a view of the outbox's bytes.
 *
 * - Sizes: `maxFrameSize` of the server is the largest message; one over it
 *   closes with 1009 (`frame-too-large`). Bun and Node refuse it before
 *   buffering it; Deno only once it is whole (its server has no limit).
 * - Text messages are refused: close 1003 (`unsupported-data`). Frames are
 *   bytes on every other door, and a handler should not meet a second kind;
 *   a browser sends `new TextEncoder().encode(text)` and sets
 *   `binaryType = "arraybuffer"`.
 * - Back-pressure: a write waits while the runtime buffers more than 64 KiB
 *   for the socket (Bun: `send()` returns -1, then `drain`; Deno:
 *   `bufferedAmount`, polled; Node: `ws`'s write callbacks), so the outbox
 *   water marks, the slow-consumer policy and `sendTimeout` see a browser that
 *   does not read as they see a TCP peer that does not. Reads: Node pauses the
 *   socket as TCP does; Deno and Bun cannot, so over `readAheadLimit` bytes
 *   waiting for a handler that is not reading end the connection (`rate-limit`, 1008).
 * - Close codes: 1000 when the kit closes, 1001 at shutdown, 1009, 1003, 1008
 *   as above; a peer that missed a ping's pong is dropped (`ping-timeout`).
 * - `bytesIn` counts the length headers the adapter puts in front.
 *
 * ## What a public port needs
 *
 * An `origins` allow-list, a `path`, `protocols` (subprotocols, the server's
 * order), `maxHeaderBytes` and `upgradeTimeout` for the upgrade request, `tls`
 * (wss://, the TCP port's option shape), `trustedProxies` for
 * `X-Forwarded-For` (upgrade_check.ts), `pingInterval`, and
 * `perMessageDeflate` (off: its memory per connection and its history of
 * denial-of-service bugs; not on Deno).
 *
 * The Node side needs the `ws` package (an optional peer dependency); Deno's
 * and Bun's use their runtimes' own servers. The core imports none of this:
 * a server opens a door through the `Door` seam.
 *
 * @example A WebSocket echo beside the TCP port
 * ```ts ignore
 * import { serve } from "spawnkit";
 * import { webSocketDoor } from "spawnkit/websocket";
 * const ws = webSocketDoor({ port: 7080, origins: ["https://game.example"] });
 * const server = await serve({ port: 7000, doors: [ws] }, async (conn) => {
 *   for await (const frame of conn) await conn.send(frame);
 * });
 * console.log(`ws://127.0.0.1:${ws.addr.port}/ and tcp ${server.addr.port}`);
 * ```
 *
 * @module
 */
import type { Door, DoorContext } from "../../../mod.ts";
import type { Address, Listener, RawSocket, TlsServeOptions } from "../../../mod.ts";
import { drained, runtimeWebSocketListen, TrustedSources, type WsListen, type WsShared } from "../../_internal.ts";
import { checkUpgrade, type UpgradeRules } from "./upgrade_check.ts";

/** Options of {@linkcode webSocketDoor}. */
export interface WebSocketOptions {
  /** Port to listen on; 0 picks a free one (read it from the door's `addr`). @default {0} */
  port?: number;
  /** Address to bind. @default {"127.0.0.1"} */
  hostname?: string;
  /** The one path that upgrades; any other is 404. @default {"/"} */
  path?: string;
  /**
   * Origins allowed to open a socket (exact, as a browser sends them:
   * "https://game.example"); another is 403. A request with no `Origin` (not
   * a browser) passes. Set it on a public port.
   * @default any origin
   */
  origins?: readonly string[];
  /** Subprotocols, in the server's order of preference; a client must offer one. @default none asked */
  protocols?: readonly string[];
  /**
   * Take the stream subprotocol (`spawnkit.stream`) when a client offers it:
   * its messages then carry the kit's byte stream as it is, cut anywhere,
   * so that the session wire (heartbeats, resume: `sessions()`) runs over
   * WebSocket as over TCP; `connectWebSocket()` (`spawnkit/browser`) asks for
   * it. A client that does not offer it gets one frame per message, as before.
   * @default {true}
   */
  stream?: boolean;
  /** Serve wss:// with this certificate and private key (PEM), as `serve({ tls })`. @default plain ws:// */
  tls?: TlsServeOptions;
  /**
   * Proxies (addresses or CIDR blocks) whose `X-Forwarded-For` gives the
   * client's address; from anyone else the header is ignored.
   * @default none
   */
  trustedProxies?: readonly string[];
  /** Largest header section of an upgrade request, in bytes: over it, 431. @default {8192} */
  maxHeaderBytes?: number;
  /** Seconds for the whole upgrade request to arrive (Node and Bun; Deno has no such bound). @default {10} */
  upgradeTimeout?: number;
  /** Seconds between pings; no pong by the next one closes the connection (`ping-timeout`). 0: none. @default {30} */
  pingInterval?: number;
  /** Offer permessage-deflate (Bun and Node). @default {false} */
  perMessageDeflate?: boolean;
  /**
   * Bytes of messages that may wait for a handler that is not reading, where
   * the runtime cannot pause a WebSocket's reads (Deno, Bun): over it, the
   * connection ends (`rate-limit`, 1008).
   * @default {1048576} (1 MiB), and at least twice the server's maxFrameSize
   */
  readAheadLimit?: number;
}

/** A WebSocket listener for `serve({ doors })`; `addr` once the server is listening. */
export interface WebSocketDoor extends Door {
  /** The bound address. @throws {Error} before the server opened it. */
  readonly addr: Address;
}

/**
 * A WebSocket door: pass it to `serve({ doors: [door] })`.
 *
 * @throws {RangeError} a number option out of range.
 * @throws {TypeError} a malformed `trustedProxies` entry, `origins` or `protocols` that are not strings, `path` not starting with "/".
 * @example Options are checked at once
 * ```ts
 * import assert from "node:assert/strict";
 * import { webSocketDoor } from "spawnkit/websocket";
 * assert.throws(() => webSocketDoor({ pingInterval: -1 }), RangeError);
 * assert.throws(() => webSocketDoor({ path: "chat" }), TypeError);
 * assert.equal(webSocketDoor({ port: 0 }).name, "websocket");
 * ```
 */
export function webSocketDoor(options: WebSocketOptions = {}): WebSocketDoor {
  const port = count("port", options.port, 0, 65535) ?? 0;
  const path = options.path ?? "/";
  if (typeof path !== "string" || !path.startsWith("/")) {
    throw new TypeError(`Cannot use path ${String(path)}: it must start with "/"`);
  }
  const rules: UpgradeRules = {
    path,
    origins: options.origins === undefined ? undefined : new Set(strings("origins", options.origins).map(lower)),
    protocols: options.protocols === undefined ? undefined : strings("protocols", options.protocols),
    stream: options.stream ?? true,
    maxHeaderBytes: count("maxHeaderBytes", options.maxHeaderBytes, 256, 1_048_576) ?? 8192,
    trusted: options.trustedProxies === undefined ? undefined : new TrustedSources(options.trustedProxies),
  };
  const upgradeTimeout = seconds("upgradeTimeout", options.upgradeTimeout) ?? 10;
  const pingInterval = seconds("pingInterval", options.pingInterval) ?? 30;
  const readAheadLimit = count("readAheadLimit", options.readAheadLimit, 0, 0xffff_ffff);
  let listener: Listener | undefined;
  return {
    name: "websocket",
    get addr(): Address {
      if (listener === undefined) throw new Error("Cannot read addr: the door is not open (pass it to serve())");
      return listener.addr;
    },
    async listen(context: DoorContext, onSocket: (socket: RawSocket) => void, onError: (error: unknown) => number) {
      const shared: WsShared = {
        packet: context.packet,
        maxFrameSize: context.maxFrameSize,
        readAheadLimit: readAheadLimit ?? Math.max(1_048_576, 2 * context.maxFrameSize),
        goingAway: false,
        open: new Set(),
      };
      const listen = await runtimeListen();
      listener = await listen(
        {
          hostname: options.hostname ?? "127.0.0.1",
          port,
          tls: options.tls,
          upgradeTimeout,
          maxHeaderBytes: rules.maxHeaderBytes,
          pingInterval,
          perMessageDeflate: options.perMessageDeflate ?? false,
          shared,
          check: (request) => checkUpgrade(rules, request),
        },
        onSocket,
        onError,
      );
      context.logger.info("listening on ws{s}://{host}:{port}{path}", {
        s: options.tls === undefined ? "" : "s",
        host: listener.addr.hostname,
        port: listener.addr.port,
        path,
      });
      const open = listener;
      // At shutdown, the server waits (a little) for the close frames to go out.
      return { addr: open.addr, close: () => open.close(), drained: () => drained(shared, CLOSE_WAIT_MS) };
    },
  };
}

/** How long a shutdown waits for WebSockets to answer their close frame, in milliseconds. */
const CLOSE_WAIT_MS = 1000;

async function runtimeListen(): Promise<WsListen> {
  // Deno's and Bun's own servers are transports; Node's needs the ws package, loaded only there.
  return (await runtimeWebSocketListen()) ?? (await import("./ws_node.ts")).nodeWebSocketListen;
}

function count(name: string, value: number | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`Cannot use ${name} ${String(value)}: must be an integer from ${min} to ${max}`);
  }
  return value;
}

function seconds(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 86_400) {
    throw new RangeError(`Cannot use ${name} ${String(value)}: must be a number of seconds from 0 to 86400`);
  }
  return value;
}

function strings(name: string, value: readonly string[]): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v === "")) {
    throw new TypeError(`Cannot use ${name}: it must be an array of non-empty strings`);
  }
  return [...value];
}

function lower(text: string): string {
  return text.toLowerCase();
}
