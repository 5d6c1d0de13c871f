/**
 * A connection served by another node, as this node's handlers see it in
 * `server.connections()` and `server.get(id)` (a `RemoteConnection`): like an
 * Erlang pid on another node, something to send to and to close, not to read.
 * Its frames, handler and figures stay on its own node.
 *
 * @module
 */
import type { RemoteConnection } from "../connection/connection.ts";
import { Lifecycle } from "../connection/lifecycle.ts";
import { closeReasonOf } from "../errors.ts";
import type { ConnectionStats } from "../stats.ts";
import { statsHead } from "../stats_head.ts";
import type { Address } from "../../transport/types.ts";
import type { DirectoryEntry } from "./messages.ts";

/** How a remote connection reaches its node. */
export interface RemoteHost {
  /** Queues `payload` as a frame to connection `id` of `node`; false when the bus dropped it. */
  send(node: number, id: number, payload: Uint8Array): boolean;
  /** Asks `node` to close connection `id`. */
  close(node: number, id: number): void;
  /** Throws FrameTooLargeError for a payload over the framing's limit. */
  checkOutgoing(length: number): void;
}

/** A connection of another node (see the module's doc): the directory's handle of it. */
export class RemoteHandle implements RemoteConnection {
  readonly id: number;
  /** The node that serves it. */
  readonly node: number;
  readonly remoteAddr: Address;
  readonly localAddr: Address;
  readonly #openedAt: number;
  readonly #host: RemoteHost;
  readonly #life = new Lifecycle();
  #closedAt: number | undefined;
  #framesOut = 0;
  #framesDropped = 0;
  #writable: WritableStream<Uint8Array> | undefined;

  constructor(node: number, entry: DirectoryEntry, host: RemoteHost) {
    const [id, remoteHost, remotePort, localHost, localPort, openedAt] = entry;
    this.id = id;
    this.node = node;
    this.remoteAddr = { hostname: remoteHost, port: remotePort };
    this.localAddr = { hostname: localHost, port: localPort };
    this.#openedAt = openedAt;
    this.#host = host;
  }

  get signal(): AbortSignal {
    return this.#life.signal;
  }

  get finished(): Promise<ConnectionStats> {
    return this.#life.finished;
  }

  get closing(): boolean {
    return this.#life.reason !== undefined;
  }

  /** What this node knows: addresses, opening time, and the frames it sent there; the rest stays on its node. */
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
      closeReason: this.#life.reason,
      error: this.#life.error,
    };
  }

  /**
   * Sends a frame through the bus to its node, in order with this node's
   * other sends and posts to it. Settles once the bus took it: a remote
   * outbox's backpressure does not reach across. A frame the bus dropped is
   * counted in `stats.framesDropped`.
   */
  send(payload: Uint8Array): Promise<void> {
    try {
      this.#host.checkOutgoing(payload.length);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.closing) return Promise.reject(this.#life.closedError());
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

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.finished;
  }

  /** Sends through the bus, as `send()`; closing or aborting it closes the connection. */
  get writable(): WritableStream<Uint8Array> {
    return this.#writable ??= new WritableStream<Uint8Array>({
      write: (payload) => this.send(payload),
      close: () => this.close(),
      abort: () => this.close(),
    });
  }

  /** Its node said it ended (or the node is gone): the signal aborts and `finished` settles. */
  left(reason: string): void {
    if (this.closing) return;
    this.#life.ended(closeReasonOf({ code: reason }, "closed"));
    this.#closedAt = Date.now();
    this.#life.settle(this.stats);
  }
}
