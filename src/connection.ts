/**
 * One connection's task: the original's connection process. Frames come out
 * of an async iterator in the order they arrived, interleaved with messages
 * posted by the server; replies go into a coalescing outbox.
 *
 * Invariants:
 * 1. Pull-based: a socket read is started only when the handler asks for an
 *    event and none is queued. Frames of one read are queued together (one chunk's worth).
 * 2. Flush points: the outbox goes to the socket when the handler asks for an
 *    event and none is queued, when a send passes the high-water mark, at
 *    `flush()`, and, for sends made while the handler is not handling an event,
 *    at the end of the current microtask run. Never on a timer.
 * 3. `outboxBytes` never exceeds `highWaterMark`, except by one frame larger than the mark itself.
 * 4. The first close reason recorded is the one reported.
 * 5. `finished` settles exactly once, after the socket is closed and the end hooks ran.
 *
 * @module
 */
import { type CloseReason, closeReasonOf, ConnectionClosedError } from "./errors.ts";
import { checkOutgoing, FrameDecoder, type Framing } from "./length_prefixed.ts";
import type { Logger } from "./logger.ts";
import { Outbox } from "./outbox.ts";
import type { ConnectionStats } from "./stats.ts";
import type { Address, RawSocket } from "./transport/types.ts";

/** One event of the merged loop: a frame, a posted message, or a tick. */
export type ConnectionEvent =
  | { readonly type: "frame"; readonly frame: Uint8Array }
  | { readonly type: "message"; readonly message: unknown };

/** Internal settings the server or client gives a connection. */
export interface ConnectionSettings {
  readonly id: number;
  readonly framing: Framing;
  readonly highWaterMark: number;
  readonly lowWaterMark: number;
  readonly mailboxCapacity: number;
  readonly logger: Logger;
  /** Handles a posted message met while the handler iterates frames only. */
  readonly onMessage?: (conn: Connection, message: unknown) => void | Promise<void>;
  /** Close the socket as soon as input ends (a client, which has no handler to return). */
  readonly finishOnEnd?: boolean;
}

class Envelope {
  constructor(readonly message: unknown) {}
}

const RESOLVED = Promise.resolve();
const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * A live connection, handed to the handler by `serve()` and returned by `connect()`.
 *
 * Iterate it for frames; `send()` replies; `events()` gives frames and posted
 * messages in one stream, for a handler in the Erlang receive-loop shape.
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
  /** Aborted when the connection must end: server shutdown, a guard, `close()`. */
  readonly signal: AbortSignal;
  /** Settles with the final stats once the connection is gone. */
  readonly finished: Promise<ConnectionStats>;

  readonly #settings: ConnectionSettings;
  readonly #socket: RawSocket;
  readonly #decoder: FrameDecoder;
  readonly #outbox: Outbox;
  readonly #controller = new AbortController();
  readonly #openedAt = Date.now();
  #queue: Array<Uint8Array | Envelope> = [];
  #head = 0;
  #queuedMessages = 0;
  #reading = false;
  #inputDone = false;
  #wake: (() => void) | undefined;
  #processing = false;
  #flushScheduled = false;
  #sendChain: Promise<void> = RESOLVED;
  #waitingSends = 0;
  #finishing: Promise<ConnectionStats> | undefined;
  #settle!: (stats: ConnectionStats) => void;
  #closedAt: number | undefined;
  #reason: CloseReason | undefined;
  #error: unknown;
  #bytesIn = 0;
  #framesIn = 0;
  #framesOut = 0;
  #framesDropped = 0;
  #messagesIn = 0;
  #messagesDropped = 0;

  /** @internal Built by `serve()` and `connect()`. */
  constructor(socket: RawSocket, settings: ConnectionSettings) {
    this.id = settings.id;
    this.remoteAddr = socket.remoteAddr;
    this.localAddr = socket.localAddr;
    this.#settings = settings;
    this.#socket = socket;
    this.#decoder = new FrameDecoder(settings.framing);
    this.#outbox = new Outbox(socket, settings.lowWaterMark);
    this.#outbox.onError = (error) => this.#endInput("socket-error", error);
    this.signal = this.#controller.signal;
    this.finished = new Promise((resolve) => this.#settle = resolve);
  }

  /** The connection's figures now (final once `finished` settled). */
  get stats(): ConnectionStats {
    const closedAt = this.#closedAt;
    return {
      id: this.id,
      remoteAddr: this.remoteAddr,
      localAddr: this.localAddr,
      openedAt: this.#openedAt,
      closedAt,
      durationMs: (closedAt ?? Date.now()) - this.#openedAt,
      bytesIn: this.#bytesIn,
      bytesOut: this.#outbox.written,
      framesIn: this.#framesIn,
      framesOut: this.#framesOut,
      framesDropped: this.#framesDropped,
      messagesIn: this.#messagesIn,
      messagesDropped: this.#messagesDropped,
      outboxBytes: this.#outbox.bytes,
      outboxPeak: this.#outbox.peak,
      closeReason: this.#reason,
      error: this.#error,
    };
  }

  /** True once the connection is ending: no more input, sends refused after the outbox drains. */
  get closing(): boolean {
    return this.#inputDone;
  }

  /**
   * Queues one frame. Settles at once while the outbox is under its
   * high-water mark; above it, waits until the peer has read enough.
   * The payload is copied into the outbox; until the promise settles, keep it unchanged.
   *
   * @throws {FrameTooLargeError} the payload is over `maxFrameSize` or the header's capacity; nothing is sent.
   * @throws {ConnectionClosedError} the connection has ended.
   */
  send(payload: Uint8Array): Promise<void> {
    try {
      this.#checkSend(payload);
    } catch (error) {
      return Promise.reject(error);
    }
    const outbox = this.#outbox;
    const size = this.#settings.framing.packet + payload.length;
    if (this.#waitingSends === 0 && (outbox.bytes === 0 || outbox.bytes + size <= this.#settings.highWaterMark)) {
      this.#append(payload);
      return RESOLVED;
    }
    return this.#sendWhenRoom(payload, size);
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
    this.#endInput("closed");
    void this.#finish();
  }

  /** Closes the connection and waits until it is gone. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.finished;
  }

  /** Frames, in arrival order. A posted message met on the way goes to the server's `onMessage`. */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => {
        const item = this.#take();
        if (item instanceof Uint8Array) return Promise.resolve({ done: false, value: item });
        return this.#nextFrameSlow(item);
      },
      return: () => Promise.resolve(DONE),
    };
  }

  /**
   * Frames and posted messages in one stream, in arrival order: the Erlang
   * receive-loop shape, where state is touched by one event at a time.
   *
   * @example
   * ```ts
   * import type { Connection } from "../mod.ts";
   * async function chat(conn: Connection) {
   *   for await (const event of conn.events()) {
   *     if (event.type === "frame") await conn.send(event.frame);
   *     else if (typeof event.message === "string") await conn.send(new TextEncoder().encode(event.message));
   *   }
   * }
   * ```
   */
  async *events(): AsyncGenerator<ConnectionEvent, void, undefined> {
    while (true) {
      const item = this.#take() ?? await this.#waitAndTake();
      if (item === undefined) return;
      yield item instanceof Uint8Array ? { type: "frame", frame: item } : { type: "message", message: item.message };
    }
  }

  /** @internal Delivers a posted message; false when the mailbox is full or the connection ending. */
  deliver(message: unknown): boolean {
    if (this.#inputDone || this.#queuedMessages >= this.#settings.mailboxCapacity) {
      this.#messagesDropped++;
      return false;
    }
    this.#queue.push(new Envelope(message));
    this.#queuedMessages++;
    this.#wakeUp();
    return true;
  }

  /**
   * @internal Queues already-encoded frames (a broadcast). Above the high-water
   * mark the frame is dropped and counted, and false returned.
   */
  deliverEncoded(bytes: Uint8Array): boolean {
    if (this.#inputDone || this.#outbox.failed) return false;
    const outbox = this.#outbox;
    if (outbox.bytes > 0 && outbox.bytes + bytes.length > this.#settings.highWaterMark) {
      this.#framesDropped++;
      return false;
    }
    outbox.appendEncoded(bytes);
    this.#framesOut++;
    this.#afterAppend();
    return true;
  }

  /** @internal Aborts the connection with `reason`; it ends as soon as its handler lets go. */
  abort(reason: unknown): void {
    this.#endInput(closeReasonOf(reason, "aborted"), reason);
  }

  /** @internal Closes the socket now, without waiting for the outbox or the handler. */
  forceClose(reason: unknown): Promise<ConnectionStats> {
    this.abort(reason);
    this.#socket.close();
    this.#outbox.fail(new ConnectionClosedError(this.#reason!, { cause: this.#error }));
    return this.#finish();
  }

  /** @internal Runs `handler` to its end, then closes. Settles with the final stats. */
  async run(handler: (conn: Connection) => unknown): Promise<ConnectionStats> {
    try {
      await handler(this);
    } catch (error) {
      // A send refused because the connection already ended is not the handler's fault.
      if (!(error instanceof ConnectionClosedError && this.#reason !== undefined)) {
        this.#endInput("handler-error", error);
        this.#settings.logger.error("connection {id} handler failed: {error}", this.#logProps({ error }));
      }
    }
    return this.#finish();
  }

  #checkSend(payload: Uint8Array): void {
    if (this.#outbox.failed || this.#finishing !== undefined) {
      throw new ConnectionClosedError(this.#reason ?? "closed", { cause: this.#error });
    }
    checkOutgoing(payload.length, this.#settings.framing);
  }

  #append(payload: Uint8Array): void {
    this.#outbox.appendFrame(payload, this.#settings.framing.packet);
    this.#framesOut++;
    this.#afterAppend();
  }

  #afterAppend(): void {
    const outbox = this.#outbox;
    if (outbox.bytes >= this.#settings.highWaterMark) outbox.flush();
    else if (!this.#processing && !this.#flushScheduled) {
      // Nobody is handling an event, so no flush point is coming: flush once
      // this turn's sends are all in (a microtask, not a timer).
      this.#flushScheduled = true;
      queueMicrotask(() => {
        this.#flushScheduled = false;
        this.#outbox.flush();
      });
    }
  }

  async #sendWhenRoom(payload: Uint8Array, size: number): Promise<void> {
    // Sends that had to wait keep their order: each waits for the one before it.
    this.#waitingSends++;
    const previous = this.#sendChain;
    let release!: () => void;
    this.#sendChain = new Promise((resolve) => release = resolve);
    try {
      await previous;
      const outbox = this.#outbox;
      const high = this.#settings.highWaterMark;
      while (outbox.bytes > 0 && outbox.bytes + size > high) {
        outbox.flush();
        await (outbox.bytes <= this.#settings.lowWaterMark ? outbox.drain() : outbox.whenRoom());
      }
      this.#checkSend(payload);
      this.#append(payload);
    } finally {
      this.#waitingSends--;
      release();
    }
  }

  #take(): Uint8Array | Envelope | undefined {
    const queue = this.#queue;
    if (this.#head === queue.length) {
      this.#processing = false;
      return undefined;
    }
    const item = queue[this.#head++]!;
    if (this.#head === queue.length) {
      queue.length = 0;
      this.#head = 0;
    }
    if (!(item instanceof Uint8Array)) {
      this.#queuedMessages--;
      this.#messagesIn++;
    }
    this.#processing = true;
    return item;
  }

  async #nextFrameSlow(first: Envelope | undefined): Promise<IteratorResult<Uint8Array>> {
    let item: Uint8Array | Envelope | undefined = first;
    while (true) {
      if (item === undefined) item = await this.#waitAndTake();
      if (item === undefined) return DONE;
      if (item instanceof Uint8Array) return { done: false, value: item };
      await this.#dispatch(item.message);
      item = this.#take();
    }
  }

  async #dispatch(message: unknown): Promise<void> {
    const onMessage = this.#settings.onMessage;
    if (onMessage !== undefined) await onMessage(this, message);
    else {this.#settings.logger.warn(
        "connection {id} got a message and has no onMessage: {message}",
        this.#logProps({ message }),
      );}
  }

  /** Waits for input (this is the main flush point) and takes the next item; undefined at the end. */
  async #waitAndTake(): Promise<Uint8Array | Envelope | undefined> {
    while (true) {
      const item = this.#take();
      if (item !== undefined) return item;
      if (this.#inputDone) return undefined;
      this.#outbox.flush();
      if (!this.#reading) this.#startRead();
      if (this.#head === this.#queue.length && !this.#inputDone) {
        await new Promise<void>((resolve) => this.#wake = resolve);
      }
    }
  }

  #wakeUp(): void {
    const wake = this.#wake;
    if (wake !== undefined) {
      this.#wake = undefined;
      wake();
    }
  }

  #startRead(): void {
    this.#reading = true;
    this.#socket.read().then(
      (chunk) => this.#onChunk(chunk),
      (error) => {
        this.#reading = false;
        this.#endInput("socket-error", error);
      },
    );
  }

  #onChunk(chunk: Uint8Array | null): void {
    this.#reading = false;
    if (this.#inputDone) return;
    if (chunk === null) {
      try {
        this.#decoder.finish();
        this.#endInput("peer-closed");
      } catch (error) {
        this.#endInput("truncated-frame", error);
      }
      return;
    }
    this.#bytesIn += chunk.length;
    const queue = this.#queue;
    const before = queue.length;
    try {
      this.#decoder.decode(chunk, queue as Uint8Array[]);
    } catch (error) {
      // Frames decoded before the bad header stay queued and are still handled.
      this.#endInput(closeReasonOf(error, "socket-error"), error);
    }
    this.#framesIn += queue.length - before;
    this.#wakeUp();
  }

  #endInput(reason: CloseReason, error?: unknown): void {
    if (this.#reason === undefined) {
      this.#reason = reason;
      this.#error = error;
    }
    if (this.#inputDone) return;
    this.#inputDone = true;
    if (this.#settings.finishOnEnd) void this.#finish();
    if (!this.#controller.signal.aborted) this.#controller.abort(error ?? new ConnectionClosedError(reason));
    this.#wakeUp();
  }

  #finish(): Promise<ConnectionStats> {
    this.#finishing ??= this.#close();
    return this.#finishing;
  }

  async #close(): Promise<ConnectionStats> {
    this.#endInput("closed");
    try {
      await this.#outbox.drain();
    } catch { /* the socket failed or was force-closed: what is queued is lost, and the reason says why */ }
    this.#socket.close();
    this.#outbox.fail(new ConnectionClosedError(this.#reason!, { cause: this.#error }));
    this.#closedAt = Date.now();
    const stats = this.stats;
    this.#settle(stats);
    return stats;
  }

  #logProps(extra: Record<string, unknown>): Record<string, unknown> {
    return { id: this.id, remote: `${this.remoteAddr.hostname}:${this.remoteAddr.port}`, ...extra };
  }
}
