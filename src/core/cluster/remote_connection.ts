/**
 * A connection served by another node, as this node's handlers hold it
 * (`cluster.remote(id)`, or an entry of `cluster.fetchConnections()`): like an
 * Erlang pid on another node, something to send to and to close, not to read.
 * It is made from the id alone (the id carries its node), so holding one
 * costs nothing on the bus and nothing is kept for it: its frames, handler and
 * figures stay on its own node, and this node does not learn when it ends.
 * Its `signal` aborts, and `finished` settles, when its node leaves or is
 * forgotten (one signal per node, shared by every handle of that node).
 *
 * @module
 */
import type { RemoteConnection } from "../connection/connection.ts";
import { ConnectionClosedError } from "../errors.ts";
import type { ConnectionStats } from "../stats.ts";
import { statsHead } from "../stats_head.ts";
import type { Address } from "../../transport/types.ts";
import type { ConnectionEntry } from "./messages.ts";
import { nodeOfConnection } from "./node_ids.ts";

/** How a remote connection reaches its node. */
export interface RemoteHost {
  /** Queues `payload` as a frame to connection `id` of `node`; false when the bus dropped it. */
  send(node: number, id: number, payload: Uint8Array): boolean;
  /** Asks `node` to close connection `id`. */
  close(node: number, id: number): void;
  /** Throws FrameTooLargeError for a payload over the framing's limit. */
  checkOutgoing(length: number): void;
}

/** Where a handle made from the id alone says it is: unknown. */
const UNKNOWN: Address = Object.freeze({ hostname: "", port: 0 });

/** A connection of another node (see the module's doc). */
export class RemoteHandle implements RemoteConnection {
  readonly id: number;
  /** The node that serves it. */
  readonly node: number;
  readonly remoteAddr: Address;
  readonly localAddr: Address;
  readonly #openedAt: number;
  readonly #host: RemoteHost;
  readonly #gone: AbortSignal;
  #closedAt: number | undefined;
  #finished: Promise<ConnectionStats> | undefined;
  #framesOut = 0;
  #framesDropped = 0;
  #writable: WritableStream<Uint8Array> | undefined;

  /**
   * The handle of connection `id`; `gone` aborts when its node is forgotten.
   * Addresses and opening time come from a listing's `entry`; without one they are unknown (`""`, port 0, 0).
   */
  constructor(id: number, host: RemoteHost, gone: AbortSignal, entry?: ConnectionEntry) {
    this.id = id;
    this.node = nodeOfConnection(id);
    this.remoteAddr = entry === undefined ? UNKNOWN : { hostname: entry[1], port: entry[2] };
    this.localAddr = entry === undefined ? UNKNOWN : { hostname: entry[3], port: entry[4] };
    this.#openedAt = entry?.[5] ?? 0;
    this.#host = host;
    this.#gone = gone;
  }

  /** Aborts when its node leaves the cluster or is forgotten. */
  get signal(): AbortSignal {
    return this.#gone;
  }

  /** Settles when its node leaves the cluster or is forgotten. */
  get finished(): Promise<ConnectionStats> {
    return this.#finished ??= new Promise((resolve) => {
      const settle = () => {
        this.#closedAt ??= Date.now();
        resolve(this.stats);
      };
      if (this.#gone.aborted) settle();
      else this.#gone.addEventListener("abort", settle, { once: true });
    });
  }

  /** True once its node is gone. */
  get closing(): boolean {
    return this.#gone.aborted;
  }

  /** What this node knows: addresses and opening time (from a listing), and the frames it sent there. */
  get stats(): ConnectionStats {
    return {
      ...statsHead(this, this.#openedAt, this.#closedAt),
      bytesIn: 0,
      bytesOut: 0,
      framesIn: 0,
      framesOut: this.#framesOut,
      framesDropped: this.#framesDropped,
      messagesIn: 0,
      messagesDropped: 0,
      outboxBytes: 0,
      outboxPeak: 0,
      closeReason: this.#gone.aborted ? "closed" : undefined,
      error: undefined,
    };
  }

  /**
   * Sends a frame through the bus to its node, in order with this node's
   * other sends and posts to it. Settles once the bus took it: a remote
   * outbox's backpressure does not reach across. A frame the bus dropped is
   * counted in `stats.framesDropped`; one to a connection that has ended
   * there is dropped there.
   */
  send(payload: Uint8Array): Promise<void> {
    try {
      this.#host.checkOutgoing(payload.length);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.closing) return Promise.reject(new ConnectionClosedError("closed"));
    if (this.#host.send(this.node, this.id, payload)) this.#framesOut++;
    else this.#framesDropped++;
    return Promise.resolve();
  }

  sendOwned(payload: Uint8Array): Promise<void> {
    return this.send(payload);
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {
    if (!this.closing) this.#host.close(this.node, this.id);
  }

  /** Asks its node to close it; settles at once (this node does not learn when it ends there). */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  /** Sends through the bus, as `send()`; closing or aborting it closes the connection. */
  get writable(): WritableStream<Uint8Array> {
    return this.#writable ??= new WritableStream<Uint8Array>({
      write: (payload) => this.send(payload),
      close: () => this.close(),
      abort: () => this.close(),
    });
  }
}
