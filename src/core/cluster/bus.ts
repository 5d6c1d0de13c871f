/**
 * The bus: the one small interface the cluster logic is written over. Nodes
 * (worker threads on one machine, processes on many) publish byte payloads to
 * named topics and subscribe to them; a request goes to a topic's subscriber
 * and waits for its reply. The hub over MessagePorts (port_hub.ts) is the
 * first implementation; engines such as NATS or Redis fit the same shape.
 *
 * The contract every implementation keeps:
 * 1. Payloads are bytes, delivered whole, never back to the node that
 *    published them (NATS' `noEcho`).
 * 2. Per publisher and subscriber, delivery is in publish order, whatever the
 *    topic.
 * 3. Bounded: a node's messages in flight are bounded in bytes. A message over
 *    the bound is dropped and counted (`publish()` returns false), never
 *    queued without limit and never blocking the publisher.
 * 4. An outage never throws into the publisher: `publish()` returns false and
 *    `request()` rejects with a {@linkcode BusRequestError}, at once while the
 *    engine is known to be away (reason `"unavailable"`).
 *
 * @module
 */

/** How a subscriber sees one message. */
export interface BusDelivery {
  /** The topic it was published to. */
  readonly topic: string;
  /**
   * Answers a request (present only on requests); false when the answer was
   * dropped. The first answer to a request wins.
   */
  readonly reply?: (payload: Uint8Array) => boolean;
}

/** A subscriber's callback: runs once per message, in order. */
export type BusHandler = (payload: Uint8Array, delivery: BusDelivery) => void;

/** Options of `bus.request()`. */
export interface BusRequestOptions {
  /** Seconds to wait for the reply. @default {5} */
  timeout?: number;
  /** Aborting it rejects the request with the signal's reason. */
  signal?: AbortSignal;
}

/** A bus's figures. */
export interface BusStats {
  /** Messages this node handed to the bus. */
  readonly published: number;
  /** Messages delivered to this node's subscribers. */
  readonly received: number;
  /** Messages dropped on this node's side: over the bound, or while the bus was closed. */
  readonly dropped: number;
  /** Requests that got no reply in time, found no subscriber, or were over the bound. */
  readonly requestsFailed: number;
}

/**
 * A bus: topics, bytes, bounded. See the module's contract.
 *
 * @example Two nodes on one hub: a message published by one reaches the other
 * ```ts
 * import assert from "node:assert/strict";
 * import { createPortHub } from "spawnkit/workers";
 * const hub = createPortHub();
 * const [a, b] = [hub.connect(1), hub.connect(2)];
 * const got = new Promise<string>((resolve) =>
 *   b.subscribe("news", (payload) => resolve(new TextDecoder().decode(payload)))
 * );
 * await b.flush(); // the subscription has reached the hub
 * assert.equal(a.publish("news", new TextEncoder().encode("hello")), true);
 * assert.equal(await got, "hello");
 * await a.close();
 * await b.close();
 * hub.close();
 * ```
 */
export interface Bus {
  /**
   * Sends `payload` to every subscriber of `topic` on the other nodes.
   * Returns false, counted in `stats.dropped`, when it cannot go: over the
   * bound, or the bus is closed. The payload is copied; reuse it at once.
   */
  publish(topic: string, payload: Uint8Array): boolean;
  /** Calls `handler` for every message published to `topic` by another node. Returns the unsubscribe. */
  subscribe(topic: string, handler: BusHandler): () => void;
  /**
   * Sends `payload` to one subscriber of `topic` and settles with its reply.
   * @throws {BusRequestError} no reply within the timeout, no subscriber, the bus closed, or over its bound.
   */
  request(topic: string, payload: Uint8Array, options?: BusRequestOptions): Promise<Uint8Array>;
  /**
   * Settles once the bus has everything this node sent before the call,
   * subscriptions included (NATS' `flush()`): a message published by another
   * node after that reaches this node's new subscriptions.
   * @throws {BusRequestError} the bus closed first.
   */
  flush(): Promise<void>;
  /** This node's figures. */
  readonly stats: BusStats;
  /** Sends what is queued, fails pending requests, and leaves the bus. Idempotent. */
  close(): Promise<void>;
}

/** Why a request failed. */
export type BusRequestFailure = "timeout" | "no-responders" | "closed" | "dropped" | "unavailable";

/**
 * A request that got no reply: `reason` says why.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BusRequestError } from "spawnkit";
 * const error = new BusRequestError("timeout", "node.2");
 * assert.equal(error.message, "Cannot request node.2: no reply in time");
 * assert.equal(error.reason, "timeout");
 * ```
 */
export class BusRequestError extends Error {
  /** Why it failed. */
  readonly reason: BusRequestFailure;
  /** The topic asked. */
  readonly topic: string;

  /** Builds the error for a request to `topic` that failed for `reason`. */
  constructor(reason: BusRequestFailure, topic: string, options?: ErrorOptions) {
    const why = {
      timeout: "no reply in time",
      "no-responders": "no subscriber",
      closed: "bus closed",
      dropped: "over the bound",
      unavailable: "the engine is unreachable",
    }[
      reason
    ];
    super(`Cannot request ${topic}: ${why}`, options);
    this.name = "BusRequestError";
    this.reason = reason;
    this.topic = topic;
  }
}

/** The default `timeout` of `bus.request()`, in seconds (Socket.IO's adapter waits as long). */
export const DEFAULT_REQUEST_TIMEOUT = 5;

/**
 * The default `maxPendingBytes` of every bus (engine, hub or member), 8 MiB:
 * bytes in flight to a peer of the bus above which a message is dropped and
 * counted.
 */
export const DEFAULT_MAX_PENDING_BYTES = 8 * 1024 * 1024;
