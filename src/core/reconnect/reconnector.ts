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
import type { Framing } from "../framing/length_prefixed.ts";
import type { Logger } from "../logger.ts";
import type { ConnectionStats } from "../stats.ts";
import { statsHead } from "../stats_head.ts";
import type { Address } from "../../transport/types.ts";
import { backoffDelay, sleep } from "./backoff.ts";
import { type Link, type LinkHost, Links } from "./links.ts";
import { frameReadable, frameWritable } from "../connection/streams.ts";
import { Outgoing } from "./outgoing.ts";
import { ReconnectFailedError } from "./reconnect_errors.ts";
import type { ReconnectSettings } from "./reconnect_options.ts";
import type {
  ReconnectEvent,
  ReconnectHook,
  ReconnectingConnection,
  ReconnectState,
  ReconnectStats,
  SendOptions,
} from "./reconnecting_connection.ts";

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
export class Reconnector implements ReconnectingConnection, LinkHost {
  readonly id: number;
  onReconnect: ReconnectHook | undefined;
  readonly finished: Promise<ConnectionStats>;

  readonly #settings: ReconnectorSettings;
  readonly #openedAt = Date.now();
  readonly #links: Links;
  readonly #outgoing: Outgoing;
  readonly #listeners = new Set<(event: ReconnectEvent) => void>();
  // Aborted when it ends for good: its signal is the public one, and it stops the loop.
  readonly #end = new AbortController();
  #settle!: (stats: ConnectionStats) => void;
  #state: ReconnectState = "open";
  #loop: Promise<void> | undefined;
  #wakeLoop: (() => void) | undefined;
  #reconnects = 0;
  #attempts = 0;
  #lastDelay = 0;
  #closeReason: CloseReason | undefined;
  #error: unknown;
  #closedAt: number | undefined;
  // Who reads: a loop (receive(), iteration, events(), batches()) or the readable stream; never both.
  #reader: "loop" | "stream" | undefined;
  #readable: ReadableStream<Uint8Array> | undefined;
  #writable: WritableStream<Uint8Array> | undefined;

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
    this.#links = new Links(first, this);
  }

  get remoteAddr(): Address {
    return this.#links.last.conn.remoteAddr;
  }

  get localAddr(): Address {
    return this.#links.last.conn.localAddr;
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
    return {
      ...statsHead(this, this.#openedAt, this.#closedAt),
      ...this.#links.sums(),
      messagesIn: 0,
      messagesDropped: 0,
      outboxBytes: this.#links.live?.conn.stats.outboxBytes ?? 0,
      closeReason: this.#closeReason,
      error: this.#error,
    };
  }

  get reconnectStats(): ReconnectStats {
    return {
      state: this.#state,
      connections: this.#links.activated,
      reconnects: this.#reconnects,
      attempts: this.#attempts,
      lastDelay: this.#lastDelay,
      waitingSends: this.#outgoing.waiting.size,
      waitingBytes: this.#outgoing.waiting.bytes,
      refusedSends: this.#outgoing.refused,
    };
  }

  send(payload: Uint8Array, options?: SendOptions): Promise<void> {
    return this.#outgoing.send(this.#links.live, payload, options?.signal);
  }

  /** As `send()`: a frame that may cross to another link is copied, not written from a read buffer. */
  sendOwned(payload: Uint8Array): Promise<void> {
    return this.send(payload);
  }

  flush(): Promise<void> {
    return this.#links.live?.conn.flush() ?? Promise.resolve();
  }

  /** The next frame, across links; undefined once it has ended for good and every frame was read. */
  receive(): Promise<Uint8Array | undefined> {
    try {
      this.#claim("loop");
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#links.receive(() => this.closing);
  }

  /** The frames across links as a ReadableStream (see `Connection.readable`); cancelling it closes the connection. */
  get readable(): ReadableStream<Uint8Array> {
    if (this.#readable !== undefined) return this.#readable;
    this.#claim("stream");
    return this.#readable = frameReadable({
      nextFrame: () => this.#links.receive(() => this.closing),
      cancelInput: (reason) => reason === undefined ? this.close() : this.abort(reason),
    });
  }

  /** Sends as `send()`; across reconnects there is no write side of its own to end, so closing it closes the connection. */
  get writable(): WritableStream<Uint8Array> {
    return this.#writable ??= frameWritable({
      send: (payload) => this.send(payload),
      closeWrite: async () => {
        this.close();
        await this.finished;
      },
      forceClose: (reason) => this.abort(reason),
    });
  }

  /** One reader at a time: a loop or the readable stream (as `Connection.readable`). */
  #claim(reader: "loop" | "stream"): void {
    if (this.#reader !== undefined && this.#reader !== reader) {
      throw new TypeError(
        reader === "loop"
          ? `Cannot read connection ${this.id} in a loop: its readable stream reads it`
          : `Cannot read connection ${this.id} through readable: it is read in a loop`,
      );
    }
    this.#reader = reader;
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
    this.#claim("loop");
    const ended = () => this.closing;
    return {
      next: () => this.#links.next(ended),
      return: () => {
        this.#links.stop();
        return Promise.resolve(DONE);
      },
    };
  }

  /** One frame a batch, across links: a reconnecting client reads one frame at a time. */
  async *batches(): AsyncGenerator<Uint8Array[], void, undefined> {
    while (true) {
      const frame = await this.receive();
      if (frame === undefined) return;
      yield [frame];
    }
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

  /** A link's socket closed: the live one's loss starts the reconnect loop. */
  gone(link: Link, stats: ConnectionStats, wasLive: boolean): void {
    if (wasLive && !this.closing) {
      // Up for a whole maxDelay: it served, if silently (a server that only listens).
      if (this.#state === "open" && stats.durationMs >= this.#settings.maxDelay * 1000) this.#attempts = 0;
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
    this.drained(link);
    this.#settleIfDone();
  }

  /**
   * The live link handed out its first frame. Once its hook has finished, that
   * proves the server serves: the retry count starts again. (Not before: a
   * server that accepts and closes at once, or refuses every login, meets the
   * back-off and the retry limit as a refused dial does.)
   */
  served(link: Link): void {
    if (this.#state === "open" && link === this.#links.live) this.#attempts = 0;
  }

  /** Tells the loss of `link` once it is gone and drained, and lets the loop go on. */
  drained(link: Link): void {
    if (!link.activated || !link.done || link.told) return;
    link.told = true;
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
        link = this.#links.adopt(await settings.dial(stop));
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
      while (!this.#links.last.told && !stop.aborted) await new Promise<void>((resolve) => this.#wakeLoop = resolve);
      if (stop.aborted) return link.conn.close();
      if (link.lost) {
        lastError = link.final!.error ?? new ConnectionClosedError(link.final!.closeReason ?? "closed");
        continue;
      }
      this.#links.activate(link);
      this.#state = "rejoining";
      const failure = await this.#rejoin(link);
      if (stop.aborted) return;
      if (failure !== undefined || link.lost) {
        lastError = failure !== undefined
          ? failure.error
          : link.final!.error ?? new ConnectionClosedError(link.final!.closeReason ?? "closed");
        if (link === this.#links.live) {
          this.#links.live = undefined;
          this.#state = "reconnecting";
          link.conn.abort(lastError);
        }
        continue;
      }
      this.#state = "open";
      const attempts = this.#attempts;
      if (link.handed > 0) this.served(link);
      this.#reconnects++;
      this.#outgoing.release(link);
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
    this.#closeReason = how === "gave-up" ? this.#links.last.final?.closeReason ?? "closed" : how;
    this.#error = error;
    const reason = error ?? new ConnectionClosedError("closed");
    this.#end.abort(reason);
    this.#outgoing.waiting.rejectAll(this.#endError());
    const live = this.#links.live;
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
    if (!this.closing || this.#links.open > 0 || this.#loop !== undefined || this.#closedAt !== undefined) return;
    this.#closedAt = Date.now();
    this.#settle(this.stats);
  }

  #wake(): void {
    const loop = this.#wakeLoop;
    this.#wakeLoop = undefined;
    this.#links.wakeReader();
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
