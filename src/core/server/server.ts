/**
 * The server's face: the handler's type, the options of `serve()`, and the
 * running server a handler gets as its second argument. `Message` is the
 * type of what `post()` delivers to a connection's mailbox.
 *
 * @module
 */
import type { CallbackHandler } from "../connection/callbacks.ts";
import type { Connection } from "../connection/connection.ts";
import type { OutboxOptions } from "../connection/water_marks.ts";
import type { FramingOptions } from "../framing/length_prefixed.ts";
import type { Logger } from "../logger.ts";
import type { ConnectionStats, ServerStats } from "../stats.ts";
import type { GuardOptions } from "./guards.ts";
import type { ProxyProtocolOptions } from "./proxy/gate.ts";
import type { RoomOptions, Rooms } from "./rooms.ts";
import type { ShutdownOptions, ShutdownReport } from "./shutdown.ts";
import type { Address, TlsServeOptions, Transport } from "../../transport/types.ts";
import type { Cluster } from "../cluster/cluster.ts";
import type { Door } from "./door.ts";

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

/** Options of `serve()`. */
export interface ServeOptions<Message = unknown>
  extends FramingOptions, OutboxOptions, GuardOptions, ProxyProtocolOptions, RoomOptions {
  /** Port to listen on; 0 picks a free one (read it from `server.addr`). @default {0} */
  port?: number;
  /** Address to bind. @default {"127.0.0.1"} */
  hostname?: string;
  /** Serve TLS with this certificate and private key (PEM); the key is never logged. @default plain TCP */
  tls?: TlsServeOptions;
  /**
   * Share the port with other listeners that set it too (SO_REUSEPORT): threads
   * or processes of the same user, among which Linux spreads connections. A
   * second process on the port for a rolling restart, or one listener per worker.
   * @default {false}
   */
  reusePort?: boolean;
  /**
   * Listeners besides the TCP port whose connections join this server: the
   * same handler, registry, rooms and guards (`webSocketDoor()` of
   * `spawnkit/websocket`). Opened after the port, closed first at shutdown.
   * @default none
   */
  doors?: readonly Door[];
  /**
   * Serve as a node of this cluster (`joinCluster()`): connection ids carry the
   * node, and the server handlers get (and `serve()` returns) reaches every
   * node with `broadcast`, `post`, `size`, `stats`, `get` and `connections`.
   * The server owns it: shutdown closes it.
   * @default none: this server alone
   */
  cluster?: Cluster;
  /** Messages a connection's mailbox holds before `post()` refuses more. @default {1024} */
  mailboxCapacity?: number;
  /** Aborting it shuts the server down (as `shutdown()` with the default options), its reason the `cause`. */
  signal?: AbortSignal;
  /** Where the kit logs. A LogTape logger fits. @default warnings and errors to the console */
  logger?: Logger;
  /** Called with a connection's final stats when it ends (the original's save_on_end). */
  onConnectionEnd?: (stats: ConnectionStats) => void | Promise<void>;
  /** Called for a posted message met while a handler iterates frames only. */
  onMessage?: (conn: Connection<Message>, message: Message) => void | Promise<void>;
  /** The socket API: the runtime's own by default; `memoryTransport()` for in-process pairs. */
  transport?: Transport;
}

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
  /** The connection with this id, if it is open. */
  get(id: number): Connection<Message> | undefined;
  /** Named groups of connections: join, leave (and leave all at the end), broadcast to one, sizes. */
  readonly rooms: Rooms<Message>;
  /** The open connections. */
  connections(): IterableIterator<Connection<Message>>;
  /**
   * Encodes `payload` once and queues it to every open connection, or to those
   * `filter` accepts. Returns how many connections took it.
   * @throws {FrameTooLargeError} the payload is over the limit; nothing is sent.
   */
  broadcast(payload: Uint8Array, filter?: (conn: Connection<Message>) => boolean): number;
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
