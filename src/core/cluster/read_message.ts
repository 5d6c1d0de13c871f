/**
 * Reading a cluster message from the bus, checked before anything uses it:
 * anyone who can publish on the engine can send a node any bytes. The
 * header's kind and sender, every length against the bytes present, every
 * id, number and string (_message_fields.ts for the JSON bodies). A message
 * that fails is a rejection with the kind it claimed and why, never a throw.
 *
 * What reading one message allocates is bounded by the bytes it brought: a
 * broadcast's ids by its length (8 bytes each), a JSON body by
 * `MESSAGE_LIMITS.jsonBytes` and each of its lists by
 * `MESSAGE_LIMITS.entries`.
 *
 * @module
 */
import { checkBody, FieldError, isId, isNode, isRoomName, type JsonKind, MESSAGE_LIMITS } from "./_message_fields.ts";
import { type ClusterMessage, HEADER, KINDS } from "./messages.ts";

export { MESSAGE_LIMITS };

/** A message that passed every check. */
export interface ReadMessage {
  readonly from: number;
  readonly message: ClusterMessage;
}

/** A message that failed a check: the kind it claimed (`"unreadable"` when not even that) and why. */
export interface RejectedMessage {
  readonly rejected: ClusterMessage["kind"] | "unreadable";
  /** Why, in the kit's words: no byte of the message is in it. */
  readonly why: string;
}

// fatal: bytes that are not UTF-8 are a rejection, not a string of U+FFFD.
const utf8 = new TextDecoder("utf-8", { fatal: true });

function rejected(kind: RejectedMessage["rejected"], why: string): RejectedMessage {
  return { rejected: kind, why };
}

/**
 * Reads and checks one message from the bus. Never throws.
 *
 * @example A forged broadcast that claims 2^32 - 1 ids in 14 bytes is rejected, and allocates nothing
 * ```ts
 * import assert from "node:assert/strict";
 * import { readMessage } from "./read_message.ts";
 * const bytes = new Uint8Array(14);
 * new DataView(bytes.buffer).setFloat64(1, 2); // from node 2
 * bytes.set([1, 0xff, 0xff, 0xff, 0xff], 9); // mode "except", count 2^32 - 1
 * const read = readMessage(bytes);
 * assert.ok("rejected" in read);
 * assert.equal(read.rejected, "broadcast");
 * ```
 */
export function readMessage(bytes: Uint8Array): ReadMessage | RejectedMessage {
  if (!(bytes instanceof Uint8Array)) return rejected("unreadable", "not bytes");
  if (bytes.length < HEADER) return rejected("unreadable", `${bytes.length} bytes, under a header's ${HEADER}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = KINDS[view.getUint8(0)];
  if (kind === undefined) return rejected("unreadable", `no kind numbered ${view.getUint8(0)}`);
  const from = view.getFloat64(1);
  if (!isNode(from)) return rejected(kind, "its sender is not a node number");
  try {
    const message = readBody(kind, view, bytes);
    return typeof message === "string" ? rejected(kind, message) : { from, message };
  } catch (error) {
    // A body that fails a field's check, bytes that are not UTF-8 or JSON, JSON too deep for the parser's stack.
    return rejected(kind, error instanceof FieldError ? error.message : `its body does not parse (${nameOf(error)})`);
  }
}

/**
 * Reads one message from the bus, as {@linkcode readMessage}, for callers that want a throw.
 * @throws {RangeError} a message that fails a check.
 */
export function decodeMessage(bytes: Uint8Array): ReadMessage {
  const read = readMessage(bytes);
  if ("rejected" in read) throw new RangeError(`Cannot read a cluster message (${read.rejected}): ${read.why}`);
  return read;
}

function nameOf(error: unknown): string {
  return error instanceof Error ? error.name : "error";
}

// The body of `kind`, or why it failed.
function readBody(kind: ClusterMessage["kind"], view: DataView, bytes: Uint8Array): ClusterMessage | string {
  const length = bytes.length;
  switch (kind) {
    case "broadcast": {
      if (length < HEADER + 5) return `${length} bytes, under a broadcast's ${HEADER + 5}`;
      const mode = view.getUint8(HEADER);
      const count = view.getUint32(HEADER + 1);
      if (mode > 2) return `no broadcast mode numbered ${mode}`;
      // Checked against the bytes present before anything is allocated for them.
      if (count > (length - HEADER - 5) / 8) return `it claims ${count} ids in ${length} bytes`;
      if (mode === 0 && count !== 0) return "a broadcast to all lists ids";
      const ids = new Array<number>(count);
      for (let i = 0; i < count; i++) {
        const id = view.getFloat64(HEADER + 5 + i * 8);
        if (!isId(id)) return "an id is not a connection id";
        ids[i] = id;
      }
      const payload = bytes.subarray(HEADER + 5 + count * 8);
      return mode === 1
        ? { kind, payload, except: ids }
        : mode === 2
        ? { kind, payload, only: ids }
        : { kind, payload };
    }
    case "post":
    case "send":
    case "close": {
      if (length < HEADER + 8) return `${length} bytes, under a ${kind}'s ${HEADER + 8}`;
      if (kind === "close" && length !== HEADER + 8) return `${length} bytes, not a close's ${HEADER + 8}`;
      const id = view.getFloat64(HEADER);
      if (!isId(id)) return "its id is not a connection id";
      const rest = bytes.subarray(HEADER + 8);
      return kind === "post" ? { kind, id, body: rest } : kind === "send" ? { kind, id, payload: rest } : { kind, id };
    }
    case "room": {
      if (length < HEADER + 10) return `${length} bytes, under a room broadcast's ${HEADER + 10}`;
      const except = view.getFloat64(HEADER);
      if (except !== 0 && !isId(except)) return "its except is not a connection id";
      const nameLength = view.getUint16(HEADER + 8);
      if (nameLength > length - HEADER - 10) return `it claims a name of ${nameLength} bytes in ${length}`;
      const room = utf8.decode(bytes.subarray(HEADER + 10, HEADER + 10 + nameLength));
      if (!isRoomName(room)) return "its room's name is not one";
      return { kind, room, except, payload: bytes.subarray(HEADER + 10 + nameLength) };
    }
    default: {
      if (length - HEADER > MESSAGE_LIMITS.jsonBytes) return `a body of ${length - HEADER} bytes, over the limit`;
      return checkBody(kind as JsonKind, view.getFloat64(1), JSON.parse(utf8.decode(bytes.subarray(HEADER))));
    }
  }
}
