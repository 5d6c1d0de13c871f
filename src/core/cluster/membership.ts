/**
 * Who is where: this node's side of the directory protocol (its own joins and
 * leaves as numbered deltas, its reports and snapshots) and the other nodes'
 * side into the {@linkcode Directory} (their deltas, reports and snapshots,
 * and a snapshot asked for when a number is missing). See directory.ts for
 * the invariants.
 *
 * @module
 */
import type { Connection } from "../connection/connection.ts";
import type { Logger } from "../logger.ts";
import type { Server } from "../server/server.ts";
import type { ConnectionStats } from "../stats.ts";
import type { BusDelivery } from "./bus.ts";
import type { Directory, RemoteNode } from "./directory.ts";
import type { ClusterMessage, DirectoryEntry, DirectoryLeave, RoomCount } from "./messages.ts";

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
  { kind: "delta" | "report" | "hello" | "snapshot" | "snapshot-request" }
>;

/** The directory entry of a connection. */
function entryOf(conn: Pick<Connection<unknown>, "id" | "remoteAddr" | "localAddr">, openedAt: number): DirectoryEntry {
  const { remoteAddr: remote, localAddr: local } = conn;
  return [conn.id, remote.hostname, remote.port, local.hostname, local.port, openedAt];
}

/** This node's part in who is where (see the module's doc). */
export class Membership {
  readonly #node: number;
  readonly #directory: Directory;
  readonly #host: MembershipHost;
  readonly #logger: Logger;
  #server: Server<unknown> | undefined;
  #roomSizes: () => Iterable<RoomCount> = () => [];
  #seq = 0;
  /** Rooms whose size changed since the last delta, with their size now. */
  #rooms = new Map<string, number>();
  #joins: DirectoryEntry[] = [];
  #leaves: DirectoryLeave[] = [];
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #syncing = new Set<number>();

  constructor(node: number, directory: Directory, host: MembershipHost, logger: Logger) {
    this.#node = node;
    this.#directory = directory;
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

  /** A connection of this node opened (just now). */
  opened(conn: Connection<unknown>): void {
    this.#joins.push(entryOf(conn, Date.now()));
    this.#flushSoon();
  }

  /** A connection of this node ended. */
  closed(stats: ConnectionStats): void {
    this.#leaves.push([stats.id, stats.closeReason ?? "closed"]);
    this.#flushSoon();
  }

  /** A room of this node has `size` members now. */
  roomChanged(room: string, size: number): void {
    this.#rooms.set(room, size);
    this.#flushSoon();
  }

  /** Publishes the joins, leaves and room sizes not published yet, as the next delta. */
  flush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#joins.length === 0 && this.#leaves.length === 0 && this.#rooms.size === 0) return;
    const rooms = this.#rooms.size === 0 ? undefined : [...this.#rooms];
    const delta = { kind: "delta", seq: ++this.#seq, joins: this.#joins, leaves: this.#leaves, rooms } as const;
    this.#joins = [];
    this.#leaves = [];
    this.#rooms = new Map();
    // Dropped by the bus or not, the number moves on: the others see the gap and ask for a snapshot.
    this.#host.all(delta);
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
   * Handles a (checked) message about who is where from node `from`, of
   * `bytes` on the bus. False when it was refused: one node more than the
   * directory holds.
   */
  handle(from: number, message: MembershipMessage, delivery: BusDelivery, bytes: number): boolean {
    if (message.kind === "snapshot-request") {
      if (this.#server !== undefined) delivery.reply?.(this.#host.encode(this.#snapshot()));
      return true;
    }
    const heard = this.#directory.heard(from, Date.now());
    if (heard === undefined) return false;
    const { remote, isNew } = heard;
    if (message.kind === "report") remote.stats = message.stats;
    if (this.#server === undefined) return true; // an observer keeps no directory
    if (message.kind === "hello") {
      // A newcomer: tell it who is here, with this node's connections.
      this.#host.to(from, this.#snapshot());
      this.report();
    }
    if (message.kind === "snapshot") {
      this.#applySnapshot(remote, message);
      return true;
    }
    if (message.kind === "delta" && !this.#directory.delta(remote, message, bytes)) {
      this.#resync(remote);
      return true;
    }
    if (isNew || (message.kind === "report" && (!remote.synced || remote.seq !== message.seq))) this.#resync(remote);
    return true;
  }

  #flushSoon(): void {
    // A burst of accepts or ends (a shutdown) goes as one delta.
    this.#flushTimer ??= setTimeout(() => this.flush(), 0);
  }

  #snapshot(): ClusterMessage {
    this.flush();
    const entries: DirectoryEntry[] = [];
    for (const conn of this.#server?.connections() ?? []) entries.push(entryOf(conn, conn.stats.openedAt));
    return { kind: "snapshot", seq: this.#seq, entries, rooms: [...this.#roomSizes()] };
  }

  /** Asks `remote` for its snapshot, once at a time; on failure, its next report asks again. */
  #resync(remote: RemoteNode): void {
    if (this.#syncing.has(remote.node)) return;
    this.#syncing.add(remote.node);
    this.#host.ask(remote.node, { kind: "snapshot-request" }).then((answer) => {
      this.#syncing.delete(remote.node);
      if (answer.kind === "snapshot" && this.#directory.get(remote.node) === remote) {
        this.#applySnapshot(remote, answer);
      }
    }, (error) => {
      this.#syncing.delete(remote.node);
      this.#logger.debug("cluster node {node} could not sync node {remote}: {error}", {
        node: this.#node,
        remote: remote.node,
        error,
      });
    });
  }

  #applySnapshot(remote: RemoteNode, message: Extract<ClusterMessage, { kind: "snapshot" }>): void {
    if (!this.#directory.snapshot(remote, message.seq, message.entries, message.rooms)) this.#resync(remote);
  }
}
