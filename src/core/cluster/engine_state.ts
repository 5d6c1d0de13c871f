/**
 * What a {@linkcode Bus} over an engine (NATS, Redis: an edge each) keeps on
 * this node's side: whether the engine is there, the bound on what is in
 * flight to it, the cap on one message, the outage logged once, and the
 * figures. The engines' clients do not bound their own queues (both buffer
 * without limit while connected to a slow engine, and NATS' client drops
 * what it buffered while away at each reconnect attempt), so the bus
 * bounds them here.
 *
 * Invariants:
 * 1. While the engine is away, nothing is handed to its client: a publish
 *    is dropped and counted at once, a request fails at once (reason
 *    `"unavailable"`), and no handler waits.
 * 2. Bytes handed to the client count as in flight until the engine has
 *    acknowledged them (NATS: the PONG of a PING sent after them; Redis: the
 *    reply to PUBLISH); a message that would take the count over
 *    `maxPendingBytes` is dropped and counted (the kit's `"drop"`
 *    slow-consumer policy: a node whose engine lags goes on serving).
 * 3. An outage is logged once when it starts and once when it ends, with
 *    what it dropped.
 * 4. The engine's address is logged without its credentials: the userinfo
 *    of every URL (`user:password@`, a token) is replaced by `***`.
 *
 * @module
 */
import { escapingLogger, type Logger } from "../logger.ts";
import { checkNumber } from "../options.ts";
import { type Bus, type BusStats, DEFAULT_MAX_PENDING_BYTES } from "./bus.ts";

/** A bus over an engine: its figures. */
export interface EngineBusStats extends BusStats {
  /** True while the engine is there. */
  readonly connected: boolean;
  /** Times the engine went away (one outage may end several tries to reconnect). */
  readonly outages: number;
  /**
   * Times the engine closed a connection of this node while it was up: its
   * slow-subscriber limit (Redis' `client-output-buffer-limit pubsub`, NATS'
   * slow consumers), or an operator.
   */
  readonly cutOff: number;
  /** Bytes handed to the engine's client and not acknowledged yet. */
  readonly pendingBytes: number;
  /**
   * Messages the engine delivered that the bus dropped unread: not in the
   * bus's wire format (Redis), or over `maxMessageSize`. What the cluster makes
   * of the messages it reads is in `cluster.busStats`.
   */
  readonly rejected: number;
}

/** A bus over an engine, with the engine's figures. */
export interface EngineBus extends Bus {
  /** This node's figures, with the engine's state. */
  readonly stats: EngineBusStats;
}

/** Options every engine bus takes. */
export interface EngineBusOptions {
  /** Bytes in flight to the engine above which a message is dropped (counted). @default {8388608} */
  maxPendingBytes?: number;
  /** The largest message, in bytes (headers included); a larger one is dropped (counted). @default {1048576} */
  maxMessageSize?: number;
  /** Where the outages are logged. @default warnings and errors to the console */
  logger?: Logger;
}

/** The default `maxMessageSize` of an engine bus: NATS' default `max_payload`. */
export const DEFAULT_MAX_MESSAGE_SIZE = 1_048_576;

/**
 * `url` without its credentials: the userinfo (`user:password@`, or a token
 * alone) becomes `***@`, and nothing else changes. Everything before the last
 * `@` goes, so a password with an unescaped `@` or `/` does not leak either.
 *
 * @example An engine's URL, ready for a log line
 * ```ts
 * import assert from "node:assert/strict";
 * import { redactUrl } from "../../../mod.ts";
 * assert.equal(redactUrl("nats://spawn:s3cret@127.0.0.1:4222"), "nats://***@127.0.0.1:4222");
 * assert.equal(redactUrl("rediss://default:p@ss/w0rd@cache:6380/0"), "rediss://***@cache:6380/0");
 * assert.equal(redactUrl("127.0.0.1:4222"), "127.0.0.1:4222");
 * ```
 */
export function redactUrl(url: string): string {
  const at = url.lastIndexOf("@");
  if (at === -1) return url;
  const scheme = url.indexOf("://");
  const start = scheme !== -1 && scheme < at ? scheme + 3 : 0;
  return `${url.slice(0, start)}***@${url.slice(at + 1)}`;
}

/**
 * This node's side of a bus over an engine (see the module's invariants).
 *
 * @example An outage: dropped at once, logged once, counted
 * ```ts
 * import assert from "node:assert/strict";
 * import { silentLogger } from "spawnkit";
 * import { EngineState } from "./engine_state.ts";
 * const state = new EngineState("NATS", "127.0.0.1:4222", { logger: silentLogger });
 * assert.equal(state.take(100), true);
 * state.release(100);
 * state.lost(new Error("connection refused"));
 * assert.equal(state.take(100), false);
 * state.back();
 * assert.deepEqual([state.stats.outages, state.stats.dropped, state.stats.connected], [1, 1, true]);
 * ```
 */
export class EngineState {
  /** The engine's name, for the log. */
  readonly engine: string;
  /** Where it is, for the log: the URLs given, without their credentials. */
  readonly address: string;
  /** The bound on bytes in flight. */
  readonly maxPendingBytes: number;
  /** The cap on one message, in bytes (a bus lowers it to the engine's own cap). */
  maxMessageSize: number;
  readonly #logger: Logger;
  #up = true;
  #closed = false;
  #pending = 0;
  #lostAt = 0;
  #droppedAtLoss = 0;
  /** Messages handed to the engine. */
  published = 0;
  /** Messages delivered to this node's subscribers. */
  received = 0;
  /** Messages dropped on this side: the engine away, over the bound or the cap, lost with a connection. */
  dropped = 0;
  /** Requests that failed. */
  requestsFailed = 0;
  /** Times the engine went away. */
  outages = 0;
  /** Times the engine closed a connection of this node while it was up. */
  cutOff = 0;
  /** Messages the engine delivered that the bus dropped unread. */
  rejected = 0;

  /**
   * `engine` and `address` name the engine in the log ("NATS", "127.0.0.1:4222"; a list of URLs for a cluster
   * of servers): credentials in them are never logged.
   */
  constructor(engine: string, address: string | readonly string[], options: EngineBusOptions = {}) {
    this.engine = engine;
    this.address = (typeof address === "string" ? [address] : address).map(redactUrl).join(",");
    this.maxPendingBytes = checkNumber("maxPendingBytes", options.maxPendingBytes) ?? DEFAULT_MAX_PENDING_BYTES;
    this.maxMessageSize = checkNumber("maxMessageSize", options.maxMessageSize) ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.#logger = escapingLogger(options.logger);
  }

  /** True while the engine is there and the bus open. */
  get up(): boolean {
    return this.#up && !this.#closed;
  }

  /** True once `close()` ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Counts `bytes` as in flight; false (counted as dropped) when the engine is away or they do not fit. */
  take(bytes: number): boolean {
    if (!this.up || bytes > this.maxMessageSize || this.#pending + bytes > this.maxPendingBytes) {
      this.dropped++;
      return false;
    }
    this.#pending += bytes;
    return true;
  }

  /** The engine acknowledged `bytes` (or they are lost with a connection). */
  release(bytes: number): void {
    this.#pending = Math.max(0, this.#pending - bytes);
  }

  /** The engine went away: logged once per outage. */
  lost(error?: unknown): void {
    if (!this.#up || this.#closed) return;
    this.#up = false;
    this.outages++;
    this.#lostAt = Date.now();
    this.#droppedAtLoss = this.dropped;
    this.#logger.warn(
      "lost {engine} at {address}: serving this node's clients alone, cross-node messages dropped until it is back: {error}",
      { engine: this.engine, address: this.address, error: error ?? "connection closed" },
    );
  }

  /** The engine is back (the client reconnected and resubscribed). */
  back(): void {
    if (this.#up || this.#closed) return;
    this.#up = true;
    this.#logger.warn("{engine} at {address} is back after {ms} ms; {dropped} messages dropped meanwhile", {
      engine: this.engine,
      address: this.address,
      ms: Date.now() - this.#lostAt,
      dropped: this.dropped - this.#droppedAtLoss,
    });
  }

  /**
   * The engine closed a connection of this node while it was up (it was back
   * at once): counted, and logged with the likely cause.
   */
  cut(): void {
    this.cutOff++;
    this.#logger.warn(
      "{engine} at {address} closed this node's connection while it was up (its slow-consumer limit, most likely: this node read too slowly); reconnected",
      { engine: this.engine, address: this.address },
    );
  }

  /** The bus closed for good. */
  close(): void {
    this.#closed = true;
  }

  /** The figures now. */
  get stats(): EngineBusStats {
    return {
      published: this.published,
      received: this.received,
      dropped: this.dropped,
      requestsFailed: this.requestsFailed,
      connected: this.up,
      outages: this.outages,
      cutOff: this.cutOff,
      pendingBytes: this.#pending,
      rejected: this.rejected,
    };
  }
}
