/**
 * The cluster's bus over Redis pub/sub (redis.ts connects it): topics on
 * channels, requests answered on the sender's own reply channel, and the
 * engine state (bound, outage, figures) shared with the NATS bus.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import type { Redis } from "ioredis";
import { type BusDelivery, type BusHandler, BusRequestError, type BusRequestOptions } from "../../../mod.ts";
import {
  checkNumber,
  DEFAULT_REQUEST_TIMEOUT,
  type EngineBus,
  type EngineBusStats,
  type EngineState,
} from "../../_internal.ts";
import { MESSAGE, newSender, open, overhead, REPLY, replyChannel, REQUEST, sameSender, seal } from "./_redis_wire.ts";

interface PendingRequest {
  readonly topic: string;
  resolve(payload: Uint8Array): void;
  reject(error: unknown): void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** Subscribed in batches of this many channels after a reconnect. */
const SUBSCRIBE_BATCH = 1000;

/** The bus over two Redis connections: one publishes, one subscribes. */
export class RedisBus implements EngineBus {
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #state: EngineState;
  readonly #sender = newSender();
  readonly #replies: string;
  readonly #topics = new Map<string, Set<BusHandler>>();
  readonly #requests = new Map<number, PendingRequest>();
  #nextRequest = 1;
  #pubUp = true;
  #subUp = true;
  /** The publishing connection stayed up since the subscriber was lost: the server cut the subscriber off. */
  #pubStayedUp = false;

  constructor(pub: Redis, sub: Redis, state: EngineState) {
    this.#pub = pub;
    this.#sub = sub;
    this.#state = state;
    this.#replies = replyChannel(this.#sender);
    sub.on("messageBuffer", (channel: Buffer, message: Buffer) => this.#onMessage(channel, message));
    pub.on("close", () => this.#lost("pub"));
    sub.on("close", () => this.#lost("sub"));
    pub.on("ready", () => this.#ready("pub"));
    sub.on("ready", () => this.#ready("sub"));
    void sub.subscribe(this.#replies).catch(() => {});
  }

  get stats(): EngineBusStats {
    return this.#state.stats;
  }

  publish(topic: string, payload: Uint8Array): boolean {
    const bytes = overhead(MESSAGE) + payload.length;
    if (!this.#state.take(bytes)) return false;
    this.#state.published++;
    // Acknowledged by the reply to PUBLISH; lost with the connection, it is dropped.
    this.#pub.publish(topic, seal(MESSAGE, this.#sender, 0, payload)).then(
      () => this.#state.release(bytes),
      () => {
        this.#state.release(bytes);
        this.#state.dropped++;
      },
    );
    return true;
  }

  subscribe(topic: string, handler: BusHandler): () => void {
    let handlers = this.#topics.get(topic);
    if (handlers === undefined) {
      this.#topics.set(topic, handlers = new Set());
      // Away, the subscriber subscribes to every topic when it is back.
      if (this.#subUp) this.#sub.subscribe(topic).catch(() => {});
    }
    const own: BusHandler = (payload, delivery) => handler(payload, delivery);
    const set = handlers;
    set.add(own);
    return () => {
      if (!set.delete(own) || set.size > 0 || this.#topics.get(topic) !== set) return;
      this.#topics.delete(topic);
      if (this.#subUp && !this.#state.closed) this.#sub.unsubscribe(topic).catch(() => {});
    };
  }

  async request(topic: string, payload: Uint8Array, options: BusRequestOptions = {}): Promise<Uint8Array> {
    const { signal } = options;
    signal?.throwIfAborted();
    const refusal = this.#state.closed ? "closed" : !this.#state.up ? "unavailable" : undefined;
    if (refusal !== undefined) throw this.#failed(new BusRequestError(refusal, topic));
    const bytes = overhead(REQUEST) + payload.length;
    if (!this.#state.take(bytes)) throw this.#failed(new BusRequestError("dropped", topic));
    const timeout = (checkNumber("timeout", options.timeout) ?? DEFAULT_REQUEST_TIMEOUT) * 1000;
    const id = this.#nextRequest++ >>> 0;
    const answer = new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => this.#settle(id)?.reject(new BusRequestError("timeout", topic)), timeout);
      this.#requests.set(id, { topic, resolve, reject, timer });
    });
    const onAbort = () => this.#settle(id)?.reject(signal!.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      let receivers: number;
      try {
        receivers = await this.#pub.publish(topic, seal(REQUEST, this.#sender, id, payload));
      } finally {
        this.#state.release(bytes);
      }
      // Redis counts this node's own subscriber too, if it listens there.
      if (receivers - (this.#topics.has(topic) ? 1 : 0) <= 0) {
        this.#settle(id)?.reject(new BusRequestError("no-responders", topic));
      }
    } catch (error) {
      this.#settle(id)?.reject(
        new BusRequestError(this.#state.closed ? "closed" : "unavailable", topic, { cause: error }),
      );
    }
    try {
      return await answer;
    } catch (error) {
      if (error instanceof BusRequestError) this.#state.requestsFailed++;
      throw error;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  async flush(): Promise<void> {
    if (this.#state.closed) throw new BusRequestError("closed", "flush");
    if (!this.#state.up) throw new BusRequestError("unavailable", "flush");
    try {
      // One connection's commands run in order: once each PING is answered, what was sent before it is done.
      await Promise.all([this.#pub.ping(), this.#sub.ping()]);
    } catch (error) {
      throw new BusRequestError(this.#state.closed ? "closed" : "unavailable", "flush", { cause: error });
    }
  }

  async close(): Promise<void> {
    if (this.#state.closed) return;
    const wasUp = this.#state.up;
    this.#state.close();
    for (const [id, request] of [...this.#requests]) {
      this.#settle(id);
      request.reject(new BusRequestError("closed", request.topic));
    }
    this.#topics.clear();
    // What was published goes out first, unless the server is away.
    if (wasUp) await Promise.allSettled([this.#pub.quit(), this.#sub.quit()]);
    this.#pub.disconnect();
    this.#sub.disconnect();
  }

  #failed(error: BusRequestError): BusRequestError {
    this.#state.requestsFailed++;
    return error;
  }

  #settle(id: number): PendingRequest | undefined {
    const request = this.#requests.get(id);
    if (request === undefined) return undefined;
    this.#requests.delete(id);
    clearTimeout(request.timer);
    return request;
  }

  #lost(which: "pub" | "sub"): void {
    if (this.#state.closed) return;
    if (which === "pub") {
      this.#pubUp = false;
      this.#pubStayedUp = false;
    } else if (this.#subUp) {
      this.#subUp = false;
      this.#pubStayedUp = this.#pubUp;
    }
    this.#state.lost(`the ${which === "pub" ? "publishing" : "subscribing"} connection closed`);
  }

  #ready(which: "pub" | "sub"): void {
    if (this.#state.closed) return;
    if (which === "pub") this.#pubUp = true;
    else if (!this.#subUp) {
      this.#subUp = true;
      if (this.#pubStayedUp && this.#pubUp) this.#state.cut();
      const topics = [this.#replies, ...this.#topics.keys()];
      for (let i = 0; i < topics.length; i += SUBSCRIBE_BATCH) {
        this.#sub.subscribe(...topics.slice(i, i + SUBSCRIBE_BATCH)).catch(() => {});
      }
    }
    if (this.#pubUp && this.#subUp) this.#state.back();
  }

  #onMessage(channel: Buffer, message: Buffer): void {
    const parts = message.length > this.#state.maxMessageSize ? undefined : open(message);
    if (parts === undefined) {
      // Published by something other than a bus (anyone with the server's password can): nothing of it is read.
      this.#state.rejected++;
      return;
    }
    if (sameSender(parts.sender, this.#sender)) return;
    const { kind, sender, id, payload } = parts;
    if (kind === REPLY) {
      this.#settle(id)?.resolve(payload);
      return;
    }
    const topic = channel.toString("utf8");
    const handlers = this.#topics.get(topic);
    if (handlers === undefined) return;
    this.#state.received++;
    let answered = false;
    const reply = kind !== REQUEST ? undefined : (answer: Uint8Array): boolean => {
      const bytes = overhead(REPLY) + answer.length;
      if (answered || !this.#state.take(bytes)) return false;
      answered = true;
      this.#pub.publish(replyChannel(sender), seal(REPLY, this.#sender, id, answer)).finally(() =>
        this.#state.release(bytes)
      ).catch(() => {});
      return true;
    };
    const delivery: BusDelivery = { topic, reply };
    for (const handler of handlers) handler(payload, delivery);
  }
}
