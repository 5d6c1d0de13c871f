/**
 * The server a handler holds in a cluster: the node's own server, with
 * `broadcast`, `post`, `size`, `stats`, `get`, `connections` and the rooms'
 * `broadcast` and `size` reaching every node. Everything else (the address, the signal, shutdown) is the
 * node's own.
 *
 * @module
 */
import type { Connection } from "../connection/connection.ts";
import type { Rooms } from "../server/rooms.ts";
import type { Server } from "../server/server.ts";
import type { ServerStats } from "../stats.ts";
import type { ClusterNode } from "./cluster.ts";
import { nodeOfConnection } from "./node_ids.ts";

/** `local` as a member of `cluster`. */
export function clusterServer<Message>(local: Server<Message>, cluster: ClusterNode<Message>): Server<Message> {
  const own = local.rooms;
  const rooms: Rooms<Message> = {
    join: (conn, room) => own.join(conn, room),
    leave: (conn, room) => own.leave(conn, room),
    broadcast(room, payload, except) {
      // Checked and sent here first, as a local room broadcast would: a payload too large goes nowhere.
      const taken = own.broadcast(room, payload, except);
      return taken + cluster.roomBroadcast(room, payload, typeof except === "number" ? except : except?.id ?? 0);
    },
    size: (room) => own.size(room) + cluster.roomSize(room),
    of: (conn) => own.of(conn),
    members: (room) => own.members(room),
  };
  return {
    rooms,
    get addr() {
      return local.addr;
    },
    get signal() {
      return local.signal;
    },
    get finished() {
      return local.finished;
    },
    get size(): number {
      return cluster.size;
    },
    get stats(): ServerStats {
      return cluster.stats;
    },
    get: (id) => local.get(id) ?? cluster.remote(id),
    *connections(): IterableIterator<Connection<Message>> {
      yield* local.connections();
      yield* cluster.remotes();
    },
    broadcast(payload, filter) {
      // Checked here, once, as a local broadcast would: a payload too large goes nowhere.
      const taken = local.broadcast(payload, filter);
      return taken + cluster.broadcast(payload, filter);
    },
    post: (id, message) => nodeOfConnection(id) === cluster.node ? local.post(id, message) : cluster.post(id, message),
    reload: (handler) => local.reload(handler),
    shutdown: (options) => local.shutdown(options),
    [Symbol.asyncDispose]: () => local[Symbol.asyncDispose](),
  };
}
