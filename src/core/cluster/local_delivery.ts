/**
 * What a node does with a checked message meant for its own server's
 * connections: a broadcast, a post, a send, a close, a room broadcast from
 * another node, delivered to this server alone (never published again).
 *
 * @module
 */
import type { MessageCodec } from "../codec.ts";
import type { Connection, RemoteConnection } from "../connection/connection.ts";
import type { ServerSide } from "../server/server.ts";
import type { ClusterMessage } from "./messages.ts";
import { nodeOfConnection } from "./node_ids.ts";

// A posted message's nesting, bounded for the codec's recursion.
const MAX_DEPTH = 256;

/** The messages another node sends for this server's connections. */
export type LocalMessage = Extract<ClusterMessage, { kind: "broadcast" | "post" | "send" | "close" | "room" }>;

/**
 * Delivers `message` to the connections of `local`, this node's server (none
 * when the node only observes). Returns why it was refused, if it was.
 * @throws what the server or the codec throws for it (a frame over the limit, a body the codec refuses).
 */
export function deliverLocally<Message>(
  local: ServerSide<Message> | undefined,
  node: number,
  message: LocalMessage,
  codec: MessageCodec<Message>,
): string | undefined {
  const server = local?.server;
  switch (message.kind) {
    case "broadcast": {
      // A Set: a forged list of many ids costs one pass, not one per connection.
      const except = message.except === undefined ? undefined : new Set(message.except);
      const only = message.only === undefined ? undefined : new Set(message.only);
      const filter = except !== undefined
        ? (conn: Connection<Message> | RemoteConnection) => !except.has(conn.id)
        : only !== undefined
        ? (conn: Connection<Message> | RemoteConnection) => only.has(conn.id)
        : undefined;
      local?.checkOutgoing(message.payload.length);
      server?.broadcast(message.payload, filter);
      return;
    }
    case "post":
    case "send":
    case "close":
      if (nodeOfConnection(message.id) !== node) return `its id is not one of node ${node}`;
      if (message.kind === "post") server?.post(message.id, codec.decode(message.body, MAX_DEPTH));
      else if (message.kind === "send") local?.deliver(message.id, message.payload);
      else server?.get(message.id)?.close();
      return;
    case "room":
      // A room with no member here: nothing to do (and a name over this server's limit has none).
      if (server === undefined || server.rooms.size(message.room) === 0) return;
      server.rooms.broadcast(message.room, message.payload, message.except === 0 ? undefined : message.except);
      return;
  }
}
