/**
 * What a node knows of the others: for each, its count of connections, its
 * rooms' sizes and its last reported figures. Nothing per connection: a
 * node pays O(nodes + rooms) for the rest of the fleet, whatever the
 * connections there.
 *
 * Invariants:
 * 1. A node's count and room sizes change by its deltas, numbered 1, 2, 3...;
 *    a delta applies only right after the one before it. A gap (a delta the
 *    bus dropped) or a report whose number is not the last delta's makes the
 *    node unsynced: the caller asks it for a snapshot (its count and rooms,
 *    never its connections), and deltas that come meanwhile are dropped (the
 *    snapshot carries their effect). Nothing waits for a snapshot.
 * 2. A node not heard from within the expiry is forgotten: its count, rooms
 *    and figures leave the sums, and the signal shared by the handles of its
 *    connections aborts.
 * 3. At most `MAX_NODES` nodes are known at once: a message from one more is
 *    refused (the caller counts it), so forged sender numbers cannot grow
 *    this without a bound.
 *
 * @module
 */
import type { ServerStats } from "../stats.ts";
import type { RoomCount } from "./messages.ts";

/** Nodes known at once (invariant 3). */
export const MAX_NODES = 4096;

/** What a delta or a snapshot says of its node: its number, its count of connections, its rooms that changed. */
export interface NodeChange {
  readonly seq: number;
  readonly active: number;
  readonly rooms?: readonly RoomCount[];
}

/** One other node. */
export class RemoteNode {
  readonly node: number;
  /** Its rooms with members, and how many. */
  readonly rooms = new Map<string, number>();
  /** Its connections open, as its last delta or snapshot said. */
  active = 0;
  /** The last delta applied. */
  seq = 0;
  /** False until a snapshot has been applied, and after a gap. */
  synced = false;
  stats: ServerStats | undefined;
  heardAt: number;
  /** Aborts when the node is forgotten: the signal of every handle of its connections. */
  readonly gone = new AbortController();

  constructor(node: number, now: number) {
    this.node = node;
    this.heardAt = now;
  }
}

/** The other nodes (see the module's invariants). */
export class Nodes {
  readonly #nodes = new Map<number, RemoteNode>();
  #size = 0;
  /** Deltas dropped because their node was unsynced (its snapshot carries them). */
  deltasSkipped = 0;

  /** The node, if known. */
  get(node: number): RemoteNode | undefined {
    return this.#nodes.get(node);
  }

  /**
   * The node, made (unsynced) if it was not known; `heardAt` set to `now`.
   * Undefined for a node not known when `MAX_NODES` are (invariant 3).
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

  /** Connections on the other nodes, as last heard from each. */
  get size(): number {
    return this.#size;
  }

  /** Members of `room` on the other nodes. */
  roomSize(room: string): number {
    let size = 0;
    for (const remote of this.#nodes.values()) size += remote.rooms.get(room) ?? 0;
    return size;
  }

  /** Applies a delta; false when the node needs a snapshot (unsynced, or a gap). */
  delta(remote: RemoteNode, delta: NodeChange): boolean {
    if (delta.seq <= remote.seq && remote.synced) return true; // seen already (the snapshot had it)
    if (!remote.synced || delta.seq !== remote.seq + 1) {
      remote.synced = false;
      this.deltasSkipped++;
      return false;
    }
    this.#apply(remote, delta);
    return true;
  }

  /** Sets a node's count and rooms from its snapshot (all its rooms with members). */
  snapshot(remote: RemoteNode, snapshot: NodeChange): void {
    if (remote.synced && snapshot.seq < remote.seq) return; // older than what the deltas since told
    remote.rooms.clear();
    this.#apply(remote, snapshot);
    remote.synced = true;
  }

  /** Forgets a node: its figures leave the sums, its handles' signal aborts. */
  forget(node: number): void {
    const remote = this.#nodes.get(node);
    if (remote === undefined) return;
    this.#nodes.delete(node);
    this.#size -= remote.active;
    remote.gone.abort();
  }

  /** Forgets every node not heard from since `before`; returns their numbers. */
  expire(before: number): number[] {
    const gone = [...this.#nodes.values()].filter((remote) => remote.heardAt < before).map((remote) => remote.node);
    for (const node of gone) this.forget(node);
    return gone;
  }

  #apply(remote: RemoteNode, change: NodeChange): void {
    this.#size += change.active - remote.active;
    remote.active = change.active;
    for (const [room, members] of change.rooms ?? []) {
      if (members > 0) remote.rooms.set(room, members);
      else remote.rooms.delete(room);
    }
    remote.seq = change.seq;
  }
}
