/**
 * One connection's task: the original's connection process. Frames come out of an async iterator in the order they
 * arrived, interleaved with messages posted by the server and ticks; replies go into a coalescing outbox. The class
 * behind the {@linkcode Connection} interface, with what the server needs of it besides (deliver, tick, abort, run).
 * How the handler runs and reads is in handler_driver.ts, the settings it is built with in connection_settings.ts,
 * how its parts are made and wired in connection_parts.ts.
 *
 * The path of a frame through these parts is drawn in connection.ts.
 *
 * Invariants:
 * 1. The outbox goes to the socket at the flush points of flush_policy.ts only.
 * 2. `outboxBytes` never exceeds `highWaterMark`, except by one frame larger than the mark itself.
 * 3. The first close reason recorded is the one reported (lifecycle.ts).
 * 4. `finished` settles exactly once, after the socket is closed.
 *
 * @module
 */
import { type CloseReason, closeReasonOf, GuardError } from "../errors.ts";
import type { Connection } from "./connection.ts";
import type { CallbackSource } from "./callbacks.ts";
import type { ConnectionEvent } from "./events.ts";
import type { ConnectionSettings } from "./connection_settings.ts";
import { type ConnectionParts, connectionParts } from "./connection_parts.ts";
import { framedStats } from "./framed_stats.ts";
import type { FlushPolicy } from "./flush_policy.ts";
import type { Inbox } from "./inbox.ts";
import { Lifecycle } from "./lifecycle.ts";
import type { Outbox } from "./outbox.ts";
import type { Delivery, Sender } from "./sender.ts";
import type { Timeouts } from "./timeouts.ts";
import { HandlerDriver } from "./handler_driver.ts";
import { frameWritable } from "./streams.ts";
import type { ConnectionStats } from "../stats.ts";
import type { Address, RawSocket } from "../../transport/types.ts";

/** One connection: the handle the handler holds, and the server's side of it. */
export class FramedConnection<Message = unknown> implements Connection<Message> {
  readonly id: number;
  readonly remoteAddr: Address;
  readonly localAddr: Address;
  /** Set once, by the session layer, before the handler runs. */
  identity: string | undefined = undefined;

  readonly #settings: ConnectionSettings;
  readonly #socket: RawSocket;
  // What the fields below come from, for the stats (framed_stats.ts).
  readonly #parts: ConnectionParts;
  readonly #inbox: Inbox;
  readonly #sender: Sender;
  readonly #outbox: Outbox;
  readonly #life = new Lifecycle();
  readonly #openedAt = Date.now();
  readonly #timeouts: Timeouts;
  readonly #flushes: FlushPolicy;
  // How the handler reads, and its end (handler_driver.ts).
  readonly #driver: HandlerDriver<Message>;
  #finishing: Promise<ConnectionStats> | undefined;
  #writable: WritableStream<Uint8Array> | undefined;
  #writeClosed = false;
  #closedAt: number | undefined;
  readonly #recheck = (): void => this.#checkOpen();

  constructor(socket: RawSocket, settings: ConnectionSettings, id: number) {
    this.id = id;
    this.remoteAddr = socket.remoteAddr;
    this.localAddr = socket.localAddr;
    this.#settings = settings;
    this.#socket = socket;
    // The parts, wired to each other (connection_parts.ts).
    const parts = this.#parts = connectionParts(socket, settings, (reason, error) => this.#ended(reason, error));
    const { inbox, flushes } = parts;
    this.#inbox = inbox;
    this.#outbox = parts.outbox;
    this.#flushes = flushes;
    this.#sender = parts.sender;
    this.#timeouts = parts.timeouts;
    // A socket that finds its link dead by itself (a heartbeat) ends the connection even while nobody reads.
    socket.watch?.((error) => this.abort(error));
    this.#driver = new HandlerDriver({ conn: this, inbox, life: this.#life, flushes, onMessage: settings.onMessage });
  }

  get finished(): Promise<ConnectionStats> {
    return this.#life.finished;
  }

  get signal(): AbortSignal {
    return this.#life.signal;
  }

  get stats(): ConnectionStats {
    return framedStats(this, this.#parts, this.#life, this.#socket.session, this.#openedAt, this.#closedAt);
  }

  get closing(): boolean {
    return this.#inbox.done;
  }

  send(payload: Uint8Array): Promise<void> {
    try {
      this.#checkOpen();
      const sent = this.#sender.send(payload, this.#recheck);
      if (this.#sender.overflowing) this.#overflow();
      return sent;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  sendOwned(payload: Uint8Array): Promise<void> {
    try {
      this.#checkOpen();
      const sent = this.#sender.sendOwned(payload, this.#recheck);
      if (this.#sender.overflowing) this.#overflow();
      return sent;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  flush(): Promise<void> {
    return this.#sender.drain();
  }

  receive(): Promise<Uint8Array | undefined> {
    return this.#driver.faces.receive();
  }

  close(): void {
    this.#inbox.end("closed");
    void this.finish();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.finished;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.#driver.faces.frames();
  }

  batches(): AsyncIterableIterator<Uint8Array[]> {
    return this.#driver.faces.batches();
  }

  events(options: { ticks?: boolean } = {}): AsyncGenerator<ConnectionEvent<Message>, void, undefined> {
    return this.#driver.faces.events<Message>(options);
  }

  get readable(): ReadableStream<Uint8Array> {
    return this.#driver.faces.readable();
  }

  get writable(): WritableStream<Uint8Array> {
    return this.#writable ??= frameWritable(this);
  }

  /** Writes what is queued, then ends the write side; without a transport that can, closes the connection. */
  async closeWrite(): Promise<void> {
    if (this.#writeClosed) return;
    this.#writeClosed = true;
    if (this.#socket.closeWrite === undefined) return void await this.finish();
    try {
      await this.#flushes.drain();
    } catch { /* the socket failed: the connection is ending, and its reason says why */ }
    this.#socket.closeWrite();
  }

  /**
   * Delivers a posted message; false (and counted as dropped) when the mailbox
   * is full, the connection ending, or the handler iterates frames only and
   * the server has no `onMessage`.
   */
  deliver(message: Message): boolean {
    return this.#driver.deliver(message);
  }

  /** Queues already-encoded frames if they fit under the high-water mark; counts a drop when they do not. */
  offerEncoded(bytes: Uint8Array): Delivery | "closed" {
    if (this.#inbox.done || this.#outbox.failed || this.#writeClosed) return "closed";
    return this.#sender.deliverEncoded(bytes);
  }

  /** The server's shutdown began: the signal aborts with `reason` now; input goes on until `abort()`. */
  beginShutdown(reason: unknown): void {
    this.#life.shuttingDown(reason);
  }

  /** Bytes received so far. */
  get bytesIn(): number {
    return this.#inbox.bytesIn;
  }

  /** True while the handler waits for input, with a read pending and nothing queued. */
  get waitingForInput(): boolean {
    return this.#inbox.waitingForInput;
  }

  /**
   * One tick of the server's shared ticker: idle and first-frame timeouts,
   * rate budgets, ticks, and the close deadline of an ending connection.
   */
  tick(seconds: number): void {
    const inbox = this.#inbox;
    const waited = this.#sender.waits.tick();
    const verdict = this.#timeouts.tick(
      seconds,
      inbox.done,
      inbox.framesIn,
      inbox.idleTicks,
      this.#socket.handshaking === true,
      waited,
    );
    // Input has ended but the handler or the outbox still holds on (a peer that reads nothing, say).
    if (verdict === "force-close") void this.forceClose(this.#life.error);
    // ranch's send_timeout_close: the peer takes nothing, so nothing queued can go; the waiting send rejects.
    else if (verdict instanceof GuardError && verdict.code === "send-timeout") void this.forceClose(verdict);
    else if (verdict !== undefined) this.abort(verdict);
    if (inbox.done) return;
    inbox.tick(seconds, this.#driver.wantsTicks);
    // A safety net for a handler that sent, then went on to slow work without
    // asking for its next event: its replies wait at most one tick (F7).
    this.#flushes.tick();
  }

  /** Aborts the connection with `reason`; it ends as soon as its handler lets go. */
  abort(reason: unknown): void {
    this.#inbox.end(closeReasonOf(reason, "aborted"), reason);
  }

  // Sends nobody awaited pile up for a peer that reads nothing while reading goes on: past the bound, the
  // slow-consumer policy's disconnect (a send cannot be dropped: it settles or rejects).
  #overflow(): void {
    const limit = this.#sender.maxPending;
    void this.forceClose(new GuardError("slow-consumer", `sends waiting over ${limit} bytes`, limit));
  }

  /** Closes the socket now, without waiting for the outbox or the handler. */
  forceClose(reason: unknown): Promise<ConnectionStats> {
    this.abort(reason);
    this.#socket.close();
    this.#outbox.fail(() => this.#life.closedError());
    return this.finish();
  }

  /** Ends a connection whose handler never ran (its PROXY header failed) with `reason`, and closes it. */
  endBeforeRun(reason: CloseReason, error?: unknown): Promise<ConnectionStats> {
    this.#inbox.end(reason, error);
    return this.finish();
  }

  /** Runs `handler` to its end, then closes. Settles with the final stats. */
  run<S>(handler: (conn: Connection<Message>, server: S) => unknown, server: S): Promise<ConnectionStats> {
    return this.#driver.run(handler, server);
  }

  /** Runs the callbacks of `source.current` until input ends, then closes. */
  runCallbacks<Owner>(source: CallbackSource<Message, Owner>, owner: Owner): void {
    this.#driver.runCallbacks(source, owner);
  }

  #checkOpen(): void {
    if (this.#outbox.failed || this.#finishing !== undefined || this.#writeClosed) throw this.#life.closedError();
  }

  /** Input ended: record the first reason, abort the signal, close a client's socket. */
  #ended(reason: Parameters<Lifecycle["ended"]>[0], error?: unknown): void {
    this.#life.ended(reason, error);
    if (this.#settings.finishOnEnd) void this.finish();
  }

  /** Closes once what is queued is written (the handler's end); settles with the final stats. */
  finish(): Promise<ConnectionStats> {
    this.#finishing ??= this.#close();
    return this.#finishing;
  }

  async #close(): Promise<ConnectionStats> {
    this.#inbox.end("closed");
    try {
      await this.#flushes.drain();
    } catch { /* the socket failed or was force-closed: what is queued is lost, and the reason says why */ }
    this.#socket.close();
    this.#outbox.fail(() => this.#life.closedError());
    this.#closedAt = Date.now();
    const stats = this.stats;
    this.#life.settle(stats);
    this.#settings.onEnd?.(this, stats);
    return stats;
  }
}
