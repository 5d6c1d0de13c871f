/**
 * The public interface of `connect({ reconnect })`: one `Connection` that outlives
 * the sockets under it. When one is lost it dials again with back-off, runs
 * the reconnect hook, then sends the frames that waited meanwhile.
 *
 * @module
 */
import type { Connection } from "../connection/connection.ts";
import type { CloseReason } from "../errors.ts";

/**
 * What the reconnect hook is told.
 *
 * @example A hook that logs in again, and gives up its calls if this connection is lost too
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ReconnectInfo } from "spawnkit";
 * const info: ReconnectInfo = { reconnects: 1, attempts: 3, signal: new AbortController().signal, resumed: false };
 * assert.equal(info.signal.aborted, false);
 * ```
 */
export interface ReconnectInfo {
  /** Which reconnect this is: 1 for the first since `connect()`. */
  readonly reconnects: number;
  /** The retry count so far (see `maxRetries`), this dial included. */
  readonly attempts: number;
  /** The new connection's signal: aborted if it is lost (or the client closes) while the hook runs. */
  readonly signal: AbortSignal;
  /**
   * True when the session went on over a new link (`connect({ resume })`,
   * sessions.md): nothing was lost and the server still knows the client, so
   * there is no need to log in or rejoin. False for a new session.
   */
  readonly resumed: boolean;
}

/**
 * The reconnect hook: log in and rejoin rooms on the new connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ReconnectHook } from "spawnkit";
 * const rooms = ["lobby", "game-7"];
 * const joined: string[] = [];
 * const hook: ReconnectHook = async () => {
 *   for (const room of rooms) joined.push(room);
 * };
 * assert.equal(typeof hook, "function");
 * ```
 */
export type ReconnectHook = (conn: ReconnectingConnection, info: ReconnectInfo) => void | Promise<void>;

/**
 * Where a reconnecting connection is:
 * - `"open"`: connected; sends go out.
 * - `"rejoining"`: connected again, the reconnect hook is running; sends go
 *   out at once (the hook's own must), frames that waited go after the hook.
 * - `"reconnecting"`: no connection; waiting out the back-off or dialing;
 *   sends wait or fail (`whileDisconnected`).
 * - `"closed"`: ended for good (`close()`, the `signal`, or the retry limit).
 */
export type ReconnectState = "open" | "rejoining" | "reconnecting" | "closed";

/**
 * What a reconnecting connection tells its subscribers, in order:
 * - `disconnect`: a connection was lost, and every frame it had received has
 *   been read. What was sent on it and not answered will not be answered.
 * - `retry`: a back-off wait begins; `attempt` (1 for the first) is the dial
 *   that follows it, after `delay` seconds; `error` is why the last one failed
 *   (or why the connection was lost).
 * - `reconnect`: a new connection is up and its hook has finished; the frames
 *   that waited are on their way. `attempts` is the retry count it reached.
 *
 * @example Collecting the delays of the back-off
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ReconnectEvent } from "spawnkit";
 * const delays: number[] = [];
 * const listener = (event: ReconnectEvent) => {
 *   if (event.type === "retry") delays.push(event.delay);
 * };
 * listener({ type: "retry", attempt: 1, delay: 0.05, error: undefined });
 * assert.deepEqual(delays, [0.05]);
 * ```
 */
export type ReconnectEvent =
  | { readonly type: "disconnect"; readonly reason: CloseReason; readonly error: unknown }
  | { readonly type: "retry"; readonly attempt: number; readonly delay: number; readonly error: unknown }
  | { readonly type: "reconnect"; readonly reconnects: number; readonly attempts: number }
  | { readonly type: "resume"; readonly resumes: number };

/**
 * A reconnecting connection's own figures (its `stats` sum the frames and
 * bytes of every connection it has had).
 */
export interface ReconnectStats {
  /** Where it is now. */
  readonly state: ReconnectState;
  /** Connections it has used, the first included. */
  readonly connections: number;
  /** Reconnects whose hook finished. */
  readonly reconnects: number;
  /**
   * The retry count toward `maxRetries`: dials since a connection last proved
   * that the server serves (a frame received after its hook finished, or
   * `maxDelay` seconds up). 0 while a proven connection is up.
   */
  readonly attempts: number;
  /** The last back-off wait it chose, in seconds (0 before the first). */
  readonly lastDelay: number;
  /** Frames waiting for a connection now. */
  readonly waitingSends: number;
  /** Bytes of those frames, headers included. */
  readonly waitingBytes: number;
  /** Sends refused while disconnected (`"fail"`, or `maxWaitingBytes` full). */
  readonly refusedSends: number;
}

/**
 * Options of one send on a reconnecting connection.
 *
 * @example A frame that gives up waiting for a connection after a second
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SendOptions } from "spawnkit";
 * const options: SendOptions = { signal: AbortSignal.timeout(1000) };
 * assert.equal(options.signal?.aborted, false);
 * ```
 */
export interface SendOptions {
  /** Aborting it takes the frame back while it waits for a connection; the send rejects with its reason. */
  signal?: AbortSignal;
}

/**
 * The connection `connect({ reconnect })` returns: a `Connection` whose
 * frames go on across reconnects (iterate it once, as any connection), plus
 * where it is and what happened.
 *
 * - Frames: one stream. A lost connection's frames are all handed out before
 *   the new one's, and before the reconnect hook runs.
 * - Sends while connected go to the connection, as on any connection; a send
 *   that was still waiting for room in a connection that is lost waits for
 *   the next one. Frames a lost connection had already accepted (written or
 *   queued in its outbox) are lost with it: TCP gives no receipt, so what the
 *   server got is known only from its answers; the hook resends what the
 *   server must know again (a login, the rooms).
 * - `signal`, `finished`, `closing` and `close()` are about the whole: they
 *   end it for good.
 *
 * @example A client that logs in again after the server restarts
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, type Connection, memoryTransport, serve, silentLogger } from "spawnkit";
 * const echo = async (conn: Connection) => {
 *   for await (const frame of conn) await conn.send(frame);
 * };
 * const transport = memoryTransport(); // here, so that the restart is in-process and instant
 * let server = await serve({ transport, logger: silentLogger }, echo);
 * const port = server.addr.port;
 * const login = new TextEncoder().encode("login");
 * await using client = await connect({
 *   port,
 *   transport,
 *   logger: silentLogger,
 *   reconnect: { baseDelay: 0.01, onReconnect: (conn) => conn.send(login) },
 * });
 * await server.shutdown({ quietPeriod: 0 });
 * server = await serve({ port, transport, logger: silentLogger }, echo);
 * assert.equal(new TextDecoder().decode(await client.receive()), "login", "the hook's frame, echoed by the new server");
 * assert.equal(client.reconnectStats.reconnects, 1);
 * await server.shutdown({ quietPeriod: 0 });
 * ```
 */
export interface ReconnectingConnection extends Connection {
  /** Where it is now. */
  readonly state: ReconnectState;
  /** Its own figures. */
  readonly reconnectStats: ReconnectStats;
  /** The reconnect hook (the `onReconnect` option); may be set at any time. */
  onReconnect: ReconnectHook | undefined;
  /**
   * Sends one frame. Connected, as `Connection.send`. Disconnected, the frame
   * waits for the next connection (settling once it is queued there) or the
   * send fails at once, per `whileDisconnected`.
   * @throws {DisconnectedError} disconnected, with `whileDisconnected: "fail"` or `maxWaitingBytes` full.
   * @throws {ReconnectFailedError} it gave up while the frame waited.
   * @throws {ConnectionClosedError} it has ended (closed, aborted), or ends while the frame waits.
   * @throws {FrameTooLargeError} the payload is over `maxFrameSize`; nothing is sent.
   */
  send(payload: Uint8Array, options?: SendOptions): Promise<void>;
  /** Calls `listener` with every {@linkcode ReconnectEvent}, synchronously; returns the function that stops it. */
  subscribe(listener: (event: ReconnectEvent) => void): () => void;
}

/**
 * True when `conn` came from `connect({ reconnect })`: for code that takes
 * any connection and does more with one that reconnects (an RPC client
 * gives up the calls a lost connection will never answer).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, isReconnecting, serve, silentLogger } from "spawnkit";
 * await using server = await serve({ logger: silentLogger }, () => {});
 * await using plain = await connect({ port: server.addr.port });
 * await using again = await connect({ port: server.addr.port, reconnect: true });
 * assert.equal(isReconnecting(plain), false);
 * assert.equal(isReconnecting(again), true);
 * ```
 */
export function isReconnecting(conn: Connection): conn is ReconnectingConnection {
  const candidate = conn as Partial<ReconnectingConnection>;
  return typeof candidate.subscribe === "function" && typeof candidate.reconnectStats === "object";
}
