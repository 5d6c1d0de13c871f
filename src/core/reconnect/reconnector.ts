/**
 * The class behind {@linkcode ReconnectingConnection}: one connection over a
 * succession of framed connections ("links"), one at a time.
 *
 * Invariants:
 * 1. At most one link is live (takes sends); the reader reads one link at a
 *    time, in order: every frame of a lost link is handed out before any
 *    frame of the next.
 * 2. A new link is activated (read, written, its hook run) only once the
 *    previous one is lost and drained, and its `disconnect` told: what was
 *    sent on the old link is settled from the reader's point of view before
 *    anything goes out on the new one.
 * 3. Frames that wait for a link go out after the reconnect hook, in the order
 *    they were sent; they never exceed `maxWaitingBytes` (waiting_sends.ts).
 * 4. One reconnect loop at a time; ending for good (close, signal, retry
 *    limit) stops it wherever it is, clears its timer, closes any link; then
 *    `finished` settles, once every link's socket is closed.
 *
 * @module
 */
import type { ConnectionEvent } from "../connection/events.ts";
import type { FramedConnection } from "../connection/framed_connection.ts";
import { type CloseReason, ConnectionClosedError } from "../errors.ts";
import { checkOutgoing, type Framing } from "../framing/length_prefixed.ts";
import type { Logger } from "../logger.ts";
import type { ConnectionStats } from "../stats.ts";
import type { Address } from "../../transport/types.ts";
import { backoffDelay, sleep } from "./backoff.ts";
import { Link } from "./link.ts";
import { DisconnectedError, ReconnectFailedError } from "./reconnect_errors.ts";
import type { ReconnectHook, ReconnectSettings } from "./reconnect_options.ts";
import type {
  ReconnectEvent,
  ReconnectingConnection,
  ReconnectState,
  ReconnectStats,
  SendOptions,
} from "./reconnecting_connection.ts";
import { type StatsSums, sumStats } from "./_sum_stats.ts";
import { WaitingSends } from "./waiting_sends.ts";

/** What `connect()` gives a reconnecting connection besides its options. */
export interface ReconnectorSettings extends ReconnectSettings {
  /** "host:port", for messages. */
  readonly target: string;
  readonly framing: Framing;
  readonly logger: Logger;
  /** Opens the next link; rejects with the signal's reason when it aborts first. */
  readonly dial: (signal: AbortSignal) => Promise<FramedConnection>;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** A connection that dials again when it is lost. */
export class Reconnector implements ReconnectingConnection {
  readonly id: number;
  onReconnect: ReconnectHook | undefined;
  readonly finished: Promise<ConnectionStats>;

  readonly #settings: ReconnectorSettings;
  readonly #openedAt = Date.now();
  readonly #links = new Set<Link>(); // not yet gone
  readonly #waiting: WaitingSends;
  readonly #listeners = new Set<(event: ReconnectEvent) => void>();
  // Aborted when it ends for good: its signal is the public one, and it stops the loop.
  readonly #end = new AbortController();
  #settle!: (stats: ConnectionStats) => void;
  #past: StatsSums | undefined; // the sums of the links that are gone
  #live: Link | undefined;
  #reading: Link;
  #last: Link;
  #state: ReconnectState = "open";
  #loop: Promise<void> | undefined;
  #wakeReader: (() => void) | undefined;
  #wakeLoop: (() => void) | undefined;
  #seq = 0;
  #connections = 0;
  #reconnects = 0;
  #attempts = 0;
  #lastDelay = 0;
  #refused = 0;
  #closeReason: CloseReason | undefined;
  #error: unknown;
  #closedAt: number | undefined;

  constructor(first: FramedConnection, settings: ReconnectorSettings) {
    this.id = first.id;
    this.#settings = settings;
    this.onReconnect = settings.onReconnect;
    this.#waiting = new WaitingSends(settings.maxWaitingBytes);
    this.finished = new Promise((resolve) => this.#settle = resolve);
    const link = this.#reading = this.#last = this.#adopt(first);
    this.#activate(link);
  }

  get remoteAddr(): Address {
    return this.#last.conn.remoteAddr;
  }

  get localAddr(): Address {
    return this.#last.conn.localAddr;
  }

  get signal(): AbortSignal {
    return this.#end.signal;
  }

  get closing(): boolean {
    return this.#end.signal.aborted;
  }

  get state(): ReconnectState {
    return this.#state;
  }

  get stats(): ConnectionStats {
    let sums = this.#past;
    for (const link of this.#links) if (link.activated) sums = sumStats(sums, link.conn.stats);
    const closedAt = this.#closedAt;
    const now = this.#live?.conn.stats;
    return {
      id: this.id,
      remoteAddr: this.remoteAddr,
      localAddr: this.localAddr,
      openedAt: this.#openedAt,
      closedAt,
      durationMs: (closedAt ?? Date.now()) - this.#openedAt,
      bytesIn: sums?.bytesIn ?? 0,
      bytesOut: sums?.bytesOut ?? 0,
      framesIn: sums?.framesIn ?? 0,
      framesOut: sums?.framesOut ?? 0,
      framesDropped: sums?.framesDropped ?? 0,
      messagesIn: 0,
      messagesDropped: 0,
      outboxBytes: now?.outboxBytes ?? 0,
      outboxPeak: sums?.outboxPeak ?? 0,
      closeReason: this.#closeReason,
      error: this.#error,
    };
  }

  get reconnectStats(): ReconnectStats {
    return {
      state: this.#state,
      connections: this.#connections,
      reconnects: this.#reconnects,
      attempts: this.#attempts,
      lastDelay: this.#lastDelay,
      waitingSends: this.#waiting.size,
      waitingBytes: this.#waiting.bytes,
      refusedSends: this.#refused,
    };
  }

  send(payload: Uint8Array, options?: SendOptions): Promise<void> {
    const signal = options?.signal;
    try {
      if (this.closing) throw this.#endError();
      signal?.throwIfAborted();
      checkOutgoing(payload.length, this.#settings.framing);
    } catch (error) {
      return Promise.reject(error);
    }
    const size = this.#settings.framing.packet + payload.length;
    const live = this.#live;
    const seq = ++this.#seq;
    return live === undefined ? this.#wait(payload, size, seq, signal) : this.#sendOn(live, payload, size, seq, signal);
  }

  flush(): Promise<void> {
    return this.#live?.conn.flush() ?? Promise.resolve();
  }

  /** The next frame, across links; undefined once it has ended for good and every frame was read. */
  async receive(): Promise<Uint8Array | undefined> {
    while (true) {
      const link = this.#reading;
      const frame = await link.conn.receive();
      if (frame !== undefined) {
        link.handed++;
        return frame;
      }
      link.drained = true;
      this.#tellLoss(link);
      if (this.#reading !== link) continue;
      if (this.closing) return undefined;
      // Woken when the next link is activated, or at the end.
      await new Promise<void>((resolve) => this.#wakeReader = resolve);
    }
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
    return {
      next: async () => {
        const frame = await this.receive();
        return frame === undefined ? DONE : { done: false, value: frame };
      },
      return: () => Promise.resolve(DONE),
    };
  }

  async *events(): AsyncGenerator<ConnectionEvent, void, undefined> {
    // A client has no mailbox and no ticker: frames only.
    while (true) {
      const frame = await this.receive();
      if (frame === undefined) return;
      yield { type: "frame", frame };
    }
  }

  subscribe(listener: (event: ReconnectEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  #sendOn(link: Link, payload: Uint8Array, size: number, seq: number, signal?: AbortSignal): Promise<void> {
    return link.conn.send(payload).then(undefined, (error: unknown) => {
      // The link ended before it took the frame: the frame waits for the next one, in its place.
      if (error instanceof ConnectionClosedError && !this.closing) return this.#wait(payload, size, seq, signal);
      throw error;
    });
  }

  #wait(payload: Uint8Array, size: number, seq: number, signal?: AbortSignal): Promise<void> {
    if (this.closing) return Promise.reject(this.#endError());
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#settings.whileDisconnected === "fail") {
      this.#refused++;
      return Promise.reject(new DisconnectedError(false));
    }
    const waiting = this.#waiting.add(payload, size, seq, signal);
    if (waiting === undefined) {
      this.#refused++;
      return Promise.reject(new DisconnectedError(true, this.#waiting.bytes));
    }
    return waiting;
  }

  #adopt(conn: FramedConnection): Link {
    const link = new Link(conn);
    this.#links.add(link);
    conn.finished.then((stats) => this.#gone(link, stats));
    return link;
  }

  #activate(link: Link): void {
    link.activated = true;
    this.#live = this.#reading = this.#last = link;
    this.#connections++;
    this.#wake();
  }

  /** A link's socket is closed. */
  #gone(link: Link, stats: ConnectionStats): void {
    link.final = stats;
    this.#links.delete(link);
    if (link.activated) {
      this.#past = sumStats(this.#past, stats);
      // Nothing left unread: the reader need not come by for the loss to be told.
      if (stats.framesIn === link.handed) link.drained = true;
    }
    if (link === this.#live) {
      this.#live = undefined;
      if (!this.closing) {
        this.#state = "reconnecting";
        this.#settings.logger.info("connection {id} to {remote} lost: {reason}; reconnecting", {
          id: this.id,
          remote: this.#settings.target,
          reason: stats.closeReason,
        });
        this.#loop ??= this.#reconnect(stats.error ?? stats.closeReason).finally(() => {
          this.#loop = undefined;
          this.#settleIfDone();
        });
      }
    }
    if (link.activated) this.#tellLoss(link);
    this.#settleIfDone();
  }

  /** Tells the loss of `link` once it is gone and drained, and lets the loop go on. */
  #tellLoss(link: Link): void {
    if (!link.done || link.announced) return;
    link.announced = true;
    const stats = link.final!;
    if (!this.closing) this.#emit({ type: "disconnect", reason: stats.closeReason ?? "closed", error: stats.error });
    this.#wake();
  }

  async #reconnect(cause: unknown): Promise<void> {
    const settings = this.#settings;
    const stop = this.#end.signal;
    let lastError = cause;
    while (!stop.aborted) {
      if (this.#attempts >= settings.maxRetries) {
        return this.#finish("gave-up", new ReconnectFailedError(settings.target, this.#attempts, { cause: lastError }));
      }
      const delay = this.#lastDelay = backoffDelay(this.#attempts, settings, settings.random);
      this.#emit({ type: "retry", attempt: this.#attempts + 1, delay, error: lastError });
      if (!await sleep(delay, stop)) return;
      this.#attempts++;
      let link: Link;
      try {
        link = this.#adopt(await settings.dial(stop));
      } catch (error) {
        if (stop.aborted) return;
        lastError = error;
        settings.logger.debug("reconnect to {target} failed (attempt {attempt}): {error}", {
          target: settings.target,
          attempt: this.#attempts,
          error,
        });
        continue;
      }
      // The previous link's frames are all read and its loss told before this one carries anything.
      while (!this.#last.announced && !stop.aborted) await new Promise<void>((resolve) => this.#wakeLoop = resolve);
      if (stop.aborted) return link.conn.close();
      if (link.lost) {
        lastError = link.final!.error ?? new ConnectionClosedError(link.final!.closeReason ?? "closed");
        continue;
      }
      this.#activate(link);
      this.#state = "rejoining";
      const failure = await this.#rejoin(link);
      if (stop.aborted) return;
      if (failure !== undefined || link.lost) {
        lastError = failure !== undefined
          ? failure.error
          : link.final!.error ?? new ConnectionClosedError(link.final!.closeReason ?? "closed");
        if (link === this.#live) {
          this.#live = undefined;
          this.#state = "reconnecting";
          link.conn.abort(lastError);
        }
        continue;
      }
      this.#state = "open";
      const attempts = this.#attempts;
      this.#attempts = 0;
      this.#reconnects++;
      // In the order they were sent, behind whatever the hook sent.
      for (const item of this.#waiting.takeAll()) {
        item.resolve(this.#sendOn(link, item.payload, item.size, item.seq, item.signal));
      }
      settings.logger.info("connection {id} reconnected to {remote} after {attempts} attempts", {
        id: this.id,
        remote: settings.target,
        attempts,
      });
      this.#emit({ type: "reconnect", reconnects: this.#reconnects, attempts });
      return;
    }
  }

  /** Runs the hook on a new link; settles early if the link is lost. Returns the hook's error, if it threw. */
  async #rejoin(link: Link): Promise<{ error: unknown } | undefined> {
    const hook = this.onReconnect;
    if (hook === undefined) return undefined;
    const info = { reconnects: this.#reconnects + 1, attempts: this.#attempts, signal: link.conn.signal };
    try {
      await Promise.race([Promise.resolve().then(() => hook(this, info)), link.conn.finished]);
      return undefined;
    } catch (error) {
      this.#settings.logger.warn("reconnect hook of connection {id} failed: {error}", { id: this.id, error });
      return { error };
    }
  }

  /** Ends it for good. */
  #finish(how: "closed" | "aborted" | "gave-up", error: unknown): void {
    if (this.closing) return;
    this.#state = "closed";
    this.#closeReason = how === "gave-up" ? this.#last.final?.closeReason ?? "closed" : how;
    this.#error = error;
    const reason = error ?? new ConnectionClosedError("closed");
    this.#end.abort(reason);
    this.#waiting.rejectAll(this.#endError());
    const live = this.#live;
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
    if (!this.closing || this.#links.size > 0 || this.#loop !== undefined || this.#closedAt !== undefined) return;
    this.#closedAt = Date.now();
    this.#settle(this.stats);
  }

  #wake(): void {
    const reader = this.#wakeReader;
    const loop = this.#wakeLoop;
    this.#wakeReader = this.#wakeLoop = undefined;
    reader?.();
    loop?.();
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
