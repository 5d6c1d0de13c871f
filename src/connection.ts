/**
 * One connection's task: the original's connection process. Frames come out
 * of an async iterator in the order they arrived, interleaved with messages
 * posted by the server and ticks; replies go into a coalescing outbox.
 *
 * Invariants:
 * 1. Flush points: the outbox goes to the socket when the handler asks for an
 *    event and none is queued, when a send passes the high-water mark, at
 *    `flush()`, and, for sends made while the handler is not handling an event,
 *    at the end of the current microtask run. Never on a timer.
 * 2. `outboxBytes` never exceeds `highWaterMark`, except by one frame larger than the mark itself.
 * 3. The first close reason recorded is the one reported.
 * 4. `finished` settles exactly once, after the socket is closed.
 *
 * @module
 */
import { type CloseReason, closeReasonOf, ConnectionClosedError, GuardError } from "./errors.ts";
import { FrameDecoder, type Framing } from "./length_prefixed.ts";
import type { Logger } from "./logger.ts";
import { type ConnectionEvent, eventStream, frameIterator } from "./connection_events.ts";
import { Inbox, type RateLimits } from "./inbox.ts";
import { Outbox } from "./outbox.ts";
import { Sender } from "./sender.ts";
import { Timeouts, type TimeoutSettings } from "./timeouts.ts";
import type { ConnectionStats } from "./stats.ts";
import type { Address, RawSocket } from "./transport/types.ts";

/** Internal settings the server or client gives a connection. */
export interface ConnectionSettings extends TimeoutSettings {
  /** The connection's id, when the constructor is given none (settings shared by a server's connections have none). */
  readonly id?: number;
  readonly framing: Framing;
  readonly highWaterMark: number;
  readonly lowWaterMark: number;
  readonly mailboxCapacity: number;
  readonly logger: Logger;
  /** Handles a posted message met while the handler iterates frames only. */
  readonly onMessage?: (conn: Connection, message: unknown) => void | Promise<void>;
  /** Called once with the final stats, just before `finished` settles (the server's registry). */
  readonly onEnd?: (conn: Connection, stats: ConnectionStats) => void;
  /** Close the socket as soon as input ends (a client, which has no handler to return). */
  readonly finishOnEnd?: boolean;
  readonly limits?: RateLimits;
  /** A broadcast to a full outbox: disconnect the connection, or drop the frame. */
  readonly slowConsumer?: "disconnect" | "drop";
}

/**
 * A live connection, handed to the handler by `serve()` and returned by `connect()`.
 *
 * Iterate it for frames; `send()` replies; `events()` gives frames, posted
 * messages and ticks in one stream, for a handler in the Erlang receive-loop shape.
 *
 * @example An echo handler
 * ```ts
 * import type { Connection } from "../mod.ts";
 * async function echo(conn: Connection) {
 *   for await (const frame of conn) await conn.send(frame);
 * }
 * ```
 */
export class Connection implements AsyncIterable<Uint8Array> {
  /** Unique within its server. */
  readonly id: number;
  /** The peer's address. */
  readonly remoteAddr: Address;
  /** The local address. */
  readonly localAddr: Address;

  readonly #settings: ConnectionSettings;
  readonly #socket: RawSocket;
  readonly #inbox: Inbox;
  readonly #sender: Sender;
  readonly #outbox: Outbox;
  // Made on first use of `signal`: most handlers never look, and an AbortController costs at every accept.
  #controller: AbortController | undefined;
  readonly #openedAt = Date.now();
  readonly #timeouts: Timeouts;
  #wantsTicks = false;
  #finishing: Promise<ConnectionStats> | undefined;
  // `finished` is made on first use: the server learns of the end through `onEnd`, and most handlers never look.
  #finished: Promise<ConnectionStats> | undefined;
  #settle: ((stats: ConnectionStats) => void) | undefined;
  #final: ConnectionStats | undefined;
  #closedAt: number | undefined;
  #reason: CloseReason | undefined;
  #error: unknown;
  readonly #recheck = (): void => this.#checkOpen();

  /** @internal Built by `serve()` and `connect()`. */
  constructor(socket: RawSocket, settings: ConnectionSettings, id: number = settings.id ?? 0) {
    this.id = id;
    this.remoteAddr = socket.remoteAddr;
    this.localAddr = socket.localAddr;
    this.#settings = settings;
    this.#socket = socket;
    this.#timeouts = new Timeouts(settings);
    // The parts reach each other directly: one closure (the end of input) rather than one per hook.
    const outbox = this.#outbox = new Outbox(socket, settings.lowWaterMark);
    const inbox = this.#inbox = new Inbox(
      socket,
      new FrameDecoder(settings.framing),
      settings.mailboxCapacity,
      (reason, error) => this.#ended(reason, error),
      outbox,
      settings.limits,
    );
    outbox.input = inbox;
    this.#sender = new Sender(outbox, settings.framing, settings.highWaterMark, settings.lowWaterMark, inbox);
  }

  /** Settles with the final stats once the connection is gone. */
  get finished(): Promise<ConnectionStats> {
    if (this.#finished === undefined) {
      const final = this.#final;
      this.#finished = final !== undefined ? Promise.resolve(final) : new Promise((resolve) => this.#settle = resolve);
    }
    return this.#finished;
  }

  /** Aborted when the connection must end: shutdown, a guard, the peer, `close()`. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#error ?? new ConnectionClosedError(this.#reason));
    }
    return this.#controller.signal;
  }

  /** The connection's figures now (final once `finished` settled). */
  get stats(): ConnectionStats {
    const closedAt = this.#closedAt;
    const inbox = this.#inbox;
    return {
      id: this.id,
      remoteAddr: this.remoteAddr,
      localAddr: this.localAddr,
      openedAt: this.#openedAt,
      closedAt,
      durationMs: (closedAt ?? Date.now()) - this.#openedAt,
      bytesIn: inbox.bytesIn,
      bytesOut: this.#outbox.written,
      framesIn: inbox.framesIn,
      framesOut: this.#sender.framesOut,
      framesDropped: this.#sender.framesDropped,
      messagesIn: inbox.messagesIn,
      messagesDropped: inbox.messagesDropped,
      outboxBytes: this.#outbox.bytes,
      outboxPeak: this.#outbox.peak,
      closeReason: this.#reason,
      error: this.#error,
    };
  }

  /** True once the connection is ending: no more input; sends are refused once it has closed. */
  get closing(): boolean {
    return this.#inbox.done;
  }

  /**
   * Queues one frame. Settles at once while the outbox is under its
   * high-water mark; above it, waits until the peer has read enough.
   * The payload is copied into the outbox, except a frame larger than both the
   * mark and half of `maxFrameSize`, which is written from the payload itself
   * once the outbox is empty (its send settles when the runtime took it);
   * until the promise settles, keep it unchanged.
   *
   * @throws {FrameTooLargeError} the payload is over `maxFrameSize` or the header's capacity; nothing is sent.
   * @throws {ConnectionClosedError} the connection has ended.
   */
  send(payload: Uint8Array): Promise<void> {
    try {
      this.#checkOpen();
      return this.#sender.send(payload, this.#recheck);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Writes everything queued now; settles when the runtime has taken it. */
  flush(): Promise<void> {
    return this.#outbox.drain();
  }

  /**
   * Ends the connection gracefully: no more input, queued replies are written,
   * then the socket closes. Frames already received can still be iterated.
   */
  close(): void {
    this.#inbox.end("closed");
    void this.#finish();
  }

  /** Closes the connection and waits until it is gone. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.finished;
  }

  /** Frames, in arrival order. A posted message met on the way goes to the server's `onMessage`. */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return frameIterator(this.#inbox, (message) => this.#dispatch(message), () => this.#stopHandling());
  }

  /**
   * Frames, posted messages and (with `ticks: true`) the server's 1-second
   * ticks in one stream, in arrival order: the Erlang receive-loop shape,
   * where state is touched by one event at a time.
   *
   * @example
   * ```ts
   * import type { Connection } from "../mod.ts";
   * async function chat(conn: Connection) {
   *   for await (const event of conn.events({ ticks: true })) {
   *     if (event.type === "frame") await conn.send(event.frame);
   *     else if (event.type === "message") await conn.send(new TextEncoder().encode(String(event.message)));
   *     else if (event.idleSeconds > 60) conn.close();
   *   }
   * }
   * ```
   */
  events(options: { ticks?: boolean } = {}): AsyncGenerator<ConnectionEvent, void, undefined> {
    this.#wantsTicks = options.ticks ?? false;
    return eventStream(this.#inbox, () => {
      this.#wantsTicks = false;
      this.#stopHandling();
    });
  }

  /** @internal Delivers a posted message; false when the mailbox is full or the connection ending. */
  deliver(message: unknown): boolean {
    return this.#inbox.deliver(message);
  }

  /**
   * @internal Queues already-encoded frames (a broadcast). Above the
   * high-water mark the `slowConsumer` policy applies: the frame is dropped
   * and counted, or the connection is disconnected at once (its outbox cannot
   * drain to a peer that does not read). Returns whether it was queued.
   */
  deliverEncoded(bytes: Uint8Array): boolean {
    if (this.#inbox.done || this.#outbox.failed) return false;
    if (this.#sender.deliverEncoded(bytes) === "queued") return true;
    if (this.#settings.slowConsumer !== "drop") {
      void this.forceClose(new GuardError("slow-consumer", `outbox over ${this.#settings.highWaterMark} bytes`));
    }
    return false;
  }

  /**
   * @internal One tick of the server's shared ticker: idle and first-frame
   * timeouts, rate budgets, ticks, and the close deadline of an ending connection.
   */
  tick(seconds: number): void {
    const inbox = this.#inbox;
    const verdict = this.#timeouts.tick(seconds, inbox.done, inbox.framesIn, inbox.idleTicks);
    // Input has ended but the handler or the outbox still holds on (a peer that reads nothing, say).
    if (verdict === "force-close") void this.forceClose(this.#error);
    else if (verdict !== undefined) this.abort(verdict);
    if (inbox.done) return;
    inbox.tick(seconds, this.#wantsTicks);
    // A safety net for a handler that sent, then went on to slow work without
    // asking for its next event: its replies wait at most one tick.
    this.#outbox.flush();
    this.#outbox.trim();
  }

  /** @internal Aborts the connection with `reason`; it ends as soon as its handler lets go. */
  abort(reason: unknown): void {
    this.#inbox.end(closeReasonOf(reason, "aborted"), reason);
  }

  /** @internal Closes the socket now, without waiting for the outbox or the handler. */
  forceClose(reason: unknown): Promise<ConnectionStats> {
    this.abort(reason);
    this.#socket.close();
    this.#outbox.fail(() => new ConnectionClosedError(this.#reason!, { cause: this.#error }));
    return this.#finish();
  }

  /** @internal Runs `handler` to its end, then closes. Settles with the final stats. */
  run<S>(handler: (conn: Connection, server: S) => unknown, server: S): Promise<ConnectionStats> {
    let result: unknown;
    try {
      result = handler(this, server);
    } catch (error) {
      return this.#handlerEnded(error);
    }
    // Chained, not awaited: an async function suspended for the handler's whole life holds about
    // half a kilobyte per connection (its generator, registers and await closures).
    return Promise.resolve(result).then(this.#handlerReturned, this.#handlerEnded);
  }

  readonly #handlerReturned = (): Promise<ConnectionStats> => this.#finish();

  readonly #handlerEnded = (error: unknown): Promise<ConnectionStats> => {
    // A send refused because the connection already ended is not the handler's fault.
    if (!(error instanceof ConnectionClosedError && this.#reason !== undefined)) {
      this.#inbox.end("handler-error", error);
      this.#ended("handler-error", error);
      this.#settings.logger.error("connection {id} handler failed: {error}", this.#logProps({ error }));
    }
    return this.#finish();
  };

  /** The loop stopped iterating (a `break`): no flush point is coming, so flush now. */
  #stopHandling(): void {
    this.#inbox.processing = false;
    this.#outbox.flush();
  }

  #checkOpen(): void {
    if (this.#outbox.failed || this.#finishing !== undefined) {
      throw new ConnectionClosedError(this.#reason ?? "closed", { cause: this.#error });
    }
  }

  async #dispatch(message: unknown): Promise<void> {
    const onMessage = this.#settings.onMessage;
    if (onMessage !== undefined) await onMessage(this, message);
    else {
      this.#settings.logger.warn(
        "connection {id} got a message and has no onMessage: {message}",
        this.#logProps({ message }),
      );
    }
  }

  /** Input ended: record the first reason, abort the signal, close a client's socket. */
  #ended(reason: CloseReason, error?: unknown): void {
    if (this.#reason === undefined) {
      this.#reason = reason;
      this.#error = error;
    }
    const controller = this.#controller;
    if (controller !== undefined && !controller.signal.aborted) {
      controller.abort(error ?? new ConnectionClosedError(reason));
    }
    if (this.#settings.finishOnEnd) void this.#finish();
  }

  #finish(): Promise<ConnectionStats> {
    this.#finishing ??= this.#close();
    return this.#finishing;
  }

  async #close(): Promise<ConnectionStats> {
    this.#inbox.end("closed");
    try {
      await this.#outbox.drain();
    } catch { /* the socket failed or was force-closed: what is queued is lost, and the reason says why */ }
    this.#socket.close();
    this.#outbox.fail(() => new ConnectionClosedError(this.#reason!, { cause: this.#error }));
    this.#closedAt = Date.now();
    const stats = this.stats;
    this.#final = stats;
    this.#settle?.(stats);
    this.#settings.onEnd?.(this, stats);
    return stats;
  }

  #logProps(extra: Record<string, unknown>): Record<string, unknown> {
    return { id: this.id, remote: `${this.remoteAddr.hostname}:${this.remoteAddr.port}`, ...extra };
  }
}
