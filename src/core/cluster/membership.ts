/**
 * Who is where, by count: this node's side (its count of connections and its
 * rooms' sizes as numbered deltas, its reports, its snapshot and listings
 * when asked) and the other nodes' side into {@linkcode Nodes} (their deltas,
 * reports and snapshots, and a snapshot asked for when a number is missing).
 * See nodes.ts for the invariants. No message carries per-connection state
 * but a listing, asked for explicitly and bounded by its limit.
 *
 * @module
 */
import type { Connection } from "../connection/connection.ts";
import type { Logger } from "../logger.ts";
import type { Server } from "../server/server.ts";
import type { BusDelivery } from "./bus.ts";
import type { Nodes, RemoteNode } from "./nodes.ts";
import type { ClusterMessage, ConnectionEntry, RoomCount } from "./messages.ts";

/**
 * Milliseconds at least between two of this node's deltas: a node sends at
 * most 20 a second however fast it accepts, so that the engine's fan-out
 * (every delta to every node) grows with the nodes, not with the accept rate;
 * the others' `server.size` lags by at most this more.
 */
export const MIN_DELTA_GAP_MS = 50;

/** How the membership reaches the others. */
export interface MembershipHost {
  /** Publishes to every node. */
  all(message: ClusterMessage): boolean;
  /** Publishes to one node. */
  to(node: number, message: ClusterMessage): boolean;
  /** Asks one node; settles with its answer. */
  ask(node: number, message: ClusterMessage): Promise<ClusterMessage>;
  /** The bytes of `message` from this node, to answer a request with. */
  encode(message: ClusterMessage): Uint8Array;
}

/** The messages this file handles. */
export type MembershipMessage = Extract<
  ClusterMessage,
  { kind: "delta" | "report" | "hello" | "snapshot" | "snapshot-request" | "fetch" | "listing" }
>;

/** The listing entry of a connection. */
export function entryOf(conn: Connection<unknown>): ConnectionEntry {
  const { remoteAddr: remote, localAddr: local } = conn;
  return [conn.id, remote.hostname, remote.port, local.hostname, local.port, conn.stats.openedAt];
}

/** This node's part in who is where (see the module's doc). */
export class Membership {
  readonly #node: number;
  readonly #nodes: Nodes;
  readonly #host: MembershipHost;
  readonly #logger: Logger;
  #server: Server<unknown> | undefined;
  #roomSizes: () => Iterable<RoomCount> = () => [];
  #seq = 0;
  /** The count of connections last published. */
  #active = 0;
  /** Rooms whose size changed since the last delta, with their size now. */
  #rooms = new Map<string, number>();
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #flushedAt = 0;
  readonly #syncing = new Set<number>();

  constructor(node: number, nodes: Nodes, host: MembershipHost, logger: Logger) {
    this.#node = node;
    this.#nodes = nodes;
    this.#host = host;
    this.#logger = logger;
  }

  /** This node serves `server` now: it says hello and reports. Without one, it only listens to reports. */
  attach(server: Server<unknown>, roomSizes: () => Iterable<RoomCount>): void {
    this.#server = server;
    this.#roomSizes = roomSizes;
    this.#host.all({ kind: "hello" });
    this.report();
  }

  /** This node's count of connections changed (an accept or an end). */
  changed(): void {
    this.#flushSoon();
  }

  /** A room of this node has `size` members now. */
  roomChanged(room: string, size: number): void {
    this.#rooms.set(room, size);
    this.#flushSoon();
  }

  /** Publishes the count and the room sizes that changed since the last delta, as the next delta. */
  flush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    const active = this.#server?.size ?? 0;
    if (active === this.#active && this.#rooms.size === 0) return;
    const rooms = this.#rooms.size === 0 ? undefined : [...this.#rooms];
    this.#flushedAt = Date.now();
    this.#active = active;
    this.#rooms = new Map();
    // Dropped by the bus or not, the number moves on: the others see the gap and ask for a snapshot.
    this.#host.all({ kind: "delta", seq: ++this.#seq, active, rooms });
  }

  /** Publishes this node's figures with its last delta's number. */
  report(): void {
    if (this.#server === undefined) return;
    this.flush();
    this.#host.all({ kind: "report", seq: this.#seq, stats: this.#server.stats });
  }

  /** Stops: what is pending goes out. */
  close(): void {
    if (this.#server !== undefined) this.flush();
    clearTimeout(this.#flushTimer);
  }

  /**
   * Handles a (checked) message about who is where from node `from`. Returns
   * why it was refused, if it was: one node more than this node holds, or an
   * answer nobody asked for.
   */
  handle(from: number, message: MembershipMessage, delivery: BusDelivery): string | undefined {
    if (message.kind === "snapshot-request" || message.kind === "fetch") {
      if (this.#server !== undefined) {
        const answer = message.kind === "fetch" ? this.#listing(message.limit, message.room) : this.#snapshot();
        delivery.reply?.(this.#host.encode(answer));
      }
      return;
    }
    // Answers come through request(), never on a topic.
    if (message.kind === "listing") return "an answer nobody asked for";
    const heard = this.#nodes.heard(from, Date.now());
    if (heard === undefined) return "one node more than the cluster holds";
    const { remote, isNew } = heard;
    if (message.kind === "report") remote.stats = message.stats;
    if (message.kind === "hello" && this.#server !== undefined) {
      // A newcomer: tell it this node's count and rooms (a few bytes per room), and its figures.
      this.#host.to(from, this.#snapshot());
      this.report();
    }
    if (message.kind === "snapshot") {
      this.#nodes.snapshot(remote, message);
      return;
    }
    const gap = message.kind === "delta" && !this.#nodes.delta(remote, message);
    if (gap || isNew || (message.kind === "report" && (!remote.synced || remote.seq !== message.seq))) {
      this.#resync(remote);
    }
  }

  #flushSoon(): void {
    // A burst of accepts or ends (a shutdown) goes as one delta, and deltas at least MIN_DELTA_GAP_MS apart.
    const wait = Math.max(0, this.#flushedAt + MIN_DELTA_GAP_MS - Date.now());
    this.#flushTimer ??= setTimeout(() => this.flush(), wait);
  }

  #snapshot(): ClusterMessage {
    this.flush();
    return { kind: "snapshot", seq: this.#seq, active: this.#active, rooms: [...this.#roomSizes()] };
  }

  /** Up to `limit` of this node's connections (of `room`, when given), and whether there are more. */
  #listing(limit: number, room?: string): ClusterMessage {
    const server = this.#server!;
    const entries: ConnectionEntry[] = [];
    const members = room === undefined ? server.connections() : server.rooms.members(room);
    let more = false;
    for (const conn of members) {
      if (entries.length === limit) {
        more = true;
        break;
      }
      entries.push(entryOf(conn as Connection<unknown>));
    }
    return { kind: "listing", entries, more };
  }

  /** Asks `remote` for its snapshot, once at a time; on failure, its next report asks again. */
  #resync(remote: RemoteNode): void {
    if (this.#syncing.has(remote.node)) return;
    this.#syncing.add(remote.node);
    this.#host.ask(remote.node, { kind: "snapshot-request" }).then((answer) => {
      this.#syncing.delete(remote.node);
      if (answer.kind === "snapshot" && this.#nodes.get(remote.node) === remote) this.#nodes.snapshot(remote, answer);
    }, (error) => {
      this.#syncing.delete(remote.node);
      this.#logger.debug("cluster node {node} could not sync node {remote}: {error}", {
        node: this.#node,
        remote: remote.node,
        error,
      });
    });
  }
}
