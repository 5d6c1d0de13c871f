/**
 * The hub: a {@linkcode Bus} for threads of one process, routing between
 * members over MessagePorts (a web built-in on Deno, Bun and Node). It runs in
 * the thread that started the others; each member holds one port.
 *
 * Not BroadcastChannel: measured on Deno, its in-memory channel delivered 369
 * of a burst of 1000 messages (a bounded channel that skips a lagging
 * receiver without a word). MessagePorts lose nothing, but have no
 * backpressure, so the hub bounds what each member has in flight and drops,
 * and counts, what would go over (the kit's `"drop"` slow-consumer policy): a
 * member that lags is a thread whose event loop is busy with its own
 * connections, and cutting it off would only lose more.
 *
 * A broadcast reaches each member as one copy of its payload (one structured
 * clone per member, not per connection).
 *
 * @module
 */
import { checkNumber } from "../options.ts";
import { type Bus, DEFAULT_MAX_PENDING_BYTES } from "./bus.ts";
import { connectPortBus, type PortLike } from "./port_bus.ts";
import { Batcher, costOf, type HubEntry, type MemberEntry } from "./_port_protocol.ts";

/** One end of a MessageChannel: the web's MessagePort (Node's, under Node's typings). */
export type ChannelPort = InstanceType<typeof MessageChannel>["port2"];

/** Options of {@linkcode createPortHub}. */
export interface PortHubOptions {
  /** Bytes in flight to one member above which a message to it is dropped (payloads plus 64 bytes each). @default {8388608} */
  maxPendingBytes?: number;
}

/** One member's figures, as the hub sees them. */
export interface PortHubMemberStats {
  /** Messages the hub delivered to it. */
  readonly delivered: number;
  /** Messages to it the hub dropped: it had `maxPendingBytes` in flight. */
  readonly dropped: number;
  /** Bytes in flight to it now. */
  readonly pendingBytes: number;
}

/** A running hub. */
export interface PortHub {
  /** A new member `node` with a bus in this thread (the hub's own thread: tests, a supervisor). */
  connect(node: number): Bus;
  /** A new member `node`: returns the port to hand to its thread, which calls `connectPortBus(port)`. */
  attach(node: number): ChannelPort;
  /** Forgets member `node` (its thread ended): drops its subscriptions and closes its port. */
  detach(node: number): void;
  /** The members now, with their figures. */
  members(): ReadonlyMap<number, PortHubMemberStats>;
  /** Closes every member's port. */
  close(): void;
}

class Member {
  readonly node: number;
  readonly port: ChannelPort;
  readonly topics = new Set<string>();
  readonly out: Batcher<HubEntry>;
  inFlight = 0;
  delivered = 0;
  dropped = 0;

  constructor(node: number, port: ChannelPort) {
    this.node = node;
    this.port = port;
    this.out = new Batcher((entries) => port.postMessage(entries));
  }
}

class Hub implements PortHub {
  readonly #limit: number;
  readonly #members = new Map<number, Member>();
  readonly #topics = new Map<string, Set<Member>>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  connect(node: number): Bus {
    return connectPortBus(this.attach(node) as PortLike);
  }

  attach(node: number): ChannelPort {
    if (this.#members.has(node)) throw new TypeError(`Cannot attach node ${node}: it is a member already`);
    const channel = new MessageChannel();
    const member = new Member(node, channel.port1);
    this.#members.set(node, member);
    (channel.port1 as unknown as { onmessage: (event: { data: unknown }) => void }).onmessage = (event) =>
      this.#onBatch(member, event.data as MemberEntry[]);
    return channel.port2;
  }

  detach(node: number): void {
    const member = this.#members.get(node);
    if (member === undefined) return;
    this.#members.delete(node);
    for (const topic of member.topics) this.#unsubscribe(member, topic);
    member.port.close();
  }

  members(): ReadonlyMap<number, PortHubMemberStats> {
    const figures = new Map<number, PortHubMemberStats>();
    for (const [node, member] of this.#members) {
      figures.set(node, { delivered: member.delivered, dropped: member.dropped, pendingBytes: member.inFlight });
    }
    return figures;
  }

  close(): void {
    for (const node of [...this.#members.keys()]) this.detach(node);
  }

  #onBatch(from: Member, entries: MemberEntry[]): void {
    if (this.#members.get(from.node) !== from) return; // detached while the batch was on its way
    let received = 0;
    for (const entry of entries) {
      switch (entry[0]) {
        case "sub": {
          let members = this.#topics.get(entry[1]);
          if (members === undefined) this.#topics.set(entry[1], members = new Set());
          members.add(from);
          from.topics.add(entry[1]);
          break;
        }
        case "unsub":
          this.#unsubscribe(from, entry[1]);
          break;
        case "pub": {
          const [, topic, payload] = entry;
          received += costOf(payload);
          for (const member of this.#topics.get(topic) ?? []) {
            if (member !== from) this.#send(member, ["msg", topic, payload], payload);
          }
          break;
        }
        case "req": {
          const [, topic, id, payload] = entry;
          received += costOf(payload);
          const responder = [...this.#topics.get(topic) ?? []].find((member) => member !== from);
          if (responder === undefined) this.#send(from, ["noresp", id], undefined);
          else this.#send(responder, ["msg", topic, payload, from.node, id], payload);
          break;
        }
        case "reply": {
          const [, node, id, payload] = entry;
          received += costOf(payload);
          const to = this.#members.get(node);
          if (to !== undefined) this.#send(to, ["reply", id, payload], payload);
          break;
        }
        case "ack":
          from.inFlight -= entry[1];
          break;
        case "ping":
          // Everything before it in this batch and the ones before is routed: say so (no cost, never dropped).
          from.out.push(["pong", entry[1]]);
          break;
      }
    }
    // Routed: the member may send that much more.
    if (received > 0) from.out.push(["ack", received]);
  }

  #send(to: Member, entry: HubEntry, payload: Uint8Array | undefined): void {
    const cost = costOf(payload);
    if (to.inFlight + cost > this.#limit) {
      to.dropped++;
      return;
    }
    to.inFlight += cost;
    to.delivered++;
    to.out.push(entry);
  }

  #unsubscribe(member: Member, topic: string): void {
    member.topics.delete(topic);
    const members = this.#topics.get(topic);
    members?.delete(member);
    if (members?.size === 0) this.#topics.delete(topic);
  }
}

/**
 * Starts a hub in this thread.
 *
 * @throws {RangeError} a bad `maxPendingBytes`.
 * @example Two members, one request and its reply
 * ```ts
 * import assert from "node:assert/strict";
 * import { createPortHub } from "spawnkit/workers";
 * const hub = createPortHub();
 * const [asker, answerer] = [hub.connect(1), hub.connect(2)];
 * answerer.subscribe("node.2", (payload, { reply }) => reply?.(payload.map((byte) => byte + 1)));
 * await answerer.flush(); // the subscription has reached the hub
 * assert.deepEqual(await asker.request("node.2", new Uint8Array([1, 2])), new Uint8Array([2, 3]));
 * await asker.close();
 * await answerer.close();
 * hub.close();
 * ```
 */
export function createPortHub(options: PortHubOptions = {}): PortHub {
  return new Hub(checkNumber("maxPendingBytes", options.maxPendingBytes) ?? DEFAULT_MAX_PENDING_BYTES);
}
