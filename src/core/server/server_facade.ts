/**
 * The one builder of the `Server` a handler holds, and of its rooms: over the
 * server's registry alone, or, given an extension's hooks (a cluster node),
 * with `size`, `stats`, `broadcast`, `post` and the rooms' `broadcast` and
 * `size` reaching beyond it. The address, the signal, `get`, `connections`,
 * `reload` and shutdown are the server's own in both.
 *
 * One builder, two views in a cluster: the server's own (what the extension
 * delivers into, never handed to a handler) and the one handlers hold.
 *
 * @module
 */
import type { CallbackSource } from "../connection/callbacks.ts";
import { checkCallbacks } from "../connection/callbacks.ts";
import type { FramedConnection } from "../connection/framed_connection.ts";
import { checkOutgoing, encodeWith, type Framing } from "../framing/length_prefixed.ts";
import type { ServerStats } from "../stats.ts";
import type { Address } from "../../transport/types.ts";
import type { AcceptErrors } from "./accept_errors.ts";
import { broadcastEncoded, type SlowConsumerPolicy, targetFilter } from "./broadcast.ts";
import type { Registry } from "./registry.ts";
import { checkRoomName, type RoomRegistry, type Rooms } from "./rooms.ts";
import type { Server, ServerHooks, ServerSide } from "./server.ts";
import type { ShutdownOptions, ShutdownReport } from "./shutdown.ts";

/** What `serve()` builds its facade from. */
export interface ServerParts<Message> {
  readonly registry: Registry<FramedConnection<Message>>;
  readonly rooms: RoomRegistry<FramedConnection<Message>>;
  readonly framing: Framing;
  readonly slowConsumer: SlowConsumerPolicy;
  readonly acceptErrors: AcceptErrors;
  readonly signal: AbortSignal;
  readonly finished: Promise<void>;
  /** The bound address (read once the server listens). */
  addr(): Address;
  /** The callback handler's source, or undefined for a loop handler. */
  readonly callbacks: CallbackSource<Message, Server<Message>> | undefined;
  shutdown(options?: ShutdownOptions): Promise<ShutdownReport>;
}

/** The `Server` over `parts`, reaching beyond it through `hooks` when given. */
export function buildServer<Message>(parts: ServerParts<Message>, hooks?: ServerHooks<Message>): Server<Message> {
  const { registry, framing, slowConsumer, acceptErrors, callbacks } = parts;
  const shutdown = parts.shutdown;
  return {
    get addr() {
      return parts.addr();
    },
    signal: parts.signal,
    finished: parts.finished,
    get size() {
      return hooks === undefined ? registry.size : hooks.size;
    },
    get stats(): ServerStats {
      if (hooks !== undefined) return hooks.stats;
      return { ...registry.stats(), acceptErrors: acceptErrors.counts, acceptPauses: acceptErrors.pauses };
    },
    get: (id) => registry.get(id),
    connections: () => registry.values(),
    rooms: roomsOf(parts, hooks),
    broadcast(payload, filter) {
      // Encoded (and checked) here first: a payload too large goes nowhere, not even beyond the server.
      const bytes = encodeWith(payload, framing);
      // Beyond the server before it: a list the bus cannot carry throws before anything is sent.
      const beyond = hooks === undefined ? 0 : hooks.broadcast(payload, filter);
      const local = typeof filter === "object" ? targetFilter(filter) : filter;
      return beyond + broadcastEncoded(registry.values(), bytes, slowConsumer, local);
    },
    post: (id, message) =>
      hooks === undefined || hooks.owns(id) ? registry.get(id)?.deliver(message) ?? false : hooks.post(id, message),
    reload(next) {
      if (callbacks === undefined) {
        throw new TypeError(
          "Cannot reload the handler: this server runs a loop handler (a function), which cannot be swapped mid-loop",
        );
      }
      if (typeof next === "function") {
        throw new TypeError("Cannot reload the handler: a loop handler (a function) cannot take over from callbacks");
      }
      callbacks.current = checkCallbacks(next);
    },
    shutdown: (options) => shutdown(options),
    [Symbol.asyncDispose]: async () => void await shutdown(),
  };
}

/** The rooms facade: the server's own rooms, and those beyond it through `hooks`. */
function roomsOf<Message>(parts: ServerParts<Message>, hooks: ServerHooks<Message> | undefined): Rooms<Message> {
  const { rooms, framing, slowConsumer } = parts;
  return {
    join: (conn, room) => rooms.join(conn, room),
    leave: (conn, room) => rooms.leave(conn, room),
    broadcast(room, payload, except) {
      // Checked and sent here first: a payload too large goes nowhere.
      checkRoomName(room, rooms.maxNameLength);
      checkOutgoing(payload.length, framing);
      const id = typeof except === "number" ? except : except?.id;
      let taken = 0;
      if (rooms.size(room) !== 0) {
        const filter = id === undefined ? undefined : (conn: FramedConnection<Message>) => conn.id !== id;
        taken = broadcastEncoded(rooms.members(room), encodeWith(payload, framing), slowConsumer, filter);
      }
      return hooks === undefined ? taken : taken + hooks.roomBroadcast(room, payload, id ?? 0);
    },
    size: (room) => hooks === undefined ? rooms.size(room) : rooms.size(room) + hooks.roomSize(room),
    of: (conn) => rooms.of(conn),
    members: (room) => rooms.members(room),
  };
}

/** What the extension gets of the server once it listens: `local` is the server's own view. */
export function serverSide<Message>(parts: ServerParts<Message>, local: Server<Message>): ServerSide<Message> {
  const { registry, rooms, framing, slowConsumer } = parts;
  return {
    server: local,
    checkOutgoing: (length) => checkOutgoing(length, framing),
    roomSizes: () => rooms.sizes(),
    deliver(id, payload) {
      const conn = registry.get(id);
      if (conn === undefined) return false;
      checkOutgoing(payload.length, framing);
      // As a broadcast to one: a peer that does not read meets the slow-consumer policy, not a waiting send.
      return broadcastEncoded([conn], encodeWith(payload, framing), slowConsumer) === 1;
    },
  };
}
