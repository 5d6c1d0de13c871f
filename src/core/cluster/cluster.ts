/**
 * The cluster logic, written once over a {@linkcode Bus}: nodes (worker
 * threads, processes, machines) whose servers broadcast, post and count
 * across the set, while every frame stays on the node that read it.
 *
 * Invariants:
 * 1. A connection id carries its node (node_ids.ts): a post, a send or a
 *    close to a remote id goes straight to that node's topic, with no lookup,
 *    and a handle for it is made from the id alone (`remote(id)`).
 * 2. Messages from this node to another arrive in publish order (the bus's).
 * 3. A broadcast crosses the bus once (one message on the `all` topic, or one
 *    per node named by an `only` list, split to fit a bus message), and each
 *    node frames it once. A broadcast the bus refused is not counted as
 *    delivered: it is counted in `messagesDropped`.
 * 4. The rest of the fleet costs a node O(nodes + rooms): each node
 *    publishes its count of connections and its rooms' sizes as numbered
 *    deltas and, every `reportInterval`, its figures with the last delta's
 *    number; the others keep counts (nodes.ts) and ask for a snapshot (a
 *    count and the rooms) when a number is missing. No message carries
 *    per-connection state but a listing asked for with `fetchConnections()`,
 *    bounded by its limit and its timeout. A node silent for `expireAfter`
 *    is forgotten.
 * 5. A cluster without a server (a supervisor's) only listens: it sums the
 *    reports.
 * 6. Rooms cross on a topic each, subscribed by the nodes that host them
 *    (cluster_rooms.ts); their sizes travel with the deltas.
 * 7. The bus is a trust boundary: every message is checked before it is used
 *    (read_message.ts); one that fails, or names another node's connection
 *    where this node's is meant, is dropped, counted in `busStats` and logged
 *    through the log limiter, never thrown into the node or `server.stats`.
 * 8. A frame sent from another node to a connection of this one meets its
 *    outbox as a broadcast does (the slow-consumer policy), never a send
 *    that waits holding the payload.
 *
 * @module
 */
import type { MessageCodec } from "../codec.ts";
import { jsonCodec } from "../json_codec.ts";
import type { Connection, RemoteConnection } from "../connection/connection.ts";
import { escapingLogger, type Logger } from "../logger.ts";
import { checkNumber } from "../options.ts";
import type { BroadcastTarget } from "../server/broadcast.ts";
import type { Server, ServerHooks, ServerSide } from "../server/server.ts";
import type { ConnectionStats, ServerStats } from "../stats.ts";
import type { Bus, BusDelivery } from "./bus.ts";
import { sendBroadcast } from "./broadcast_plan.ts";
import { ClusterRooms } from "./cluster_rooms.ts";
import { Nodes } from "./nodes.ts";
import { Membership } from "./membership.ts";
import { BusChecks, type ClusterBusStats } from "./bus_checks.ts";
import type { Cluster, ClusterOptions } from "./cluster_types.ts";
import { fetchConnections, type FetchConnectionsOptions, type FetchedConnections } from "./fetch_connections.ts";
import { askNode } from "./ask_node.ts";
import { type ClusterMessage, encodeMessage } from "./messages.ts";
import { readMessage } from "./read_message.ts";
import { deliverLocally } from "./local_delivery.ts";
import { firstIdOf, nodeOfConnection } from "./node_ids.ts";
import { RemoteHandle, type RemoteHost } from "./remote_connection.ts";
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
  readonly #nodes = new Nodes();
  readonly #membership: Membership;
  readonly #rooms: ClusterRooms;
  readonly #checks: BusChecks;
  readonly #remoteHost: RemoteHost;
  readonly #unsubscribe: Array<() => void> = [];
  readonly #timer: ReturnType<typeof setInterval>;
  #local: ServerSide<Message> | undefined;
  #closed = false;
  /** Posts and broadcasts to other nodes that did not go (node unknown, bus full, a message over its bound). */
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
    this.#remoteHost = {
      send: (node, id, payload) => this.#publish(this.#topicOf(node), { kind: "send", id, payload }),
      close: (node, id) => void this.#publish(this.#topicOf(node), { kind: "close", id }),
      checkOutgoing: (length) => this.#local?.checkOutgoing(length),
    };
    this.#membership = new Membership(this.node, this.#nodes, {
      all: (message) => this.#publish(this.#all, message),
      to: (node, message) => this.#publish(this.#topicOf(node), message),
      ask: (node, message) => this.#ask(node, message),
      encode: (message) => encodeMessage(this.node, message),
    }, this.#logger);
    const onMessage = (payload: Uint8Array, delivery: BusDelivery) => this.#onMessage(payload, delivery);
    this.#rooms = new ClusterRooms(this.#bus, this.#prefix, onMessage, {
      publish: (topic, room, payload, except) => this.#publish(topic, { kind: "room", room, payload, except }),
      changed: (room, size) => this.#membership.roomChanged(room, size),
      remoteSize: (room) => this.#nodes.roomSize(room),
    });
    this.#unsubscribe.push(this.#bus.subscribe(this.#all, onMessage));
    if (this.node !== 0) this.#unsubscribe.push(this.#bus.subscribe(this.#topicOf(this.node), onMessage));
    this.#timer = setInterval(() => {
      this.#membership.report();
      this.#nodes.expire(Date.now() - this.#expireMs);
      this.#checks.flush();
    }, reportMs);
  }

  /** The first connection id of this node's server. */
  get firstId(): number {
    return firstIdOf(this.node);
  }

  nodes(): number[] {
    return [...this.#nodes.nodes()].map((remote) => remote.node);
  }

  get size(): number {
    if (this.#local !== undefined) return this.#local.server.size + this.#nodes.size;
    let size = 0;
    for (const remote of this.#nodes.nodes()) size += remote.stats?.active ?? 0;
    return size;
  }

  get stats(): ServerStats {
    const all = [...this.#nodes.nodes()].flatMap((remote) => remote.stats === undefined ? [] : [remote.stats]);
    if (this.#local !== undefined) {
      const own = this.#local.server.stats;
      all.push({ ...own, messagesDropped: own.messagesDropped + this.messagesDropped });
    }
    return sumServerStats(all);
  }

  get busStats(): ClusterBusStats {
    return this.#checks.stats(this.#nodes);
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

  roomChanged(room: string, size: number): void {
    this.#rooms.changed(room, size);
  }

  /** Sends a room broadcast to the other nodes; returns their members of the room (0 when the bus dropped it). */
  roomBroadcast(room: string, payload: Uint8Array, except: number): number {
    const members = this.#rooms.broadcast(room, payload, except);
    if (members < 0) this.messagesDropped++;
    return Math.max(members, 0);
  }

  roomSize(room: string): number {
    return this.#rooms.size(room);
  }

  /** A connection of this node's server opened: its count goes with the next delta. */
  opened(_conn: Connection<Message>): void {
    this.#membership.changed();
  }

  closed(_stats: ConnectionStats): void {
    this.#membership.changed();
  }

  owns(id: number): boolean {
    return nodeOfConnection(id) === this.node;
  }

  remote(id: number): RemoteConnection | undefined {
    if (!Number.isSafeInteger(id) || id < 1 || this.owns(id)) return undefined;
    const gone = this.#nodes.get(nodeOfConnection(id))?.gone.signal;
    return gone === undefined ? undefined : new RemoteHandle(id, this.#remoteHost, gone);
  }

  fetchConnections(options?: FetchConnectionsOptions): Promise<FetchedConnections<Message>> {
    const server = this.#local?.server;
    return fetchConnections<Message>({
      local: (room) =>
        server === undefined ? [] : room === undefined ? server.connections() : server.rooms.members(room),
      nodes: () => this.nodes(),
      ask: (node, message, timeout) => this.#ask(node, message, timeout),
      handle: (entry) => {
        const gone = this.#nodes.get(nodeOfConnection(entry[0]))?.gone.signal ?? AbortSignal.abort();
        return new RemoteHandle(entry[0], this.#remoteHost, gone, entry);
      },
    }, options);
  }

  /**
   * Sends a broadcast to the other nodes (see invariant 3): a predicate stays
   * here (nothing crosses); ids cross. Returns how many remote connections
   * it is meant for, as last heard.
   * @throws {RangeError} an `except` list over what a bus message holds (counted in `messagesDropped`).
   */
  broadcast(payload: Uint8Array, filter?: ((conn: Connection<Message>) => boolean) | BroadcastTarget): number {
    if (typeof filter === "function") return 0;
    const { meant, dropped } = sendBroadcast(this.node, filter, this.#nodes, (node, except, only) => {
      const topic = node === undefined ? this.#all : this.#topicOf(node);
      return this.#publish(topic, { kind: "broadcast", payload, except, only });
    }, () => this.messagesDropped++);
    this.messagesDropped += dropped;
    return meant;
  }

  /** Posts to a connection of another node; false (counted) when the node is unknown or the bus dropped it. */
  post(id: number, message: Message): boolean {
    const node = nodeOfConnection(id);
    const sent = this.#nodes.get(node) !== undefined &&
      this.#publish(this.#topicOf(node), { kind: "post", id, body: this.#codec.encode(message) });
    if (!sent) this.messagesDropped++;
    return sent;
  }

  forget(node: number): void {
    this.#nodes.forget(node);
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
    for (const remote of [...this.#nodes.nodes()]) this.#nodes.forget(remote.node);
  }

  #topicOf(node: number): string {
    return `${this.#prefix}node.${node}`;
  }

  #publish(topic: string, message: ClusterMessage): boolean {
    return !this.#closed && this.#bus.publish(topic, encodeMessage(this.node, message));
  }

  #ask(node: number, message: ClusterMessage, timeout?: number): Promise<ClusterMessage> {
    return askNode(this.#bus, this.#checks, this.node, node, this.#topicOf(node), message, timeout);
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
      why = this.#handle(from, message, delivery);
    } catch (error) {
      // A check passed but the server refused what it said (a codec's refusal, a frame over the limit).
      why = `the server refused it (${error instanceof Error ? error.name : "error"})`;
    }
    if (why === undefined) this.#checks.accepted++;
    else this.#checks.reject({ rejected: message.kind, why }, delivery.topic);
  }

  /** Acts on a checked message; returns why it was refused, if it was. */
  #handle(from: number, message: ClusterMessage, delivery: BusDelivery): string | undefined {
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
        if (message.node !== this.node) this.#nodes.forget(message.node);
        return;
      default:
        return this.#membership.handle(from, message, delivery);
    }
  }
}
