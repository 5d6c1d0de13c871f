/**
 * The checks of the JSON bodies of cluster messages (deltas, snapshots,
 * reports, listings): every field's type and range, every list's length,
 * every string's length. A body that passes is rebuilt from the checked
 * fields alone, so nothing the sender added (an extra key, a `__proto__`)
 * reaches the node.
 *
 * @module
 */
import { NUMBER_OPTIONS } from "../options.ts";
import type { ServerStats } from "../stats.ts";
import type { ClusterMessage, ConnectionEntry, RoomCount } from "./messages.ts";
import { nodeOfConnection } from "./node_ids.ts";

/** What one message may hold at most: each bounds what reading it allocates. */
export const MESSAGE_LIMITS = {
  /** Bytes of a JSON body. */
  jsonBytes: 16 * 1024 * 1024,
  /** Room counts in one message. */
  entries: 262_144,
  /** Connections in one listing, and the most a `fetch` may ask of one node (about 60 bytes each on the bus). */
  listing: 10_000,
  /** Characters of a host name or address in a listing's entry. */
  hostLength: 255,
  /** Bytes (UTF-8) of a room name. */
  roomNameBytes: 1024,
  /** Keys of a count by reason in a report. */
  statsKeys: 64,
} as const;

/** A body that failed a check: why, in the kit's words (never the sender's bytes). */
export class FieldError extends Error {
  constructor(why: string) {
    super(why);
    this.name = "FieldError";
  }
}

const encoder = new TextEncoder();
// Two names that differ only in a lone surrogate would be one name in UTF-8 (rooms.ts).
const LONE_SURROGATE = /\p{Cs}/u;
const MAX_NODE = NUMBER_OPTIONS.node.max;
// Keys of counts by reason: close reasons, refusal reasons, errno codes. No `__proto__`, nothing a metrics label
// or a log line would have to escape.
const REASON_KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const COUNTERS = [
  "accepted",
  "active",
  "framesDropped",
  "bytesIn",
  "bytesOut",
  "messagesDropped",
  "acceptPauses",
] as const;

function fail(why: string): never {
  throw new FieldError(why);
}

/** A count: a non-negative safe integer. */
export function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** A node number: an integer from 0 (an observer) to the largest node. */
export function isNode(value: unknown): value is number {
  return isCount(value) && value <= MAX_NODE;
}

/** A connection id: a positive safe integer. */
export function isId(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1;
}

function count(value: unknown, name: string): number {
  return isCount(value) ? value : fail(`${name} is not a non-negative integer`);
}

function list(value: unknown, name: string, max: number = MESSAGE_LIMITS.entries): unknown[] {
  if (!Array.isArray(value)) fail(`${name} is not a list`);
  if (value.length > max) fail(`${name} has ${value.length} items, over ${max}`);
  return value;
}

function text(value: unknown, max: number, name: string): string {
  if (typeof value !== "string") fail(`${name} is not a string`);
  if (value.length > max) fail(`${name} is ${value.length} characters, over ${max}`);
  return value;
}

function port(value: unknown, name: string): number {
  return isCount(value) && value <= 65535 ? value : fail(`${name} is not a port`);
}

function idOf(value: unknown, from: number, name: string): number {
  if (!isId(value)) fail(`${name} is not a connection id`);
  if (nodeOfConnection(value) !== from) fail(`${name} is not an id of node ${from}`);
  return value;
}

function entries(value: unknown, from: number): ConnectionEntry[] {
  return list(value, "entries", MESSAGE_LIMITS.listing).map((entry) => {
    if (!Array.isArray(entry) || entry.length !== 6) fail("an entry is not a list of 6");
    const openedAt = entry[5];
    if (typeof openedAt !== "number" || !Number.isFinite(openedAt) || openedAt < 0) fail("an opening time is not one");
    return [
      idOf(entry[0], from, "an entry's id"),
      text(entry[1], MESSAGE_LIMITS.hostLength, "a remote host"),
      port(entry[2], "a remote port"),
      text(entry[3], MESSAGE_LIMITS.hostLength, "a local host"),
      port(entry[4], "a local port"),
      openedAt,
    ] as const;
  });
}

/** A room's name as it crosses: non-empty, well-formed, at most `MESSAGE_LIMITS.roomNameBytes` of UTF-8. */
export function isRoomName(value: unknown): value is string {
  if (typeof value !== "string" || value.length === 0 || LONE_SURROGATE.test(value)) return false;
  return value.length * 3 <= MESSAGE_LIMITS.roomNameBytes ||
    encoder.encode(value).length <= MESSAGE_LIMITS.roomNameBytes;
}

function rooms(value: unknown): RoomCount[] {
  return list(value, "rooms").map((room) => {
    if (!Array.isArray(room) || room.length !== 2) fail("a room count is not a list of 2");
    if (!isRoomName(room[0])) fail("a room's name is not one");
    return [room[0], count(room[1], "a room's size")];
  });
}

function counts(value: unknown, name: string): Record<string, number> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(`${name} is not an object`);
  const keys = Object.keys(value);
  if (keys.length > MESSAGE_LIMITS.statsKeys) fail(`${name} has ${keys.length} keys, over ${MESSAGE_LIMITS.statsKeys}`);
  const checked: Record<string, number> = {};
  for (const key of keys) {
    if (!REASON_KEY.test(key)) fail(`${name} has a key that is not a reason`);
    checked[key] = count((value as Record<string, unknown>)[key], `a count of ${name}`);
  }
  return checked;
}

function stats(value: unknown): ServerStats {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail("stats is not an object");
  const fields = value as Record<string, unknown>;
  const numbers = Object.fromEntries(COUNTERS.map((name) => [name, count(fields[name], name)]));
  return {
    ...numbers as Record<(typeof COUNTERS)[number], number>,
    refused: counts(fields.refused, "refused"),
    closedByReason: counts(fields.closedByReason, "closedByReason"),
    acceptErrors: counts(fields.acceptErrors, "acceptErrors"),
  };
}

function seq(value: unknown, min: number): number {
  return isCount(value) && value >= min ? value : fail(`seq is not an integer from ${min}`);
}

/** The kinds whose body is JSON. */
export type JsonKind = Exclude<ClusterMessage["kind"], "broadcast" | "post" | "send" | "close" | "room">;

function limit(value: unknown): number {
  return isCount(value) && value >= 1 && value <= MESSAGE_LIMITS.listing
    ? value
    : fail(`limit is not an integer from 1 to ${MESSAGE_LIMITS.listing}`);
}

/**
 * The message of kind `kind` from node `from`, rebuilt from the checked
 * fields of `body` (a parsed JSON value).
 * @throws {FieldError} a field fails its check.
 */
export function checkBody(kind: JsonKind, from: number, body: unknown): ClusterMessage {
  if (typeof body !== "object" || body === null || Array.isArray(body)) fail("the body is not an object");
  const fields = body as Record<string, unknown>;
  // Only a node with a server speaks of its connections; node 0 observes.
  const member = () => from !== 0 || fail("node 0 has no connections");
  switch (kind) {
    case "hello":
      member();
      return { kind };
    case "snapshot-request":
    case "ping":
      return { kind };
    case "left":
      return isNode(fields.node) ? { kind, node: fields.node } : fail("node is not a node number");
    case "report":
      member();
      return { kind, seq: seq(fields.seq, 0), stats: stats(fields.stats) };
    case "delta": {
      member();
      const delta = { kind, seq: seq(fields.seq, 1), active: count(fields.active, "active") };
      return fields.rooms === undefined ? delta : { ...delta, rooms: rooms(fields.rooms) };
    }
    case "snapshot":
      member();
      return { kind, seq: seq(fields.seq, 0), active: count(fields.active, "active"), rooms: rooms(fields.rooms) };
    case "fetch": {
      if (fields.room !== undefined && !isRoomName(fields.room)) fail("its room's name is not one");
      const fetch = { kind, limit: limit(fields.limit) };
      return fields.room === undefined ? fetch : { ...fetch, room: fields.room as string };
    }
    case "listing":
      member();
      if (typeof fields.more !== "boolean") fail("more is not a boolean");
      return { kind, entries: entries(fields.entries, from), more: fields.more };
  }
}
