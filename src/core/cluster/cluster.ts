/**
 * The cluster logic, written once over a {@linkcode Bus}: nodes (worker
 * threads, processes, machines) whose servers broadcast, post, count and list
 * connections across the set, while every frame stays on the node that read it.
 *
 * Invariants:
 * 1. A connection id carries its node (node_ids.ts): a post or a send to a
 *    remote id goes straight to that node's topic, with no lookup.
 * 2. Messages from this node to another arrive in the order they were sent
 *    (the bus keeps publish order), so posts to one connection arrive in order.
 * 3. A broadcast crosses the bus once (one message on the `all` topic, or one
 *    per node when a filter keeps few), and each node frames it once.
 * 4. Each node publishes its connections' joins and leaves as numbered deltas
 *    and, every `reportInterval`, its figures with the last delta's number;
 *    the others keep a directory (directory.ts) and ask for a snapshot when a
 *    number is missing. A node silent for `expireAfter` is forgotten.
 * 5. A cluster without a server (a supervisor's) only listens: it sums the
 *    reports and keeps no directory.
 * 6. Rooms cross on a topic each, subscribed by the nodes that host them
 *    (cluster_rooms.ts); their sizes travel with the directory's deltas.
 * 7. The bus is a trust boundary: every message is checked before it is used
 *    (read_message.ts), and one that fails, or that names a connection of
 *    another node where this node's is meant, is dropped, counted in
 *    `busStats` and logged through the log limiter. Nothing from the bus
 *    throws into the node or reaches `server.stats`.
 * 8. A frame sent from another node to a connection of this one meets the
 *    connection's outbox as a broadcast does: over the high-water mark, the
 *    server's slow-consumer policy (dropped and counted, or the connection
 *    closed), never a send that waits holding the payload.
 *
 * @module
 */
import type { MessageCodec } from "../codec.ts";
import { jsonCodec } from "../json_codec.ts";
import type { Connection, RemoteConnection } from "../connection/connection.ts";
import { escapingLogger, type Logger } from "../logger.ts";
import { checkNumber } from "../options.ts";
import type { Server, ServerHooks, ServerSide } from "../server/server.ts";
import type { ConnectionStats, ServerStats } from "../stats.ts";
import type { Bus, BusDelivery } from "./bus.ts";
import { planBroadcast } from "./broadcast_plan.ts";
import { ClusterRooms } from "./cluster_rooms.ts";
import { Directory } from "./directory.ts";
import { Membership } from "./membership.ts";
import { BusChecks, type ClusterBusStats } from "./bus_checks.ts";
import type { Cluster, ClusterOptions } from "./cluster_types.ts";
import { type ClusterMessage, encodeMessage } from "./messages.ts";
import { readMessage } from "./read_message.ts";
import { deliverLocally } from "./local_delivery.ts";
import { firstIdOf, nodeOfConnection } from "./node_ids.ts";
import { sumServerStats } from "./summed_stats.ts";

/** A node: the cluster logic over the bus; `serve()` calls it through its server hooks. */
export class ClusterNode<Message = unknown> implements Cluster, ServerHooks<Message> {
  readonly node: number;
  readonly #bus: Bus;
  readonly #all: string;
  readonly #prefix: string;
  readonly #codec: MessageCodec<Message>;
  readonly #expireMs: number;
  readonly #logger: Logger;
  readonly #directory: Directory;
  readonly #membership: Membership;
  readonly #rooms: ClusterRooms;
  readonly #checks: BusChecks;
  readonly #unsubscribe: Array<() => void> = [];
  readonly #timer: ReturnType<typeof setInterval>;
  #local: ServerSide<Message> | undefined;
  #closed = false;
  /** Posts to other nodes that did not go (node unknown, bus full). */
  messagesDropped = 0;

  constructor(options: ClusterOptions<Message>) {
    this.node = checkNumber("node", options.node) ?? 0;
    const reportMs = (checkNumber("reportInterval", options.reportInterval) ?? 1) * 1000;
    this.#expireMs = (checkNumber("expireAfter", options.expireAfter) ?? 5) * 1000;
    this.#bus = options.bus;
    this.#prefix = `${options.name ?? "spawnkit"}.`;
    this.#all = `${this.#prefix}all`;
    this.#codec = options.codec ?? jsonCodec as MessageCodec<Message>;
    this.#logger = escapingLogger(options.logger);
    this.#checks = new BusChecks(this.node, this.#logger);
    this.#directory = new Directory({
      send: (node, id, payload) => this.#publish(this.#topicOf(node), { kind: "send", id, payload }),
      close: (node, id) => void this.#publish(this.#topicOf(node), { kind: "close", id }),
      checkOutgoing: (length) => this.#local?.checkOutgoing(length),
    });
    this.#membership = new Membership(this.node, this.#directory, {
      all: (message) => this.#publish(this.#all, message),
      to: (node, message) => this.#publish(this.#topicOf(node), message),
      ask: async (node, message) => {
        const topic = this.#topicOf(node);
        const read = readMessage(await this.#bus.request(topic, encodeMessage(this.node, message)));
        if ("rejected" in read || read.from !== node) {
          const rejected = "rejected" in read
            ? read
            : { rejected: read.message.kind, why: `an answer not from ${node}` };
          this.#checks.reject(rejected, topic);
          throw new RangeError(`Cannot sync node ${node}: its answer failed a check (${rejected.why})`);
        }
        this.#checks.accepted++;
        return read.message;
      },
      encode: (message) => encodeMessage(this.node, message),
    }, this.#logger);
    const onMessage = (payload: Uint8Array, delivery: BusDelivery) => this.#onMessage(payload, delivery);
    this.#rooms = new ClusterRooms(this.#bus, this.#prefix, onMessage, {
      publish: (topic, room, payload, except) => this.#publish(topic, { kind: "room", room, payload, except }),
      changed: (room, size) => this.#membership.roomChanged(room, size),
      remoteSize: (room) => this.#directory.roomSize(room),
    });
    this.#unsubscribe.push(this.#bus.subscribe(this.#all, onMessage));
    if (this.node !== 0) this.#unsubscribe.push(this.#bus.subscribe(this.#topicOf(this.node), onMessage));
    this.#timer = setInterval(() => {
      this.#membership.report();
      this.#directory.expire(Date.now() - this.#expireMs);
      this.#checks.flush();
    }, reportMs);
  }

  /** The first connection id of this node's server. */
  get firstId(): number {
    return firstIdOf(this.node);
  }

  nodes(): number[] {
    return [...this.#directory.nodes()].map((remote) => remote.node);
  }

  get size(): number {
    if (this.#local !== undefined) return this.#local.server.size + this.#directory.size;
    let size = 0;
    for (const remote of this.#directory.nodes()) size += remote.stats?.active ?? 0;
    return size;
  }

  get stats(): ServerStats {
    const all = [...this.#directory.nodes()].flatMap((remote) => remote.stats === undefined ? [] : [remote.stats]);
    if (this.#local !== undefined) {
      const own = this.#local.server.stats;
      all.push({ ...own, messagesDropped: own.messagesDropped + this.messagesDropped });
    }
    return sumServerStats(all);
  }

  get busStats(): ClusterBusStats {
    return this.#checks.stats(this.#directory);
  }

  serverHooks(): ServerHooks<unknown> {
    return this as ServerHooks<unknown>;
  }

  /** Makes this node a member with `local` as its server; announces it. */
  attach(local: ServerSide<Message>): void {
    if (this.#local !== undefined) throw new TypeError("Cannot serve with this cluster: it has a server already");
    if (this.node === 0) throw new RangeError("Cannot serve as node 0 of a cluster: node 0 only observes");
    this.#local = local;
    this.#membership.attach(local.server as Server<unknown>, () => local.roomSizes());
  }

  /** A room of this node's server has `size` members now. */
  roomChanged(room: string, size: number): void {
    this.#rooms.changed(room, size);
  }

  /** Sends a room broadcast to the other nodes; returns their members of the room. */
  roomBroadcast(room: string, payload: Uint8Array, except: number): number {
    return this.#rooms.broadcast(room, payload, except);
  }

  /** Members of `room` on the other nodes. */
  roomSize(room: string): number {
    return this.#rooms.size(room);
  }

  /** A connection of this node's server opened. */
  opened(conn: Connection<Message>): void {
    this.#membership.opened(conn as Connection<unknown>);
  }

  /** A connection of this node's server ended. */
  closed(stats: ConnectionStats): void {
    this.#membership.closed(stats);
  }

  /** Whether connection `id` is this node's. */
  owns(id: number): boolean {
    return nodeOfConnection(id) === this.node;
  }

  /** A connection of another node, if listed. */
  remote(id: number): RemoteConnection | undefined {
    return this.#directory.connection(nodeOfConnection(id), id);
  }

  /** Every connection of the other nodes. */
  remotes(): IterableIterator<RemoteConnection> {
    return this.#directory.connections();
  }

  /**
   * Sends a broadcast to the other nodes: to all (or all but the few `filter`
   * rejects) as one message, or to the few it keeps, one message per node.
   * Returns how many remote connections it is meant for.
   */
  broadcast(payload: Uint8Array, filter?: (conn: Connection<Message> | RemoteConnection) => boolean): number {
    if (filter === undefined) {
      this.#publish(this.#all, { kind: "broadcast", payload });
      return this.#directory.size;
    }
    const { kept, except, only } = planBroadcast(this.remotes(), filter);
    if (only === undefined) this.#publish(this.#all, { kind: "broadcast", payload, except });
    else for (const [node, ids] of only) this.#publish(this.#topicOf(node), { kind: "broadcast", payload, only: ids });
    return kept;
  }

  /** Posts to a connection of another node; false (counted) when the node is unknown or the bus dropped it. */
  post(id: number, message: Message): boolean {
    const node = nodeOfConnection(id);
    const sent = this.#directory.get(node) !== undefined &&
      this.#publish(this.#topicOf(node), { kind: "post", id, body: this.#codec.encode(message) });
    if (!sent) this.messagesDropped++;
    return sent;
  }

  forget(node: number): void {
    this.#directory.forget(node);
    this.#publish(this.#all, { kind: "left", node });
  }

  close(): void {
    if (this.#closed) return;
    clearInterval(this.#timer);
    this.#membership.close();
    if (this.#local !== undefined) this.#publish(this.#all, { kind: "left", node: this.node });
    this.#closed = true;
    this.#rooms.close();
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    for (const remote of [...this.#directory.nodes()]) this.#directory.forget(remote.node);
  }

  #topicOf(node: number): string {
    return `${this.#prefix}node.${node}`;
  }

  #publish(topic: string, message: ClusterMessage): boolean {
    return !this.#closed && this.#bus.publish(topic, encodeMessage(this.node, message));
  }

  #onMessage(payload: Uint8Array, delivery: BusDelivery): void {
    if (this.#closed) return;
    const read = readMessage(payload);
    if ("rejected" in read) return this.#checks.reject(read, delivery.topic);
    const { from, message } = read;
    // The bus never echoes: this node's own number is another process that claims it (forged, or a clash).
    if (from === this.node) {
      return this.#checks.reject({ rejected: message.kind, why: "from this node's own number" }, delivery.topic);
    }
    let why: string | undefined;
    try {
      why = this.#handle(from, message, delivery, payload.length);
    } catch (error) {
      // A check passed but the server refused what it said (a codec's refusal, a frame over the limit).
      why = `the server refused it (${error instanceof Error ? error.name : "error"})`;
    }
    if (why === undefined) this.#checks.accepted++;
    else this.#checks.reject({ rejected: message.kind, why }, delivery.topic);
  }

  /** Acts on a checked message; returns why it was refused, if it was. */
  #handle(from: number, message: ClusterMessage, delivery: BusDelivery, bytes: number): string | undefined {
    switch (message.kind) {
      case "broadcast":
      case "post":
      case "send":
      case "close":
      case "room":
        return deliverLocally(this.#local, this.node, message, this.#codec);
      case "ping":
        // Someone asks whether this node's number is taken (claimNode()): it is.
        delivery.reply?.(encodeMessage(this.node, message));
        return;
      case "left":
        if (message.node !== this.node) this.#directory.forget(message.node);
        return;
      default:
        return this.#membership.handle(from, message, delivery, bytes)
          ? undefined
          : "one node more than the cluster holds";
    }
  }
}
