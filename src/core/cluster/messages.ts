/**
 * What nodes of a cluster say to each other over the bus, as bytes:
 *
 * ```text
 * +------+-------------+------------------------------------------+
 * | kind | from (f64)  | body                                     |
 * +------+-------------+------------------------------------------+
 *  1 B    8 B big-endian
 *
 * broadcast  mode (u8: 0 all, 1 except, 2 only) | count (u32) | ids (f64 each) | frame payload
 * post       id (f64) | the message, encoded by the cluster's codec
 * send       id (f64) | frame payload
 * close      id (f64)
 * room       except (f64, 0: none) | name length (u16) | name (UTF-8) | frame payload
 * others     JSON (counts and rooms that changed, reports, snapshots, pings, a
 *            listing asked for; a few per second, each bounded)
 * ```
 *
 * A frame payload crosses as it is: one copy per node, framed once there.
 * Every message read from the bus is checked before it is used
 * (read_message.ts): anyone who can publish on the engine can send anything.
 *
 * @module
 */
import type { ServerStats } from "../stats.ts";

/** A connection as a listing (`fetchConnections()`) gives it: id, remote and local address, opening time. */
export type ConnectionEntry = readonly [
  id: number,
  remoteHost: string,
  remotePort: number,
  localHost: string,
  localPort: number,
  openedAt: number,
];

/** A room and its members on the node that says so (0: it has none left). */
export type RoomCount = readonly [room: string, members: number];

/** One message between nodes. */
export type ClusterMessage =
  | { readonly kind: "broadcast"; readonly payload: Uint8Array; readonly except?: number[]; readonly only?: number[] }
  | { readonly kind: "post"; readonly id: number; readonly body: Uint8Array }
  | { readonly kind: "send"; readonly id: number; readonly payload: Uint8Array }
  | { readonly kind: "close"; readonly id: number }
  | { readonly kind: "room"; readonly room: string; readonly except: number; readonly payload: Uint8Array }
  | { readonly kind: "delta"; readonly seq: number; readonly active: number; readonly rooms?: readonly RoomCount[] }
  | { readonly kind: "report"; readonly seq: number; readonly stats: ServerStats }
  | { readonly kind: "hello" }
  | { readonly kind: "left"; readonly node: number }
  | { readonly kind: "snapshot-request" }
  | { readonly kind: "snapshot"; readonly seq: number; readonly active: number; readonly rooms: readonly RoomCount[] }
  | { readonly kind: "ping" }
  | { readonly kind: "fetch"; readonly limit: number; readonly room?: string }
  | { readonly kind: "listing"; readonly entries: readonly ConnectionEntry[]; readonly more: boolean };

/** The kinds, by their number on the wire. */
export const KINDS = [
  "broadcast",
  "post",
  "send",
  "close",
  "delta",
  "report",
  "hello",
  "left",
  "snapshot-request",
  "snapshot",
  "room",
  "ping",
  "fetch",
  "listing",
] as const;
/** Bytes of the header every message starts with: kind and sender. */
export const HEADER = 9;
const encoder = new TextEncoder();

/** Encodes `message` from node `from`. */
export function encodeMessage(from: number, message: ClusterMessage): Uint8Array {
  let body: Uint8Array;
  let bytes: Uint8Array;
  switch (message.kind) {
    case "broadcast": {
      const ids = message.except ?? message.only ?? [];
      bytes = new Uint8Array(HEADER + 5 + ids.length * 8 + message.payload.length);
      const view = new DataView(bytes.buffer);
      view.setUint8(HEADER, message.except !== undefined ? 1 : message.only !== undefined ? 2 : 0);
      view.setUint32(HEADER + 1, ids.length);
      ids.forEach((id, i) => view.setFloat64(HEADER + 5 + i * 8, id));
      bytes.set(message.payload, HEADER + 5 + ids.length * 8);
      break;
    }
    case "room": {
      const name = encoder.encode(message.room);
      bytes = new Uint8Array(HEADER + 10 + name.length + message.payload.length);
      const view = new DataView(bytes.buffer);
      view.setFloat64(HEADER, message.except);
      view.setUint16(HEADER + 8, name.length);
      bytes.set(name, HEADER + 10);
      bytes.set(message.payload, HEADER + 10 + name.length);
      break;
    }
    case "post":
    case "send":
    case "close": {
      body = message.kind === "post" ? message.body : message.kind === "send" ? message.payload : new Uint8Array(0);
      bytes = new Uint8Array(HEADER + 8 + body.length);
      new DataView(bytes.buffer).setFloat64(HEADER, message.id);
      bytes.set(body, HEADER + 8);
      break;
    }
    default: {
      const { kind: _, ...rest } = message;
      body = encoder.encode(JSON.stringify(rest));
      bytes = new Uint8Array(HEADER + body.length);
      bytes.set(body, HEADER);
    }
  }
  const view = new DataView(bytes.buffer);
  view.setUint8(0, KINDS.indexOf(message.kind));
  view.setFloat64(1, from);
  return bytes;
}
