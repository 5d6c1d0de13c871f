/**
 * The server's API: the handler's types (the options of `serve()` are in
 * serve_options.ts), the running server a handler gets as its second argument, and the seam through
 * which something above the server (a cluster) extends it: `serve()` asks a
 * {@linkcode ServerExtension} for its {@linkcode ServerHooks} and hands it a
 * {@linkcode ServerSide}. `Message` is the type of what `post()` delivers to a
 * connection's mailbox.
 *
 * @module
 */
import type { ConnectionCallbacks } from "../connection/callbacks.ts";
import type { Connection } from "../connection/connection.ts";
import type { ConnectionStats, ServerStats } from "../stats.ts";
import type { BroadcastTarget } from "./broadcast.ts";
import type { Rooms } from "./rooms.ts";
import type { ShutdownOptions, ShutdownReport } from "./shutdown.ts";
import type { Address } from "../../transport/types.ts";

/**
 * A connection handler: runs once per connection, in its own task, with the
 * connection and its server. A handler that throws closes only its own
 * connection (`handler-error`, logged with its stack).
 *
 * @example A handler typed by the messages its server posts
 * ```ts
 * import type { Handler } from "spawnkit";
 * type Chat = { from: number; text: string };
 * const chat: Handler<Chat> = async (conn) => {
 *   for await (const event of conn.events()) {
 *     if (event.type === "message") await conn.send(new TextEncoder().encode(event.message.text));
 *   }
 * };
 * ```
 */
export type Handler<Message = unknown> = (conn: Connection<Message>, server: Server<Message>) => void | Promise<void>;

/**
 * A handler as callbacks: `frame` for every frame, and optionally `open`,
 * `message`, `tick` and `close`. `open` returns the connection's state (or a
 * promise of it), handed to every other callback. A callback that returns a
 * promise holds the next event until it settles; return `conn.send(reply)`
 * so that a send waiting for room holds it too (a send queued at once returns
 * a promise the kit recognizes, and the next frame follows synchronously).
 *
 * @example A counting echo
 * ```ts
 * import assert from "node:assert/strict";
 * import { type CallbackHandler, connect, serve, silentLogger } from "spawnkit";
 * const echo: CallbackHandler<{ frames: number }> = {
 *   open: () => ({ frames: 0 }),
 *   frame(conn, frame, state) {
 *     state.frames++;
 *     return conn.send(frame);
 *   },
 * };
 * await using server = await serve({ logger: silentLogger }, echo);
 * await using client = await connect({ port: server.addr.port });
 * await client.send(new Uint8Array([1, 2]));
 * assert.deepEqual(await client.receive(), new Uint8Array([1, 2]));
 * ```
 */
export type CallbackHandler<State = undefined, Message = unknown> = ConnectionCallbacks<
  State,
  Message,
  Server<Message>
>;

/** A running server, returned by `serve()`. */
export interface Server<Message = unknown> extends AsyncDisposable {
  /** The bound address, with the real port. */
  readonly addr: Address;
  /** Aborted when the server shuts down; the parent of every connection's signal. */
  readonly signal: AbortSignal;
  /** Settles once the server has shut down and every connection is gone. */
  readonly finished: Promise<void>;
  /** Connections open now. */
  readonly size: number;
  /** The server's figures now. */
  readonly stats: ServerStats;
  /** This server's connection with this id, if it is open (in a cluster, `cluster.remote(id)` makes a handle for another node's). */
  get(id: number): Connection<Message> | undefined;
  /** Named groups of connections: join, leave (and leave all at the end), broadcast to one, sizes. */
  readonly rooms: Rooms<Message>;
  /** This server's open connections (in a cluster, `cluster.fetchConnections()` asks every node for theirs). */
  connections(): IterableIterator<Connection<Message>>;
  /**
   * Encodes `payload` once and queues it to every open connection, or to those
   * `filter` accepts. In a cluster, without a filter or with ids
   * (`{ except: ids }`, `{ only: ids }`) it reaches every node; a predicate
   * cannot cross the bus, so a broadcast with one reaches this node's
   * connections only. Returns how many connections took it (on other nodes:
   * how many it is meant for, as last heard).
   * @throws {FrameTooLargeError} the payload is over the limit; nothing is sent.
   * @throws {RangeError} in a cluster, an `except` list over the bound a bus message holds; nothing is sent.
   */
  broadcast(payload: Uint8Array, filter?: ((conn: Connection<Message>) => boolean) | BroadcastTarget): number;
  /**
   * Posts `message` into connection `id`'s mailbox. False, and counted in its
   * `messagesDropped`, when it is gone, its mailbox is full, or its handler
   * iterates frames only and the server has no `onMessage`.
   */
  post(id: number, message: Message): boolean;
  /**
   * Swaps a callback handler's functions for every connection of this
   * server at its next event, without closing any: each connection keeps the
   * state its `open` returned (the new `open` runs for connections opened
   * after). Erlang's `?MODULE:loop`. In a cluster, this node's connections
   * only (tell each worker to reload its own).
   * @throws {TypeError} the server runs a loop handler (a function: a loop cannot be swapped mid-loop), or `handler` is not a callback handler.
   */
  // deno-lint-ignore no-explicit-any -- the state's type is the handler's own business
  reload(handler: CallbackHandler<any, Message>): void;
  /**
   * Stops accepting at once; aborts every connection's signal; goes on
   * handling the frames that still arrive until each connection has been
   * quiet for `quietPeriod`; force-closes what is left at `timeout`.
   * Settles once every connection is gone and every end hook has run.
   * @throws {RangeError} a bad `timeout` or `quietPeriod`; the server goes on running.
   */
  shutdown(options?: ShutdownOptions): Promise<ShutdownReport>;
}

/**
 * What `serve()` gives an extension of its own server (a cluster node), once
 * it listens.
 *
 * @example The shape, as a test double would fill it
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Server, type ServerSide, serve, silentLogger } from "spawnkit";
 * await using server: Server = await serve({ logger: silentLogger }, () => {});
 * const side: ServerSide<unknown> = {
 *   server,
 *   checkOutgoing: () => {},
 *   roomSizes: () => [],
 *   deliver: () => false,
 * };
 * assert.equal(side.deliver(1, new Uint8Array()), false);
 * ```
 */
export interface ServerSide<Message> {
  /** The server on its own: its connections, rooms and figures, never another node's. */
  readonly server: Server<Message>;
  /**
   * Checks that a payload of `length` bytes fits the server's framing.
   * @throws {FrameTooLargeError} a payload the server could not frame.
   */
  checkOutgoing(length: number): void;
  /** The server's rooms with members, and how many each. */
  roomSizes(): Iterable<readonly [room: string, members: number]>;
  /**
   * Queues a frame to connection `id` as a broadcast to it alone: over the
   * outbox's high-water mark, the slow-consumer policy. False when it was not
   * queued (no such connection, or dropped).
   * @throws {FrameTooLargeError} a payload the server could not frame.
   */
  deliver(id: number, payload: Uint8Array): boolean;
}

/**
 * What `serve()` calls on an extension (a cluster node): the first connection
 * id, the lifecycle of connections and rooms, and the reach of the `Server`
 * handlers hold beyond this server (its `size`, `stats`, `broadcast`,
 * `post`, and the rooms' `broadcast` and `size`).
 *
 * @example Hooks that add nothing: ids from 1, no reach beyond this server
 * ```ts
 * import assert from "node:assert/strict";
 * import { serve, type ServerHooks, silentLogger } from "spawnkit";
 * const alone: ServerHooks = {
 *   firstId: 1,
 *   opened() {},
 *   closed() {},
 *   roomChanged() {},
 *   attach() {},
 *   close() {},
 *   size: 0,
 *   stats: {
 *     accepted: 0,
 *     active: 0,
 *     refused: {},
 *     closedByReason: {},
 *     framesDropped: 0,
 *     bytesIn: 0,
 *     bytesOut: 0,
 *     messagesDropped: 0,
 *     acceptErrors: {},
 *     acceptPauses: 0,
 *   },
 *   owns: () => true,
 *   broadcast: () => 0,
 *   post: () => false,
 *   roomBroadcast: () => 0,
 *   roomSize: () => 0,
 * };
 * await using server = await serve({ logger: silentLogger, cluster: { serverHooks: () => alone } }, () => {});
 * assert.equal(server.size, 0);
 * ```
 */
export interface ServerHooks<Message = unknown> {
  /** The first connection id of the server (ids that carry the node, in a cluster). */
  readonly firstId: number;
  /** A connection of the server opened. */
  opened(conn: Connection<Message>): void;
  /** A connection of the server ended, with its final stats. */
  closed(stats: ConnectionStats): void;
  /** A room of the server has `size` members now. */
  roomChanged(room: string, size: number): void;
  /** The server listens: `side` is its own part. */
  attach(side: ServerSide<Message>): void;
  /** The server shut down, or failed to listen. */
  close(): void;
  /** Connections open everywhere, the server's own included. */
  readonly size: number;
  /** Every figure summed, the server's own included. */
  readonly stats: ServerStats;
  /** Whether connection `id` is the server's own (else it is beyond it). */
  owns(id: number): boolean;
  /**
   * Sends a broadcast beyond the server (a predicate `filter` stays on the
   * server: nothing crosses); returns how many connections it is meant for.
   * Called before the server's own part: a throw sends nothing.
   */
  broadcast(payload: Uint8Array, filter?: ((conn: Connection<Message>) => boolean) | BroadcastTarget): number;
  /** Posts to a connection beyond the server; false when it did not go. */
  post(id: number, message: Message): boolean;
  /** Sends a room broadcast beyond the server (`except`: an id, or 0); returns the members it is meant for. */
  roomBroadcast(room: string, payload: Uint8Array, except: number): number;
  /** Members of `room` beyond the server. */
  roomSize(room: string): number;
}

/**
 * Something a server runs with (`joinCluster()` makes one): `serve()` asks it
 * for its hooks once, and the server owns it from then on (shutdown closes it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { joinCluster, type ServerExtension } from "spawnkit";
 * import { createPortHub } from "spawnkit/workers";
 * const hub = createPortHub();
 * const cluster: ServerExtension = joinCluster({ bus: hub.connect(1), node: 1 });
 * assert.equal(cluster.serverHooks().firstId, 10_000_000_001);
 * hub.close();
 * ```
 */
export interface ServerExtension {
  /** The hooks `serve()` calls; asked once. */
  serverHooks(): ServerHooks<unknown>;
}
