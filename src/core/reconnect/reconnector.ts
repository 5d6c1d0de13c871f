/**
 * The class behind {@linkcode ReconnectingConnection}: one connection over a
 * succession of framed connections ("legs"), one at a time.
 *
 * Invariants:
 * 1. At most one leg is live (takes sends); the reader reads one leg at a
 *    time, in order: every frame of a lost leg is handed out before any
 *    frame of the next.
 * 2. A new leg is activated (read, written, its hook run) only once the
 *    previous one is lost and drained, and its `disconnect` told: what was
 *    sent on the old leg is settled from the reader's point of view before
 *    anything goes out on the new one.
 * 3. Frames that wait for a leg go out after the reconnect hook, in the order
 *    they were sent; they never exceed `maxWaitingBytes` (waiting_sends.ts).
 * 4. One reconnect loop at a time; ending for good (close, signal, retry
 *    limit) stops it wherever it is, clears its timer, closes any leg; then
 *    `finished` settles, once every leg's socket is closed.
 *
 * @module
 */
import type { ConnectionEvent } from "../connection/events.ts";
import type { FramedConnection } from "../connection/framed_connection.ts";
import { type CloseReason, ConnectionClosedError } from "../errors.ts";
import type { ConnectionStats } from "../stats.ts";
import { statsHead } from "../stats_head.ts";
import type { Address } from "../../transport/types.ts";
import { type Leg, type LegHost, Legs } from "./legs.ts";
import { Outgoing } from "./outgoing.ts";
import { ReconnectLoop, type ReconnectorSettings } from "./reconnect_loop.ts";
import { ReconnectingReaders } from "./reconnecting_readers.ts";
import type {
  ReconnectEvent,
  ReconnectHook,
  ReconnectingConnection,
  ReconnectState,
  ReconnectStats,
  SendOptions,
} from "./reconnecting_connection.ts";

/** A connection that dials again when it is lost. */
export class Reconnector implements ReconnectingConnection, LegHost {
  readonly id: number;
  onReconnect: ReconnectHook | undefined;
  readonly finished: Promise<ConnectionStats>;

  readonly #settings: ReconnectorSettings;
  readonly #openedAt = Date.now();
  readonly #legs: Legs;
  readonly #outgoing: Outgoing;
  readonly #listeners = new Set<(event: ReconnectEvent) => void>();
  // Aborted when it ends for good: its signal is the public one, and it stops the loop.
  readonly #end = new AbortController();
  #settle!: (stats: ConnectionStats) => void;
  // The retry loop and its counts (reconnect_loop.ts); #running while it runs.
  readonly #retry: ReconnectLoop;
  #running: Promise<void> | undefined;
  // The ways it is read (reconnecting_readers.ts).
  readonly #readers: ReconnectingReaders;
  #closeReason: CloseReason | undefined;
  #error: unknown;
  #closedAt: number | undefined;
  #resumes = 0;

  constructor(first: FramedConnection, settings: ReconnectorSettings) {
    this.id = first.id;
    this.#settings = settings;
    this.onReconnect = settings.onReconnect;
    this.#outgoing = new Outgoing(
      settings.framing,
      settings.whileDisconnected,
      settings.maxWaitingBytes,
      () => this.closing ? this.#endError() : undefined,
    );
    this.finished = new Promise((resolve) => this.#settle = resolve);
    const legs = this.#legs = new Legs(first, this);
    this.#readers = new ReconnectingReaders(this, legs);
    this.#retry = new ReconnectLoop({
      conn: this,
      settings,
      legs,
      outgoing: this.#outgoing,
      stop: this.#end.signal,
      hook: () => this.onReconnect,
      emit: (event) => this.#emit(event),
      giveUp: (error) => this.#finish("gave-up", error),
    });
  }

  get remoteAddr(): Address {
    return this.#legs.last.conn.remoteAddr;
  }

  get localAddr(): Address {
    return this.#legs.last.conn.localAddr;
  }

  get signal(): AbortSignal {
    return this.#end.signal;
  }

  get closing(): boolean {
    return this.#end.signal.aborted;
  }

  get state(): ReconnectState {
    return this.#retry.state;
  }

  get stats(): ConnectionStats {
    const live = this.#legs.live?.conn.stats;
    return {
      ...statsHead(this, this.#openedAt, this.#closedAt),
      ...this.#legs.sums(),
      messagesIn: 0,
      messagesDropped: 0,
      outboxBytes: live?.outboxBytes ?? 0,
      closeReason: this.#closeReason,
      error: this.#error,
      // The session's counters are the live connection's: a new session (after a refused resume) starts again.
      ...(live?.session === undefined ? {} : { session: live.session }),
    };
  }

  get reconnectStats(): ReconnectStats {
    return {
      state: this.#retry.state,
      connections: this.#legs.activated,
      reconnects: this.#retry.reconnects,
      attempts: this.#retry.attempts,
      lastDelay: this.#retry.lastDelay,
      waitingSends: this.#outgoing.waiting.size,
      waitingBytes: this.#outgoing.waiting.bytes,
      refusedSends: this.#outgoing.refused,
    };
  }

  send(payload: Uint8Array, options?: SendOptions): Promise<void> {
    return this.#outgoing.send(this.#legs.live, payload, options?.signal);
  }

  /** As `send()`: a frame that may cross to another leg is copied, not written from a read buffer. */
  sendOwned(payload: Uint8Array): Promise<void> {
    return this.send(payload);
  }

  flush(): Promise<void> {
    return this.#legs.live?.conn.flush() ?? Promise.resolve();
  }

  /** The next frame, across legs; undefined once it has ended for good and every frame was read. */
  receive(): Promise<Uint8Array | undefined> {
    return this.#readers.receive();
  }

  /** The frames across legs as a ReadableStream (see `Connection.readable`); cancelling it closes the connection. */
  get readable(): ReadableStream<Uint8Array> {
    return this.#readers.readable;
  }

  /** Sends as `send()`; across reconnects there is no write side of its own to end, so closing it closes the connection. */
  get writable(): WritableStream<Uint8Array> {
    return this.#readers.writable;
  }

  close(): void {
    this.#finish("closed", undefined);
  }

  /** Ends it for good with `reason` as the error (the `signal` option). */
  abort(reason: unknown): void {
    this.#finish("aborted", reason);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.finished;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.#readers.frames();
  }

  batches(): AsyncGenerator<Uint8Array[], void, undefined> {
    return this.#readers.batches();
  }

  events(): AsyncGenerator<ConnectionEvent, void, undefined> {
    return this.#readers.events();
  }

  subscribe(listener: (event: ReconnectEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** A leg's socket closed: the live one's loss starts the reconnect loop. */
  gone(leg: Leg, stats: ConnectionStats, wasLive: boolean): void {
    if (wasLive && !this.closing) {
      // Up for a whole maxDelay: it served, if silently (a server that only listens).
      const retry = this.#retry;
      if (retry.state === "open" && stats.durationMs >= this.#settings.maxDelay * 1000) retry.attempts = 0;
      retry.state = "reconnecting";
      this.#settings.logger.info("connection {id} to {remote} lost: {reason}; reconnecting", {
        id: this.id,
        remote: this.#settings.target,
        reason: stats.closeReason,
      });
      this.#running ??= this.#retry.run(stats.error ?? stats.closeReason).finally(() => {
        this.#running = undefined;
        this.#settleIfDone();
      });
    }
    this.drained(leg);
    this.#settleIfDone();
  }

  /** The live leg handed out its first frame (see `ReconnectLoop.served`). */
  served(leg: Leg): void {
    this.#retry.served(leg);
  }

  /** Tells the loss of `leg` once it is gone and drained, and lets the loop go on. */
  drained(leg: Leg): void {
    if (!leg.activated || !leg.done || leg.told) return;
    leg.told = true;
    const stats = leg.final!;
    if (!this.closing) this.#emit({ type: "disconnect", reason: stats.closeReason ?? "closed", error: stats.error });
    this.#wake();
  }

  /** Ends it for good. */
  #finish(how: "closed" | "aborted" | "gave-up", error: unknown): void {
    if (this.closing) return;
    this.#retry.state = "closed";
    this.#closeReason = how === "gave-up" ? this.#legs.last.final?.closeReason ?? "closed" : how;
    this.#error = error;
    const reason = error ?? new ConnectionClosedError("closed");
    this.#end.abort(reason);
    this.#outgoing.waiting.rejectAll(this.#endError());
    const live = this.#legs.live;
    if (live !== undefined) {
      if (how === "closed") live.conn.close();
      else live.conn.abort(reason);
    }
    if (how === "gave-up") {
      this.#settings.logger.warn("connection {id} gave up: {error}", { id: this.id, error });
    }
    this.#wake();
    this.#settleIfDone();
  }

  /** The error a send meets once it has ended. */
  #endError(): unknown {
    if (this.#closeReason === "closed" || this.#closeReason === "aborted") {
      return new ConnectionClosedError(this.#closeReason, { cause: this.#error });
    }
    return this.#error;
  }

  #settleIfDone(): void {
    if (!this.closing || this.#legs.open > 0 || this.#running !== undefined || this.#closedAt !== undefined) return;
    this.#closedAt = Date.now();
    this.#settle(this.stats);
  }

  #wake(): void {
    this.#legs.wakeReader();
    this.#retry.wake();
  }

  /**
   * The session under the live connection went on over a new link
   * (`resume`): told to the listeners (`resume`) and to the hook, with
   * `resumed: true`, so that it knows not to log in again.
   */
  sessionResumed(): void {
    const leg = this.#legs.live;
    if (leg === undefined || this.closing) return;
    this.#resumes++;
    this.#emit({ type: "resume", resumes: this.#resumes });
    const hook = this.onReconnect;
    if (hook === undefined) return;
    const info = { reconnects: this.#retry.reconnects, attempts: 0, signal: leg.conn.signal, resumed: true };
    Promise.resolve().then(() => hook(this, info)).catch((error) =>
      this.#settings.logger.warn("reconnect hook of connection {id} failed: {error}", { id: this.id, error })
    );
  }

  #emit(event: ReconnectEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#settings.logger.error("reconnect listener of connection {id} failed: {error}", { id: this.id, error });
      }
    }
  }
}
