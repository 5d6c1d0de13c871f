/**
 * Rooms: named groups of a server's connections (Netty's ChannelGroup,
 * Socket.IO's rooms). A connection joins and leaves rooms; when it ends,
 * whatever the reason, it leaves every room it is in, so that nobody keeps
 * lists of who is where nor leaks an ended connection.
 *
 * Invariants:
 * 1. A connection is in a room from its `join()` to its `leave()` or its end,
 *    whichever comes first; an ended connection joins nothing.
 * 2. A room exists while it has a member: the last leave removes it.
 * 3. Bounded: a connection is in at most `maxRoomsPerConnection` rooms, and a
 *    room's name is at most `maxRoomNameLength` bytes of UTF-8, so the rooms
 *    of a server are bounded by its connections.
 * 4. The listener hears every change of a room's size, in order: the first
 *    member (size 1) and the last leave (size 0) included.
 *
 * @module
 */
import type { Connection } from "../connection/connection.ts";
import type { FramedConnection } from "../connection/framed_connection.ts";
import { checkNumber, DEFAULT_MAX_ROOM_NAME_LENGTH, DEFAULT_MAX_ROOMS_PER_CONNECTION } from "../options.ts";

/** The rooms' bounds, options of `serve()`. */
export interface RoomOptions {
  /** Rooms one connection may be in at once; `join()` past it throws a RangeError. @default {64} */
  maxRoomsPerConnection?: number;
  /** Longest room name, in bytes of UTF-8; a longer one is refused with a RangeError. @default {128} */
  maxRoomNameLength?: number;
}

/**
 * A server's rooms (`server.rooms`). In a cluster, `broadcast` and `size`
 * reach every node; `join`, `leave`, `of` and `members` are about this
 * node's own connections.
 *
 * @example Join, broadcast to the room but one, leave by ending
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, serve, silentLogger } from "spawnkit";
 * const server = await serve({ port: 0, logger: silentLogger }, async (conn, server) => {
 *   server.rooms.join(conn, "lobby");
 *   for await (const frame of conn) server.rooms.broadcast("lobby", frame, conn);
 * });
 * const [alice, bob] = await Promise.all([connect({ port: server.addr.port }), connect({ port: server.addr.port })]);
 * while (server.rooms.size("lobby") < 2) await new Promise((resolve) => setTimeout(resolve, 5));
 * await alice.send(new TextEncoder().encode("hi"));
 * assert.equal(new TextDecoder().decode(await bob.receive()), "hi");
 * bob.close();
 * while (server.rooms.size("lobby") > 1) await new Promise((resolve) => setTimeout(resolve, 5));
 * alice.close();
 * await server.shutdown();
 * assert.equal(server.rooms.size("lobby"), 0);
 * ```
 */
export interface Rooms<Message = unknown> {
  /**
   * Puts `conn`, one of this server's open connections, in `room`. True when
   * it joined now; false when it was in it already or has ended.
   * @throws {RangeError} `conn` is in `maxRoomsPerConnection` rooms, or the name is over `maxRoomNameLength`.
   * @throws {TypeError} an empty name or not a string, or a connection of another node or server.
   */
  join(conn: Connection<Message>, room: string): boolean;
  /** Takes `conn` out of `room`; false when it was not in it. */
  leave(conn: Connection<Message>, room: string): boolean;
  /**
   * Encodes `payload` once and queues it to every member of `room`, but
   * `except` (a connection or its id). Returns how many connections it is
   * meant for: this node's that took it, plus the other nodes' members.
   * @throws {FrameTooLargeError} the payload is over the limit; nothing is sent.
   */
  broadcast(room: string, payload: Uint8Array, except?: Connection<Message> | number): number;
  /** Members of `room` (in a cluster, on every node, as last heard from each). */
  size(room: string): number;
  /** The rooms `conn` is in. */
  of(conn: Connection<Message>): string[];
  /** This node's members of `room`. */
  members(room: string): IterableIterator<Connection<Message>>;
}

/** Hears each change of a room's size on this server. */
export type RoomListener = (room: string, size: number) => void;

const encoder = new TextEncoder();
const NONE: ReadonlySet<never> = new Set();
// Two names that differ only in a lone surrogate would be one name in UTF-8, on the wire.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Checks a room's name: a non-empty, well-formed string of at most `max` bytes of UTF-8.
 * @throws {TypeError} not a string, empty, or with a lone surrogate.
 * @throws {RangeError} over `max` bytes.
 */
export function checkRoomName(room: string, max: number): void {
  if (typeof room !== "string" || room.length === 0 || LONE_SURROGATE.test(room)) {
    throw new TypeError(`Cannot use room ${JSON.stringify(room)}: a room's name is a non-empty, well-formed string`);
  }
  // A UTF-16 unit is at most 3 bytes of UTF-8: most names need no encoding to pass.
  if (room.length * 3 <= max) return;
  const length = encoder.encode(room).length;
  if (length > max) {
    throw new RangeError(
      `Cannot use room "${room.slice(0, 32)}...": its name is ${length} bytes (maxRoomNameLength ${max})`,
    );
  }
}

/** The rooms of one server's own connections (see the module's invariants). */
export class RoomRegistry<C extends FramedConnection<unknown>> {
  readonly maxRooms: number;
  readonly maxNameLength: number;
  readonly #rooms = new Map<string, Set<C>>();
  readonly #memberOf = new Map<C, Set<string>>();
  readonly #isOpen: (conn: Connection<unknown>) => conn is C;
  #listener: RoomListener | undefined;

  constructor(options: RoomOptions, isOpen: (conn: Connection<unknown>) => conn is C) {
    this.maxRooms = checkNumber("maxRoomsPerConnection", options.maxRoomsPerConnection) ??
      DEFAULT_MAX_ROOMS_PER_CONNECTION;
    this.maxNameLength = checkNumber("maxRoomNameLength", options.maxRoomNameLength) ?? DEFAULT_MAX_ROOM_NAME_LENGTH;
    this.#isOpen = isOpen;
  }

  /** Sets the one listener (the cluster's). */
  listen(listener: RoomListener): void {
    this.#listener = listener;
  }

  join(conn: Connection<unknown>, room: string): boolean {
    checkRoomName(room, this.maxNameLength);
    if (!this.#isOpen(conn)) {
      if (conn.closing) return false; // ended, or ending: it would leave at once
      throw new TypeError(`Cannot join connection ${conn.id} to room "${room}": it is not one of this server's`);
    }
    let rooms = this.#memberOf.get(conn);
    if (rooms?.has(room)) return false;
    if ((rooms?.size ?? 0) >= this.maxRooms) {
      throw new RangeError(
        `Cannot join connection ${conn.id} to room "${room}": it is in ${this.maxRooms} rooms (maxRoomsPerConnection)`,
      );
    }
    if (rooms === undefined) this.#memberOf.set(conn, rooms = new Set());
    rooms.add(room);
    let members = this.#rooms.get(room);
    if (members === undefined) this.#rooms.set(room, members = new Set());
    members.add(conn);
    this.#listener?.(room, members.size);
    return true;
  }

  leave(conn: Connection<unknown>, room: string): boolean {
    const rooms = this.#memberOf.get(conn as C);
    if (rooms === undefined || !rooms.delete(room)) return false;
    if (rooms.size === 0) this.#memberOf.delete(conn as C);
    this.#remove(conn as C, room);
    return true;
  }

  /** `conn` ended: it leaves every room it is in. */
  leaveAll(conn: C): void {
    const rooms = this.#memberOf.get(conn);
    if (rooms === undefined) return;
    this.#memberOf.delete(conn);
    for (const room of rooms) this.#remove(conn, room);
  }

  /** This server's members of `room`. */
  members(room: string): IterableIterator<C> {
    return (this.#rooms.get(room) ?? NONE).values();
  }

  size(room: string): number {
    return this.#rooms.get(room)?.size ?? 0;
  }

  of(conn: Connection<unknown>): string[] {
    return [...this.#memberOf.get(conn as C) ?? []];
  }

  /** Every room with a member here, and its size. */
  *sizes(): IterableIterator<[string, number]> {
    for (const [room, members] of this.#rooms) yield [room, members.size];
  }

  #remove(conn: C, room: string): void {
    const members = this.#rooms.get(room)!;
    members.delete(conn);
    if (members.size === 0) this.#rooms.delete(room);
    this.#listener?.(room, members.size);
  }
}
