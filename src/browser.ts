/**
 * spawnkit's client for browsers (`spawnkit/browser`): `connectWebSocket()`
 * opens the kit's connection (framing, heartbeats, resume, reconnecting) over
 * the platform's own `WebSocket` to a spawnkit WebSocket door, and this entry
 * imports nothing a browser lacks (no `node:` module, no socket API of a
 * runtime). It runs on Deno, Bun and Node 22 and later too.
 *
 * @example
 * ```ts ignore
 * import { connectWebSocket } from "spawnkit/browser";
 * const conn = await connectWebSocket({ url: "wss://game.example/ws", resume: true });
 * await conn.send(new TextEncoder().encode("hello"));
 * for await (const frame of conn) console.log(new TextDecoder().decode(frame));
 * ```
 *
 * @module
 */
export { connectWebSocket, type ConnectWebSocketOptions } from "./core/client/connect_websocket.ts";
export type { ClientOptions } from "./core/client/open_client.ts";
export type { Connection } from "./core/connection/connection.ts";
export type { ConnectionEvent } from "./core/connection/events.ts";
export type { OutboxOptions } from "./core/connection/water_marks.ts";
export type { FramingOptions, PacketSize } from "./core/framing/length_prefixed.ts";
export type { WireDecoder, WireFormat } from "./core/framing/wire_format.ts";
export { CLOSE_REASONS, type CloseReason, ConnectTimeoutError } from "./core/errors.ts";
export type { Logger, LogProperties } from "./core/logger.ts";
export type { ConnectionStats } from "./core/stats.ts";
export type {
  ReconnectEvent,
  ReconnectHook,
  ReconnectInfo,
  ReconnectingConnection,
  ReconnectState,
  ReconnectStats,
  SendOptions,
} from "./core/reconnect/reconnecting_connection.ts";
export type { ReconnectOptions } from "./core/reconnect/reconnect_options.ts";
export type { HeartbeatOptions } from "./core/session/wire/client_heartbeat.ts";
export type { Address, SessionCounts } from "./transport/types.ts";
