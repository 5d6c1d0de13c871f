/**
 * The client over WebSocket, for browsers (and Deno, Bun, Node 22 and later,
 * which have the same global `WebSocket`): the kit's framing, session wire
 * and connection over the stream subprotocol of a spawnkit WebSocket door.
 *
 * @module
 */
import { STREAM_MESSAGE_BYTES } from "../../transport/ws_stream.ts";
import { dialWebSocket } from "../../transport/ws_client.ts";
import type { Connection } from "../connection/connection.ts";
import type { ReconnectOptions } from "../reconnect/reconnect_options.ts";
import type { ReconnectingConnection } from "../reconnect/reconnecting_connection.ts";
import { type ClientOptions, clientPlanOf, openClient } from "./open_client.ts";

/** Options of {@linkcode connectWebSocket}. */
export interface ConnectWebSocketOptions extends ClientOptions {
  /** The door's URL: `ws://host:port/path` or `wss://…`. */
  url: string | URL;
  /**
   * Bytes of messages from the server that may wait for a reader; past it
   * the connection ends (`rate-limit`): a WebSocket's reads
   * cannot be paused.
   * @default {1048576} (1 MiB), and at least twice maxFrameSize
   */
  readAheadLimit?: number;
}

/**
 * Connects to a spawnkit WebSocket door (`spawnkit/websocket`) with the
 * stream subprotocol (`spawnkit.stream`): the connection is the one
 * `connect()` gives over TCP (`send`, `receive`, `for await`, `close`,
 * `stats`), and with `resume` (the server running `sessions({ resumeWindow })`)
 * a lost link is dialled again and the session goes on, nothing lost and
 * nothing twice. Each message carries bytes of the kit's byte stream, cut
 * anywhere; the client's messages are at most `maxFrameSize` or 64 KiB,
 * whichever is smaller, so give it the server's `maxFrameSize` when that is
 * under 64 KiB. Built on the platform's `WebSocket` alone: it imports nothing
 * a browser lacks.
 *
 * @throws {TypeError} a URL that is not ws:// or wss://.
 * @throws {RangeError} a bad option value (packet, maxFrameSize, water marks, the reconnect and heartbeat numbers).
 * @throws {Error} "Cannot connect to …" when the socket does not open, or the door does not take the stream subprotocol.
 * @example A resuming client over WebSocket, beside the TCP port
 * ```ts
 * import assert from "node:assert/strict";
 * import { serve, sessions, silentLogger } from "spawnkit";
 * import { connectWebSocket } from "spawnkit/browser";
 * import { webSocketDoor } from "spawnkit/websocket";
 * const door = webSocketDoor();
 * await using server = await serve({
 *   logger: silentLogger,
 *   doors: [door],
 *   sessions: sessions({ resumeWindow: 30 }),
 * }, async (conn) => {
 *   for await (const frame of conn) await conn.send(frame);
 * });
 * await using client = await connectWebSocket({
 *   url: `ws://127.0.0.1:${door.addr.port}/`,
 *   resume: true,
 *   logger: silentLogger,
 * });
 * await client.send(new TextEncoder().encode("hi"));
 * assert.equal(new TextDecoder().decode(await client.receive()), "hi");
 * assert.equal(client.stats.session?.resumes, 0);
 * ```
 */
export function connectWebSocket(
  options: ConnectWebSocketOptions & { reconnect: true | ReconnectOptions },
): Promise<ReconnectingConnection>;
/** Connects to a spawnkit WebSocket door; see the first signature. */
export function connectWebSocket(options: ConnectWebSocketOptions): Promise<Connection>;
export async function connectWebSocket(options: ConnectWebSocketOptions): Promise<Connection> {
  const plan = clientPlanOf(options);
  const url = String(options.url);
  if (!/^wss?:\/\//i.test(url)) throw new TypeError(`Cannot connect to ${url}: the URL must be ws:// or wss://`);
  const maxFrameSize = plan.framing.maxFrameSize;
  const limit = options.readAheadLimit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new RangeError(`Cannot use readAheadLimit ${String(limit)}: must be a whole number of bytes`);
  }
  const link = {
    url,
    messageBytes: Math.min(maxFrameSize, STREAM_MESSAGE_BYTES),
    readAheadLimit: limit ?? Math.max(1_048_576, 2 * maxFrameSize),
    // With a heartbeat, a handshake gets as long as a ping's answer: a redial over a silent link then costs no more.
    openTimeoutMs: plan.heartbeat === undefined ? undefined : plan.heartbeat.timeout * 1000,
  };
  return await openClient(plan, url, (signal) => dialWebSocket({ ...link, signal }));
}
