/**
 * Rooms across the nodes of a cluster: one topic per room, so that a node
 * receives the broadcasts of the rooms it hosts and no other.
 *
 * Invariants:
 * 1. A node subscribes to a room's topic when the room gets its first member
 *    here, and unsubscribes when the last one leaves.
 * 2. A room broadcast crosses the bus once, on the room's topic, whatever
 *    the number of nodes and members; each node that hosts the room frames
 *    it once for its members there.
 * 3. Room sizes of the other nodes come with their deltas and snapshots
 *    (nodes.ts), as fresh as `server.size`.
 *
 * @module
 */
import type { Bus, BusHandler } from "./bus.ts";

/** A room's name as a topic: letters, digits, `-` and `_` kept, every other byte as %XX (NATS subjects allow neither spaces nor wildcards). */
export function roomTopic(prefix: string, room: string): string {
  const escaped = encodeURIComponent(room).replace(
    /[.!~*'()]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${prefix}room.${escaped}`;
}

/** What the rooms of a node need from the rest of it. */
export interface ClusterRoomsHost {
  /** Publishes a room broadcast on `topic`; false when the bus dropped it. */
  publish(topic: string, room: string, payload: Uint8Array, except: number): boolean;
  /** A room's size changed here: tell the others with the next delta. */
  changed(room: string, size: number): void;
  /** Members of `room` on the other nodes. */
  remoteSize(room: string): number;
}

/** This node's part in the rooms of the cluster (see the module's invariants). */
export class ClusterRooms {
  readonly #bus: Bus;
  readonly #prefix: string;
  readonly #onMessage: BusHandler;
  readonly #host: ClusterRoomsHost;
  readonly #subscriptions = new Map<string, () => void>();
  #closed = false;

  constructor(bus: Bus, prefix: string, onMessage: BusHandler, host: ClusterRoomsHost) {
    this.#bus = bus;
    this.#prefix = prefix;
    this.#onMessage = onMessage;
    this.#host = host;
  }

  /** A room of this node has `size` members now. */
  changed(room: string, size: number): void {
    if (this.#closed) return;
    const subscribed = this.#subscriptions.get(room);
    if (size > 0 && subscribed === undefined) {
      this.#subscriptions.set(room, this.#bus.subscribe(roomTopic(this.#prefix, room), this.#onMessage));
    } else if (size === 0 && subscribed !== undefined) {
      this.#subscriptions.delete(room);
      subscribed();
    }
    this.#host.changed(room, size);
  }

  /** Sends a room broadcast to the other nodes that host `room`; returns their members (as last heard), -1 when the bus dropped it. */
  broadcast(room: string, payload: Uint8Array, except: number): number {
    if (!this.#host.publish(roomTopic(this.#prefix, room), room, payload, except)) return -1;
    return this.#host.remoteSize(room);
  }

  /** Members of `room` on the other nodes. */
  size(room: string): number {
    return this.#host.remoteSize(room);
  }

  /** Leaves every room topic. */
  close(): void {
    this.#closed = true;
    for (const unsubscribe of this.#subscriptions.values()) unsubscribe();
    this.#subscriptions.clear();
  }
}
