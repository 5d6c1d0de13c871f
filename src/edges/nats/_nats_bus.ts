/**
 * The cluster's bus over one NATS connection (nats.ts connects it): topics
 * on subjects, requests over the client's own request-reply, a PING to
 * acknowledge what was published, and the engine state (bound, outage,
 * figures) shared with the Redis bus.
 *
 * @module
 */
import type { Msg, NatsConnection, NoRespondersError, TimeoutError } from "@nats-io/transport-node";
import { type BusDelivery, type BusHandler, BusRequestError, type BusRequestOptions } from "../../../mod.ts";
import {
  checkNumber,
  DEFAULT_REQUEST_TIMEOUT,
  type EngineBus,
  type EngineBusStats,
  type EngineState,
} from "../../_internal.ts";

interface Topic {
  readonly handlers: Set<BusHandler>;
  readonly unsubscribe: () => void;
}

/** The NATS client's error classes a request tells apart (the package is imported once, by nats.ts). */
export interface NatsErrors {
  readonly NoRespondersError: typeof NoRespondersError;
  readonly TimeoutError: typeof TimeoutError;
}

/** The bus over one NATS connection. */
export class NatsBus implements EngineBus {
  readonly #nc: NatsConnection;
  readonly #state: EngineState;
  readonly #errors: NatsErrors;
  readonly #topics = new Map<string, Topic>();
  // One PING in flight at a time: its PONG acknowledges every byte published before it.
  #unacknowledged = 0;
  #pinging = false;
  /** Attempts to reconnect since the last disconnect. */
  #attempts = 0;

  constructor(nc: NatsConnection, state: EngineState, errors: NatsErrors) {
    this.#nc = nc;
    this.#state = state;
    this.#errors = errors;
    // The status feed ends when the connection closes; should it fail instead, the bus goes on without its outage
    // counts rather than leaving a rejection nobody handles.
    this.#watch().catch(() => {});
  }

  get stats(): EngineBusStats {
    return this.#state.stats;
  }

  publish(topic: string, payload: Uint8Array): boolean {
    if (!this.#state.take(payload.length)) return false;
    try {
      // Copied: the client holds the bytes until its next write.
      this.#nc.publish(topic, payload.slice());
    } catch {
      this.#state.release(payload.length);
      this.#state.dropped++;
      return false;
    }
    this.#state.published++;
    this.#unacknowledged += payload.length;
    this.#ping();
    return true;
  }

  subscribe(topic: string, handler: BusHandler): () => void {
    let entry = this.#topics.get(topic);
    if (entry === undefined) {
      const handlers = new Set<BusHandler>();
      const subscription = this.#nc.subscribe(topic, {
        callback: (error, msg) => {
          if (error === null) this.#deliver(topic, handlers, msg);
        },
      });
      entry = { handlers, unsubscribe: () => subscription.unsubscribe() };
      this.#topics.set(topic, entry);
    }
    const own: BusHandler = (payload, delivery) => handler(payload, delivery);
    const { handlers } = entry;
    handlers.add(own);
    return () => {
      if (!handlers.delete(own) || handlers.size > 0 || this.#topics.get(topic) !== entry) return;
      this.#topics.delete(topic);
      if (!this.#nc.isClosed()) entry.unsubscribe();
    };
  }

  async request(topic: string, payload: Uint8Array, options: BusRequestOptions = {}): Promise<Uint8Array> {
    const { signal } = options;
    signal?.throwIfAborted();
    const refusal = this.#state.closed ? "closed" : !this.#state.up ? "unavailable" : undefined;
    if (refusal !== undefined) throw this.#failed(new BusRequestError(refusal, topic));
    if (!this.#state.take(payload.length)) throw this.#failed(new BusRequestError("dropped", topic));
    const timeout = (checkNumber("timeout", options.timeout) ?? DEFAULT_REQUEST_TIMEOUT) * 1000;
    try {
      const reply = this.#nc.request(topic, payload.slice(), { timeout });
      const msg = signal === undefined ? await reply : await Promise.race([reply, aborted(signal)]);
      return msg.data;
    } catch (error) {
      if (signal?.aborted && error === signal.reason) throw error;
      const cause = (error as Error).cause;
      const { NoRespondersError, TimeoutError } = this.#errors;
      const reason = cause instanceof NoRespondersError
        ? "no-responders"
        : cause instanceof TimeoutError || error instanceof TimeoutError
        ? "timeout"
        : this.#state.closed
        ? "closed"
        : "unavailable";
      throw this.#failed(new BusRequestError(reason, topic, { cause: error }));
    } finally {
      this.#state.release(payload.length);
    }
  }

  async flush(): Promise<void> {
    if (this.#state.closed) throw new BusRequestError("closed", "flush");
    if (!this.#state.up) throw new BusRequestError("unavailable", "flush");
    try {
      await this.#nc.flush();
    } catch (error) {
      throw new BusRequestError(this.#state.closed ? "closed" : "unavailable", "flush", { cause: error });
    }
  }

  async close(): Promise<void> {
    if (this.#state.closed) return;
    const wasUp = this.#state.up;
    this.#state.close();
    this.#topics.clear();
    // What was published goes out first, unless the server is away (then there is nothing to wait for).
    if (wasUp) await this.#nc.flush().catch(() => {});
    await this.#nc.close();
  }

  #failed(error: BusRequestError): BusRequestError {
    this.#state.requestsFailed++;
    return error;
  }

  #ping(): void {
    if (this.#pinging || this.#unacknowledged === 0) return;
    this.#pinging = true;
    const bytes = this.#unacknowledged;
    this.#unacknowledged = 0;
    // A PING answered or lost with the connection: either way those bytes are no longer this node's to hold.
    void this.#nc.flush().catch(() => {}).finally(() => {
      this.#state.release(bytes);
      this.#pinging = false;
      if (this.#state.up) this.#ping();
    });
  }

  #deliver(topic: string, handlers: Set<BusHandler>, msg: Msg): void {
    this.#state.received++;
    const to = msg.reply;
    let answered = false;
    const reply = to === undefined || to === "" ? undefined : (answer: Uint8Array): boolean => {
      if (answered || !this.#state.take(answer.length)) return false;
      answered = true;
      this.#nc.publish(to, answer.slice());
      this.#unacknowledged += answer.length;
      this.#ping();
      return true;
    };
    const delivery: BusDelivery = { topic, reply };
    for (const handler of handlers) handler(msg.data, delivery);
  }

  async #watch(): Promise<void> {
    for await (const status of this.#nc.status()) {
      if (status.type === "disconnect") {
        this.#attempts = 0;
        this.#state.lost(`disconnected from ${status.server}`);
      } else if (status.type === "reconnecting") this.#attempts++;
      else if (status.type === "reconnect") {
        this.#state.back();
        this.#unacknowledged = 0;
        // Back at the first attempt: the server was up and closed this connection itself (a slow consumer, for
        // nats-server: past its write_deadline or max_pending while this node's loop was busy). It says nothing else.
        if (this.#attempts <= 1) this.#state.cut();
      } else if (status.type === "slowConsumer") this.#state.cutOff++;
    }
  }
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
}
