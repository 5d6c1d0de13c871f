/**
 * The options of `serve()`: the listener, its guards and limits, the doors
 * beside the TCP port, the cluster it serves in, and where it logs.
 *
 * @module
 */
import type { Connection } from "../connection/connection.ts";
import type { OutboxOptions } from "../connection/water_marks.ts";
import type { FramingOptions } from "../framing/length_prefixed.ts";
import type { Logger } from "../logger.ts";
import type { ConnectionStats } from "../stats.ts";
import type { AdmissionOptions } from "./admission.ts";
import type { Door } from "./door.ts";
import type { GuardOptions } from "./guards.ts";
import type { ProxyProtocolOptions } from "./proxy/gate.ts";
import type { RoomOptions } from "./rooms.ts";
import type { ServerExtension } from "./server.ts";
import type { TlsServeOptions, Transport } from "../../transport/types.ts";

/** Options of `serve()`. */
export interface ServeOptions<Message = unknown>
  extends FramingOptions, OutboxOptions, GuardOptions, ProxyProtocolOptions, RoomOptions, AdmissionOptions {
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
  /** TCP keepalive on every accepted socket, after this many idle seconds (`Transport`'s `keepAlive`). @default off */
  keepAlive?: number;
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
   * node with `broadcast`, `post`, `size`, `stats` and the rooms' `broadcast`
   * and `size`; `get` and `connections` stay this node's own.
   * The server owns it: shutdown closes it.
   * @default none: this server alone
   */
  cluster?: ServerExtension;
  /** Messages a connection's mailbox holds before `post()` refuses more. @default {1024} */
  mailboxCapacity?: number;
  /**
   * Fill every frame lent to callbacks or `batches()` with 0xDB as soon as its
   * lifetime ends (docs/handlers.md, "Borrowed frames"), so that a handler that kept one without `slice()` fails its own tests at once. A switch for tests: a fill per frame.
   * @default {false}
   */
  debugBorrowedFrames?: boolean;
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
