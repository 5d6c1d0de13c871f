/**
 * The faces a handler reads one connection through (framed_connection.ts):
 * the `for await` frame loop, `receive()`, `batches()`, `events()`, the
 * callbacks, and the `readable` stream; all over the connection's one inbox.
 *
 * Invariants:
 * 1. One reader at a time: a loop (`for await`, `receive()`, `events()`,
 *    `batches()`, callbacks) or the readable stream, never both (like a
 *    locked stream's reader).
 * 2. `framesOnly` is set once the handler reads frames only (a frame loop,
 *    batches, the readable) and cleared by `events()`: a message posted while
 *    it is set has nowhere to go but the server's `onMessage`.
 * 3. A face that stops (a `break`, the end of `events()`) calls the host's
 *    `stopHandling()`: no flush point is coming, so the outbox flushes now.
 *
 * @module
 */
import { batchIterator, type ConnectionEvent, eventStream, frameIterator } from "./events.ts";
import type { Inbox } from "./inbox.ts";
import { frameReadable } from "./streams.ts";

/** What the faces need of their connection. */
export interface ReaderHost {
  readonly id: number;
  /** A posted message met by a loop over frames only (the server's onMessage, or counted as dropped). */
  dispatchMessage(message: unknown): Promise<void>;
  /** The handler stopped reading: flush now. */
  stopHandling(): void;
  /** The readable was cancelled with a reason. */
  abort(reason: unknown): void;
}

/** The reading faces of one connection. */
export class ReaderFaces {
  readonly #inbox: Inbox;
  readonly #host: ReaderHost;
  // Who reads (invariant 1).
  #reader: "loop" | "stream" | undefined;
  // The iterator receive() reads from, made on first use.
  #frames: AsyncIterator<Uint8Array> | undefined;
  #readable: ReadableStream<Uint8Array> | undefined;
  /** Invariant 2. */
  framesOnly = false;
  /** Set while `events({ ticks: true })` runs: the connection queues ticks for it. */
  wantsTicks = false;

  constructor(inbox: Inbox, host: ReaderHost) {
    this.#inbox = inbox;
    this.#host = host;
  }

  /** The `for await` loop's iterator. */
  frames(): AsyncIterator<Uint8Array> {
    this.claim("loop");
    this.framesOnly = true;
    return frameIterator(
      this.#inbox,
      (message) => this.#host.dispatchMessage(message),
      () => this.#host.stopHandling(),
    );
  }

  /** The next frame through the one iterator `receive()` keeps. */
  async receive(): Promise<Uint8Array | undefined> {
    this.#frames ??= this.frames();
    const { done, value } = await this.#frames.next();
    // Handed out whole: what the caller sends next is not part of a batch being handled.
    this.#inbox.processing = false;
    return done ? undefined : value;
  }

  batches(): AsyncIterableIterator<Uint8Array[]> {
    this.claim("loop");
    this.framesOnly = true;
    return batchIterator(
      this.#inbox,
      (message) => this.#host.dispatchMessage(message),
      () => this.#host.stopHandling(),
    );
  }

  events<Message>(options: { ticks?: boolean }): AsyncGenerator<ConnectionEvent<Message>, void, undefined> {
    this.claim("loop");
    this.wantsTicks = options.ticks ?? false;
    this.framesOnly = false;
    return eventStream<Message>(this.#inbox, () => {
      this.wantsTicks = false;
      this.#host.stopHandling();
    });
  }

  readable(): ReadableStream<Uint8Array> {
    if (this.#readable !== undefined) return this.#readable;
    this.claim("stream");
    this.framesOnly = true;
    const frames = frameIterator(
      this.#inbox,
      (message) => this.#host.dispatchMessage(message),
      () => this.#host.stopHandling(),
    );
    const inbox = this.#inbox;
    // What the reader sends meanwhile goes out at its next pull that reads, or at the end of the turn (deferred flush).
    return this.#readable = frameReadable({
      takeFrames: () => inbox.takeFrames(),
      nextFrame: async () => {
        const { done, value } = await frames.next();
        return done ? undefined : value;
      },
      cancelInput: (reason) => {
        if (reason === undefined) inbox.end("closed");
        else this.#host.abort(reason);
        void frames.return?.();
      },
    });
  }

  /** Invariant 1. @throws {TypeError} the other kind of reader reads it already. */
  claim(reader: "loop" | "stream"): void {
    if (this.#reader !== undefined && this.#reader !== reader) {
      const id = this.#host.id;
      throw new TypeError(
        reader === "loop"
          ? `Cannot read connection ${id} in a loop: its readable stream reads it`
          : `Cannot read connection ${id} through readable: it is read in a loop or by callbacks`,
      );
    }
    this.#reader = reader;
  }
}
