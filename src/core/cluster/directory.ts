/**
 * What a node knows of the others: each one's connections (as
 * {@linkcode RemoteHandle}s) and its last reported figures.
 *
 * Invariants:
 * 1. A node's connections change by its deltas, numbered 1, 2, 3...; a delta
 *    applies only right after the one before it. A gap (a delta the bus
 *    dropped) or a report whose number is not the last delta's makes the node
 *    unsynced: the caller asks it for a snapshot, and deltas wait until the
 *    snapshot comes, bounded in count and bytes: past either bound the
 *    waiting deltas are dropped (counted in `waitingDropped`) and the
 *    snapshot is asked again, so a node whose snapshot never comes (gone,
 *    or a forged hello) holds at most the bound.
 * 2. A node not heard from within the expiry is forgotten: its figures leave
 *    the sums and its connections end (their signals abort).
 * 3. A node's room sizes travel in the same deltas and snapshots as its
 *    connections, so they are as fresh as its directory; they leave the sums
 *    with the node.
 * 4. At most `MAX_NODES` nodes are known at once: a message from one more is
 *    refused (the caller counts it), so forged sender numbers cannot grow
 *    the directory without a bound.
 *
 * @module
 */
import type { ServerStats } from "../stats.ts";
import type { DirectoryEntry, DirectoryLeave, RoomCount } from "./messages.ts";
import { RemoteHandle, type RemoteHost } from "./remote_connection.ts";

/** Deltas kept while a node's snapshot is on its way; past this, they are dropped and the snapshot asked again. */
export const MAX_WAITING_DELTAS = 1024;
/** Bytes (as they came on the bus) of the deltas kept while a node's snapshot is on its way. */
export const MAX_WAITING_BYTES = 4 * 1024 * 1024;
/** Nodes known at once (invariant 4). */
export const MAX_NODES = 4096;

interface Delta {
  readonly seq: number;
  readonly joins: readonly DirectoryEntry[];
  readonly leaves: readonly DirectoryLeave[];
  readonly rooms?: readonly RoomCount[];
}

/** A delta kept until its node's snapshot comes, with its size on the bus. */
interface WaitingDelta {
  readonly delta: Delta;
  readonly bytes: number;
}

/** One other node. */
export class RemoteNode {
  readonly node: number;
  readonly connections = new Map<number, RemoteHandle>();
  /** Its rooms with members, and how many. */
  readonly rooms = new Map<string, number>();
  /** The last delta applied. */
  seq = 0;
  /** False until a snapshot has been applied. */
  synced = false;
  stats: ServerStats | undefined;
  heardAt: number;
  waiting: WaitingDelta[] = [];
  /** Bytes of the waiting deltas. */
  waitingBytes = 0;

  constructor(node: number, now: number) {
    this.node = node;
    this.heardAt = now;
  }
}

/** The other nodes (see the module's invariants). */
export class Directory {
  readonly #nodes = new Map<number, RemoteNode>();
  readonly #host: RemoteHost;
  #size = 0;
  /** Times a node's waiting deltas passed a bound and were dropped. */
  waitingDropped = 0;

  constructor(host: RemoteHost) {
    this.#host = host;
  }

  /** The node, if known. */
  get(node: number): RemoteNode | undefined {
    return this.#nodes.get(node);
  }

  /**
   * The node, made (unsynced) if it was not known; `heardAt` set to `now`.
   * Undefined for a node not known when `MAX_NODES` are (invariant 4).
   */
  heard(node: number, now: number): { remote: RemoteNode; isNew: boolean } | undefined {
    let remote = this.#nodes.get(node);
    const isNew = remote === undefined;
    if (remote === undefined) {
      if (this.#nodes.size >= MAX_NODES) return undefined;
      this.#nodes.set(node, remote = new RemoteNode(node, now));
    }
    remote.heardAt = now;
    return { remote, isNew };
  }

  /** The nodes known now. */
  nodes(): IterableIterator<RemoteNode> {
    return this.#nodes.values();
  }

  /** Connections on the other nodes. */
  get size(): number {
    return this.#size;
  }

  /** The remote connection with this id, if listed. */
  connection(node: number, id: number): RemoteHandle | undefined {
    return this.#nodes.get(node)?.connections.get(id);
  }

  /** Members of `room` on the other nodes. */
  roomSize(room: string): number {
    let size = 0;
    for (const remote of this.#nodes.values()) size += remote.rooms.get(room) ?? 0;
    return size;
  }

  /** Every remote connection. */
  *connections(): IterableIterator<RemoteHandle> {
    for (const remote of this.#nodes.values()) yield* remote.connections.values();
  }

  /** Deltas waiting for a snapshot, over every node. */
  get waiting(): number {
    let waiting = 0;
    for (const remote of this.#nodes.values()) waiting += remote.waiting.length;
    return waiting;
  }

  /**
   * Applies a delta of `bytes` on the bus; false when the node needs a
   * snapshot (a gap, or the waiting deltas past a bound: then dropped).
   */
  delta(remote: RemoteNode, delta: Delta, bytes: number): boolean {
    if (!remote.synced) {
      if (remote.waiting.length >= MAX_WAITING_DELTAS || remote.waitingBytes + bytes > MAX_WAITING_BYTES) {
        // The snapshot is late or never coming: hold nothing more for it; the fresh one asked for replaces all.
        remote.waiting = [];
        remote.waitingBytes = 0;
        this.waitingDropped++;
        return false;
      }
      remote.waiting.push({ delta, bytes });
      remote.waitingBytes += bytes;
      return true;
    }
    if (delta.seq <= remote.seq) return true; // seen already (it came before the snapshot that had it)
    if (delta.seq !== remote.seq + 1) {
      remote.synced = false;
      remote.waiting = [{ delta, bytes }];
      remote.waitingBytes = bytes;
      return false;
    }
    this.#apply(remote, delta);
    return true;
  }

  /** Replaces a node's connections with a snapshot, then applies the deltas that came after it. */
  snapshot(
    remote: RemoteNode,
    seq: number,
    entries: readonly DirectoryEntry[],
    rooms: readonly RoomCount[] = [],
  ): boolean {
    const listed = new Set(entries.map((entry) => entry[0]));
    for (const [id, conn] of remote.connections) {
      if (!listed.has(id)) this.#remove(remote, id, conn, "closed");
    }
    for (const entry of entries) {
      if (!remote.connections.has(entry[0])) this.#add(remote, entry);
    }
    remote.rooms.clear();
    countRooms(remote, rooms);
    remote.seq = seq;
    remote.synced = true;
    const waiting = remote.waiting.sort((a, b) => a.delta.seq - b.delta.seq);
    remote.waiting = [];
    remote.waitingBytes = 0;
    return waiting.every(({ delta, bytes }) => this.delta(remote, delta, bytes));
  }

  /** Forgets a node: its connections end. */
  forget(node: number): void {
    const remote = this.#nodes.get(node);
    if (remote === undefined) return;
    this.#nodes.delete(node);
    for (const [id, conn] of remote.connections) this.#remove(remote, id, conn, "closed");
  }

  /** Forgets every node not heard from since `before`; returns their numbers. */
  expire(before: number): number[] {
    const gone = [...this.#nodes.values()].filter((remote) => remote.heardAt < before).map((remote) => remote.node);
    for (const node of gone) this.forget(node);
    return gone;
  }

  #apply(remote: RemoteNode, delta: Delta): void {
    for (const entry of delta.joins) this.#add(remote, entry);
    for (const [id, reason] of delta.leaves) {
      const conn = remote.connections.get(id);
      if (conn !== undefined) this.#remove(remote, id, conn, reason);
    }
    countRooms(remote, delta.rooms ?? []);
    remote.seq = delta.seq;
  }

  #add(remote: RemoteNode, entry: DirectoryEntry): void {
    if (remote.connections.has(entry[0])) return;
    remote.connections.set(entry[0], new RemoteHandle(remote.node, entry, this.#host));
    this.#size++;
  }

  #remove(remote: RemoteNode, id: number, conn: RemoteHandle, reason: string): void {
    remote.connections.delete(id);
    this.#size--;
    conn.left(reason);
  }
}

/** Sets the sizes of `remote`'s rooms named in `counts` (0: it has no member left). */
function countRooms(remote: RemoteNode, counts: readonly RoomCount[]): void {
  for (const [room, members] of counts) {
    if (members > 0) remote.rooms.set(room, members);
    else remote.rooms.delete(room);
  }
}
