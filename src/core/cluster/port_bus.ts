/**
 * A hub member's bus: the {@linkcode Bus} over one MessagePort to the hub
 * (port_hub.ts). Entries of one microtask run go as one batch; what this side
 * has in flight to the hub is bounded in bytes (_port_protocol.ts).
 *
 * @module
 */
import { checkNumber } from "../options.ts";
import {
  type Bus,
  type BusHandler,
  BusRequestError,
  type BusRequestOptions,
  type BusStats,
  DEFAULT_MAX_PENDING_BYTES,
  DEFAULT_REQUEST_TIMEOUT,
} from "./bus.ts";
import { Batcher, costOf, type HubEntry, type MemberEntry } from "./_port_protocol.ts";

/**
 * The part of a MessagePort the bus uses: the web's and Node's both fit.
 * Setting `onmessage` starts the port.
 */
export interface PortLike {
  /** Sends one structured-cloned message to the other end. */
  postMessage(message: unknown): void;
  /** Closes this end. */
  close(): void;
}

/** Options of {@linkcode connectPortBus}. */
export interface PortBusOptions {
  /** Bytes in flight to the hub above which a publish is dropped (payloads plus 64 bytes each). @default {8388608} */
  maxPendingBytes?: number;
}

interface PendingRequest {
  readonly topic: string;
  resolve(payload: Uint8Array): void;
  reject(error: unknown): void;
  readonly timer: ReturnType<typeof setTimeout>;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: (() => void) | undefined;
}

class PortBus implements Bus {
  readonly #port: PortLike;
  readonly #limit: number;
  readonly #out: Batcher<MemberEntry>;
  readonly #handlers = new Map<string, Set<BusHandler>>();
  readonly #requests = new Map<number, PendingRequest>();
  readonly #flushes = new Map<number, { resolve(): void; reject(error: unknown): void }>();
  #nextRequest = 1;
  #inFlight = 0;
  #closed = false;
  #published = 0;
  #received = 0;
  #dropped = 0;
  #requestsFailed = 0;

  constructor(port: PortLike, limit: number) {
    this.#port = port;
    this.#limit = limit;
    this.#out = new Batcher((entries) => port.postMessage(entries));
    (port as unknown as { onmessage: (event: { data: unknown }) => void }).onmessage = (event) =>
      this.#onBatch(event.data as HubEntry[]);
  }

  get stats(): BusStats {
    return {
      published: this.#published,
      received: this.#received,
      dropped: this.#dropped,
      requestsFailed: this.#requestsFailed,
    };
  }

  publish(topic: string, payload: Uint8Array): boolean {
    if (!this.#take(payload)) return false;
    this.#published++;
    this.#out.push(["pub", topic, payload.slice()]);
    return true;
  }

  subscribe(topic: string, handler: BusHandler): () => void {
    let handlers = this.#handlers.get(topic);
    if (handlers === undefined) {
      this.#handlers.set(topic, handlers = new Set());
      if (!this.#closed) this.#out.push(["sub", topic]);
    }
    // A handler subscribed twice runs twice: each subscription is its own.
    const own: BusHandler = (payload, delivery) => handler(payload, delivery);
    handlers.add(own);
    return () => {
      if (!handlers.delete(own) || handlers.size > 0) return;
      this.#handlers.delete(topic);
      if (!this.#closed) this.#out.push(["unsub", topic]);
    };
  }

  request(topic: string, payload: Uint8Array, options: BusRequestOptions = {}): Promise<Uint8Array> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#closed) return this.#failed(new BusRequestError("closed", topic));
    if (!this.#take(payload)) return this.#failed(new BusRequestError("dropped", topic));
    const id = this.#nextRequest++;
    const timeoutMs = (options.timeout ?? DEFAULT_REQUEST_TIMEOUT) * 1000;
    return new Promise((resolve, reject) => {
      const onAbort = signal === undefined ? undefined : () => this.#settle(id)?.reject(signal.reason);
      const timer = setTimeout(() => {
        this.#requestsFailed++;
        this.#settle(id)?.reject(new BusRequestError("timeout", topic));
      }, timeoutMs);
      signal?.addEventListener("abort", onAbort!, { once: true });
      this.#requests.set(id, { topic, resolve, reject, timer, signal, onAbort });
      this.#out.push(["req", topic, id, payload.slice()]);
    });
  }

  flush(): Promise<void> {
    if (this.#closed) return Promise.reject(new BusRequestError("closed", "flush"));
    const id = this.#nextRequest++;
    return new Promise((resolve, reject) => {
      this.#flushes.set(id, { resolve, reject });
      this.#out.push(["ping", id]);
    });
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const { reject } of this.#flushes.values()) reject(new BusRequestError("closed", "flush"));
    this.#flushes.clear();
    for (const [id, request] of [...this.#requests]) {
      this.#settle(id);
      request.reject(new BusRequestError("closed", request.topic));
    }
    this.#out.flush();
    this.#port.close();
    return Promise.resolve();
  }

  /** Counts `payload` against the bound; false (counted as dropped) when it does not fit or the bus is closed. */
  #take(payload: Uint8Array): boolean {
    const cost = costOf(payload);
    if (this.#closed || this.#inFlight + cost > this.#limit) {
      this.#dropped++;
      return false;
    }
    this.#inFlight += cost;
    return true;
  }

  #failed(error: BusRequestError): Promise<never> {
    this.#requestsFailed++;
    return Promise.reject(error);
  }

  #settle(id: number): PendingRequest | undefined {
    const request = this.#requests.get(id);
    if (request === undefined) return undefined;
    this.#requests.delete(id);
    clearTimeout(request.timer);
    request.signal?.removeEventListener("abort", request.onAbort!);
    return request;
  }

  #onBatch(entries: HubEntry[]): void {
    let received = 0;
    for (const entry of entries) {
      switch (entry[0]) {
        case "msg": {
          const [, topic, payload, replyNode, replyId] = entry;
          received += costOf(payload);
          this.#deliver(topic, payload, replyNode, replyId);
          break;
        }
        case "reply":
          received += costOf(entry[2]);
          this.#settle(entry[1])?.resolve(entry[2]);
          break;
        case "noresp": {
          received += costOf(undefined);
          const request = this.#settle(entry[1]);
          if (request !== undefined) {
            this.#requestsFailed++;
            request.reject(new BusRequestError("no-responders", request.topic));
          }
          break;
        }
        case "ack":
          this.#inFlight -= entry[1];
          break;
        case "pong":
          this.#flushes.get(entry[1])?.resolve();
          this.#flushes.delete(entry[1]);
          break;
      }
    }
    // Handled: the hub may send that much more.
    if (received > 0 && !this.#closed) this.#out.push(["ack", received]);
  }

  #deliver(topic: string, payload: Uint8Array, replyNode?: number, replyId?: number): void {
    const handlers = this.#handlers.get(topic);
    if (handlers === undefined) return;
    this.#received++;
    let answered = false;
    const reply = replyNode === undefined ? undefined : (answer: Uint8Array): boolean => {
      if (answered || !this.#take(answer)) return false;
      answered = true;
      this.#out.push(["reply", replyNode, replyId!, answer.slice()]);
      return true;
    };
    const delivery = { topic, reply };
    for (const handler of handlers) handler(payload, delivery);
  }
}

/**
 * A bus over `port`, one end of a channel whose other end the hub holds
 * (`hub.connect()` makes both and returns this bus; a worker thread gets the
 * port and calls this on its side).
 *
 * @throws {RangeError} a bad `maxPendingBytes`.
 * @example A port handed to a thread (here, kept in this one)
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectPortBus, createPortHub } from "spawnkit/workers";
 * const hub = createPortHub();
 * const port = hub.attach(7);
 * const bus = connectPortBus(port);
 * assert.equal(bus.stats.published, 0);
 * await bus.close();
 * hub.close();
 * ```
 */
export function connectPortBus(port: PortLike, options: PortBusOptions = {}): Bus {
  return new PortBus(port, checkNumber("maxPendingBytes", options.maxPendingBytes) ?? DEFAULT_MAX_PENDING_BYTES);
}
