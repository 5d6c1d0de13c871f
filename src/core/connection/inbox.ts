/**
 * A connection's inbound side: socket reads, the frame decoder, the mailbox
 * and ticks (mailbox.ts), merged into one queue in arrival order (inbox_queue.ts).
 *
 * Invariants:
 * 1. Pull-based: a read is started only when the loop waits for an item, none is queued, no read is pending and
 *    the rate budget is not overdrawn. A send that waits for room never stops it: the loop that asks may be another
 *    task than the one that sends, and a peer that echoes stops reading while its own replies are not read
 *    (sender.ts, invariant 4). Frames lent end their lifetime as a read starts (read_loans.ts).
 * 2. Every frame of one read is queued together, after the messages that
 *    arrived before the read completed.
 * 3. Once input has ended, no read is started; items already queued are still handed out.
 * 4. At most `mailboxCapacity` messages and one tick wait in the queue (mailbox.ts).
 * 5. A read yields at most the frames its rate budget allows (rate_limit.ts): the decoder keeps the rest of the
 *    read undecoded, and those bytes are decoded, within the budget then left, before anything more is read.
 *
 * @module
 */
import { type CloseReason, closeReasonOf } from "../errors.ts";
import { FrameDecoder } from "../framing/frame_decoder.ts";
import type { WireDecoder } from "../framing/wire_format.ts";
import { InboxQueue } from "./inbox_queue.ts";
import { type InboxItem, Mailbox, Tick } from "./mailbox.ts";
import type { RateLimits } from "./rate_limit.ts";
import type { ReadLoans } from "./read_loans.ts";
import type { RawSocket } from "../../transport/types.ts";

// The name callbacks.ts imports the boxed message by.

/** Called when input ends (first reason wins at the connection). */
export type InboxEnd = (reason: CloseReason, error?: unknown) => void;

/** The inbound side of one connection. */
export class Inbox {
  readonly #socket: RawSocket;
  readonly #decoder: WireDecoder & { release?(): void };
  // The same decoder when it is the kit's length-prefixed one (owned sends need it).
  readonly #framedDecoder: FrameDecoder | undefined;
  readonly #mailboxCapacity: number;
  // Made on the first message or tick (most connections get neither).
  #mailbox: Mailbox | undefined;
  readonly #onEnd: InboxEnd;
  // The flush point F1 (flush_policy.ts).
  readonly #flushes: { loopWaits(): void };
  readonly #limits: RateLimits | undefined;
  // The end of borrowed frames' lifetime (read_loans.ts); only over the kit's own decoder.
  readonly #loans: ReadLoans | undefined;
  readonly #queue = new InboxQueue();
  #reading = false;
  #paused = false;
  #wake: (() => void) | undefined;
  // The decoder stopped at the frame budget and may hold bytes of the last read, undecoded (invariant 5).
  #kept = false;
  /** True once input has ended. */
  done = false;
  /** True while an item handed out is being handled (between a take and the next wait). */
  processing = false;
  bytesIn = 0;
  framesIn = 0;
  /** Ticks since the last complete frame (or since opening). */
  idleTicks = 0;

  constructor(
    socket: RawSocket,
    decoder: WireDecoder & { release?(): void },
    mailboxCapacity: number,
    onEnd: InboxEnd,
    flushes: { loopWaits(): void },
    limits?: RateLimits,
    loans?: ReadLoans,
  ) {
    this.#socket = socket;
    this.bytesIn = socket.preambleBytes ?? 0;
    this.#decoder = decoder;
    this.#framedDecoder = decoder instanceof FrameDecoder ? decoder : undefined;
    this.#mailboxCapacity = mailboxCapacity;
    this.#onEnd = onEnd;
    this.#flushes = flushes;
    this.#limits = limits;
    this.#loans = loans;
  }

  /** True while the loop waits for input: a read pending (or paused for the budget), nothing queued or handled. */
  get waitingForInput(): boolean {
    return (this.#reading || this.#paused) && !this.processing && !this.done && !this.#queue.pending;
  }

  /** The next queued item, without waiting; undefined when none is queued. A frame is `borrow`ed or owned. */
  take(borrow = false): InboxItem | undefined {
    const item = this.#queue.shift();
    if (item === undefined) {
      this.processing = false;
      return undefined;
    }
    if (!(item instanceof Uint8Array)) this.#mailbox!.taken(item);
    else if (!borrow) this.#loans?.owned();
    this.processing = true;
    return item;
  }

  /**
   * Every frame queued from the head on, up to the next message or tick, as one array (the caller's), the frames
   * `borrow`ed or owned; undefined when the head is not a frame or nothing is queued (`take()` gives what is there).
   */
  takeFrames(borrow = false): Uint8Array[] | undefined {
    const frames = this.#queue.frames();
    if (frames === undefined) return undefined;
    if (!borrow) this.#loans?.owned();
    this.processing = true;
    return frames;
  }

  /**
   * Calls `ready` once, synchronously, as soon as an item is queued or input ends, reading the socket if needed; the
   * caller then takes the item. One waiter at a time: a loop that resolves its own promise straight from the read.
   */
  park(ready: () => void): void {
    if (this.#queue.pending || this.done) return ready();
    // The loop is about to wait for input: the connection's flush point (F1).
    this.#flushes.loopWaits();
    this.#readIfWanted();
    if (this.#queue.pending || this.done) return ready();
    this.#wake = ready;
  }

  /** Waits for the next item (reading the socket if needed); undefined at the end of input. */
  async next(): Promise<InboxItem | undefined> {
    while (true) {
      const item = this.take();
      if (item !== undefined) return item;
      if (this.done) return undefined;
      this.#flushes.loopWaits();
      this.#readIfWanted();
      if (!this.#queue.pending && !this.done) {
        await new Promise<void>((resolve) => this.#wake = resolve);
      }
    }
  }

  /** The decoder, whose `framedIn()` finds the bytes a frame came in, with its header (for owned sends). */
  get decoder(): FrameDecoder | undefined {
    return this.#framedDecoder;
  }

  /** The messages and ticks of the queue, and their counts (mailbox.ts). */
  get mailbox(): Mailbox {
    return this.#mailbox ??= new Mailbox(this.#mailboxCapacity);
  }

  /** Messages handed out, and dropped (a full mailbox, an ended input, no taker). */
  get messagesIn(): number {
    return this.#mailbox?.messagesIn ?? 0;
  }
  get messagesDropped(): number {
    return this.#mailbox?.messagesDropped ?? 0;
  }

  /** Queues a posted message; false when the mailbox is full or input has ended. */
  deliver(message: unknown): boolean {
    const posted = this.mailbox.admit(message, !this.done);
    if (posted !== undefined) this.#push(posted);
    return posted !== undefined;
  }

  /** One tick: counts idle time, refills the rate budget (resuming a paused reader), queues a tick when `deliverTick`. */
  tick(seconds: number, deliverTick: boolean): void {
    // Idle since the last tick: memory kept for the next reads beyond the pending one may go.
    if (++this.idleTicks > 1) this.#loans?.trim();
    const limits = this.#limits;
    if (limits !== undefined) {
      limits.refill(seconds);
      if (this.#paused && !limits.over && limits.frameLimit > 0) {
        this.#paused = false;
        this.#wakeUp();
      }
    }
    if (deliverTick && !this.done && !this.mailbox.tickQueued) {
      this.mailbox.tickQueued = true;
      this.#push(new Tick(this.idleTicks * seconds));
    }
  }

  /** Ends input: no more reads. Items already queued are still handed out. */
  end(reason: CloseReason, error?: unknown): void {
    if (this.done) return;
    this.done = true;
    this.#onEnd(reason, error);
    this.#wakeUp();
  }

  #push(item: InboxItem): void {
    this.#queue.push(item);
    this.#wakeUp();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    if (wake !== undefined) {
      this.#wake = undefined;
      wake();
    }
  }

  #readIfWanted(): void {
    if (!this.#reading && !this.#paused) this.#startRead();
  }

  #startRead(): void {
    const limits = this.#limits;
    // The frame budget is spent ("pause"): nothing is read or decoded until a tick refills it.
    if (limits !== undefined && limits.frameLimit === 0) return void (this.#paused = true);
    // Bytes kept at the budget come first (invariant 5); a read only when they held no whole frame.
    if (this.#kept) {
      this.#kept = false;
      const before = this.#queue.items.length;
      this.#decode(EMPTY, 0);
      if (this.#queue.items.length > before || this.done || this.#paused) return;
    }
    this.#reading = true;
    // The frames of the last read have all been handled: borrowed ones end, the decoder need not keep its chunk.
    this.#loans?.ended();
    this.#decoder.release?.();
    // A socket that can read without a promise does (Bun, Node: RawSocket.pull).
    if (this.#socket.pull) this.#socket.pull(this.#onChunk, this.#onReadError);
    else this.#socket.read().then(this.#onChunk, this.#onReadError);
  }

  // Bound once: no closures per read.
  readonly #onReadError = (error: unknown): void => {
    this.#reading = false;
    // A socket that ends its reads for a reason of the kit's (a WebSocket's text message, a heartbeat's timeout) says
    // which.
    this.end(closeReasonOf(error, "socket-error"), error);
  };

  readonly #onChunk = (chunk: Uint8Array | null): void => {
    this.#reading = false;
    if (this.done) return;
    if (chunk === null) {
      try {
        this.#decoder.finish();
        this.end("peer-closed");
      } catch (error) {
        this.end("truncated-frame", error);
      }
      return;
    }
    this.bytesIn += chunk.length;
    this.#decode(chunk, chunk.length);
    this.#wakeUp();
  };

  /** Decodes `chunk`, a read of `bytes` bytes (0: bytes kept from an earlier read), within the frame budget. */
  #decode(chunk: Uint8Array, bytes: number): void {
    const queue = this.#queue.items;
    const before = queue.length;
    const limit = this.#limits?.frameLimit ?? Infinity;
    let failure: { error: unknown } | undefined;
    try {
      this.#decoder.decode(chunk, queue as Uint8Array[], limit);
    } catch (error) {
      failure = { error };
    }
    // Counted before input ends: ending wakes the loop, which may take the frames at once.
    const frames = queue.length - before;
    this.#loans?.decoded(queue, before);
    this.#kept = frames >= limit;
    this.framesIn += frames;
    if (frames > 0) this.idleTicks = 0;
    // Frames decoded before the bad header stay queued and are still handled.
    if (failure !== undefined) this.end(closeReasonOf(failure.error, "socket-error"), failure.error);
    else if (this.#limits !== undefined) this.#charge(bytes, frames, before);
  }

  #charge(bytes: number, frames: number, before: number): void {
    const limits = this.#limits!;
    const budget = limits.frameLimit;
    const verdict = limits.charge(bytes, frames);
    if (verdict === "ok") return;
    // Frames already read within the budget are handled; then the next read waits for it to refill, or input ends.
    if (verdict === "pause") return void (this.#paused = true);
    // "close": the frame past the budget (every one past it, from a decoder that takes no limit) is not handled.
    if (frames > budget - 1) this.#queue.items.length = before + budget - 1;
    this.end("rate-limit", verdict);
  }
}

const EMPTY = new Uint8Array(0);
