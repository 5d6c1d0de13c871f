/**
 * What one Redis message carries around the bus's payload: Redis pub/sub has
 * no request/reply and echoes a node's own messages back to it, so every
 * message says which bus sent it, and requests and replies carry an id.
 *
 * ```text
 * +------+---------------+-----------------+---------+
 * | kind | sender (8 B)  | id (u32)        | payload |
 * +------+---------------+-----------------+---------+
 *  1 B    random per bus  requests, replies
 * ```
 *
 * A request's reply goes to the channel of its sender (`replyChannel()`).
 *
 * @module
 */
import { Buffer } from "node:buffer";

/** A message published to a topic. */
export const MESSAGE = 0;
/** A request: answer it on the sender's reply channel. */
export const REQUEST = 1;
/** A reply to a request of the receiving bus. */
export const REPLY = 2;

/** The kind of a wire message. */
export type Kind = typeof MESSAGE | typeof REQUEST | typeof REPLY;

const SENDER = 8;

/** The bytes a wire message adds to a payload of `kind`. */
export function overhead(kind: Kind): number {
  return 1 + SENDER + (kind === MESSAGE ? 0 : 4);
}

/** A new bus's id: 8 random bytes. */
export function newSender(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(SENDER));
}

/** The channel where the bus `sender` gets the replies to its requests. */
export function replyChannel(sender: Uint8Array): string {
  return `spawnkit.bus.reply.${[...sender].map((byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

/** `payload` in a wire message (one copy), as a Buffer for the client. */
export function seal(kind: Kind, sender: Uint8Array, id: number, payload: Uint8Array): Buffer {
  const head = overhead(kind);
  const bytes = Buffer.allocUnsafe(head + payload.length);
  bytes[0] = kind;
  bytes.set(sender, 1);
  if (kind !== MESSAGE) bytes.writeUInt32BE(id, 1 + SENDER);
  bytes.set(payload, head);
  return bytes;
}

/** A wire message's parts; undefined for bytes that are not one. */
export function open(
  bytes: Uint8Array,
): { kind: Kind; sender: Uint8Array; id: number; payload: Uint8Array } | undefined {
  const kind = bytes[0];
  if (kind !== MESSAGE && kind !== REQUEST && kind !== REPLY) return undefined;
  const head = overhead(kind);
  if (bytes.length < head) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const id = kind === MESSAGE ? 0 : view.getUint32(1 + SENDER);
  return { kind, sender: bytes.subarray(1, 1 + SENDER), id, payload: bytes.subarray(head) };
}

/** True when `a` and `b` are the same sender. */
export function sameSender(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < SENDER; i++) if (a[i] !== b[i]) return false;
  return true;
}
