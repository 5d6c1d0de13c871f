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
 * others     JSON (directory changes, reports, snapshots, pings; a few per second)
 * ```
 *
 * A frame payload crosses as it is: one copy per node, framed once there.
 *
 * @module
 */
import type { ServerStats } from "../stats.ts";

/** A connection as the directory of another node knows it: id, remote and local address, opening time. */
export type DirectoryEntry = readonly [
  id: number,
  remoteHost: string,
  remotePort: number,
  localHost: string,
  localPort: number,
  openedAt: number,
];

/** A connection that left, with its close reason. */
export type DirectoryLeave = readonly [id: number, reason: string];

/** A room and its members on the node that says so (0: it has none left). */
export type RoomCount = readonly [room: string, members: number];

/** One message between nodes. */
export type ClusterMessage =
  | { readonly kind: "broadcast"; readonly payload: Uint8Array; readonly except?: number[]; readonly only?: number[] }
  | { readonly kind: "post"; readonly id: number; readonly body: Uint8Array }
  | { readonly kind: "send"; readonly id: number; readonly payload: Uint8Array }
  | { readonly kind: "close"; readonly id: number }
  | { readonly kind: "room"; readonly room: string; readonly except: number; readonly payload: Uint8Array }
  | {
    readonly kind: "delta";
    readonly seq: number;
    readonly joins: readonly DirectoryEntry[];
    readonly leaves: readonly DirectoryLeave[];
    readonly rooms?: readonly RoomCount[];
  }
  | { readonly kind: "report"; readonly seq: number; readonly stats: ServerStats }
  | { readonly kind: "hello" }
  | { readonly kind: "left"; readonly node: number }
  | { readonly kind: "snapshot-request" }
  | {
    readonly kind: "snapshot";
    readonly seq: number;
    readonly entries: readonly DirectoryEntry[];
    readonly rooms?: readonly RoomCount[];
  }
  | { readonly kind: "ping" };

const KINDS = [
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
] as const;
const HEADER = 9;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

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

/**
 * Decodes a message and the node it came from.
 *
 * @throws {RangeError} bytes that are not a cluster message.
 */
export function decodeMessage(bytes: Uint8Array): { from: number; message: ClusterMessage } {
  if (bytes.length < HEADER) throw new RangeError(`Cannot decode a cluster message of ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = KINDS[view.getUint8(0)];
  const from = view.getFloat64(1);
  switch (kind) {
    case "broadcast": {
      const mode = view.getUint8(HEADER);
      const count = view.getUint32(HEADER + 1);
      const ids = Array.from({ length: count }, (_, i) => view.getFloat64(HEADER + 5 + i * 8));
      const payload = bytes.subarray(HEADER + 5 + count * 8);
      const message = mode === 1 ? { kind, payload, except: ids } : mode === 2 ? { kind, payload, only: ids } : {
        kind,
        payload,
      };
      return { from, message };
    }
    case "post":
      return { from, message: { kind, id: view.getFloat64(HEADER), body: bytes.subarray(HEADER + 8) } };
    case "send":
      return { from, message: { kind, id: view.getFloat64(HEADER), payload: bytes.subarray(HEADER + 8) } };
    case "close":
      return { from, message: { kind, id: view.getFloat64(HEADER) } };
    case "room": {
      const length = view.getUint16(HEADER + 8);
      const room = decoder.decode(bytes.subarray(HEADER + 10, HEADER + 10 + length));
      return {
        from,
        message: { kind, room, except: view.getFloat64(HEADER), payload: bytes.subarray(HEADER + 10 + length) },
      };
    }
    case undefined:
      throw new RangeError(`Cannot decode a cluster message of kind ${view.getUint8(0)}`);
    default:
      return { from, message: { kind, ...JSON.parse(decoder.decode(bytes.subarray(HEADER))) } as ClusterMessage };
  }
}
