/**
 * Pull-based reads over a runtime that pushes bytes (Bun's `data` callback,
 * Node's `data` event): chunks wait here until the kit asks for them, and past
 * `READ_AHEAD_BYTES` the socket is paused, so a peer that floods a busy
 * connection meets TCP flow control instead of growing the queue. The queue
 * holds at most `READ_AHEAD_BYTES` plus the chunk that crossed it (runtimes
 * honour a pause: Bun and Node push nothing after it). `hold()` pauses before
 * that, when the kit will not ask for a while.
 *
 * Invariants:
 * 1. A chunk goes straight to a waiting read, else into the queue; reads take
 *    queued chunks first, in the order they arrived.
 * 2. At `READ_AHEAD_BYTES` queued the socket is paused, once; a read that
 *    takes the queue back under it resumes the socket, once.
 * 3. After `end()`, queued chunks are still read, then `null` (or the error
 *    it ended with); a chunk pushed after `end()` is dropped.
 *
 * @module
 */

/** Bytes queued at which the socket is paused: enough to keep a busy server's reads large, small enough to bound memory per connection. */
export const READ_AHEAD_BYTES = 65_536;

/** The read side of a push-based socket. */
export class ReadQueue {
  readonly #pause: () => void;
  readonly #resume: () => void;
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #paused = false;
  #ended = false;
  #error: unknown;
  #reader: { resolve(chunk: Uint8Array | null): void; reject(error: unknown): void } | undefined;

  /** `pause` and `resume` stop and restart the runtime's reading of the socket. */
  constructor(pause: () => void, resume: () => void) {
    this.#pause = pause;
    this.#resume = resume;
  }

  /** Bytes queued and not yet read. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** The next chunk: a queued one, or the next to arrive; `null` once ended (or the error it ended with). */
  read(): Promise<Uint8Array | null> {
    const chunk = this.#queue.shift();
    if (chunk !== undefined) {
      this.#queuedBytes -= chunk.length;
      if (this.#paused && this.#queuedBytes < READ_AHEAD_BYTES) {
        this.#paused = false;
        this.#resume();
      }
      return Promise.resolve(chunk);
    }
    if (this.#ended) return this.#error === undefined ? Promise.resolve(null) : Promise.reject(this.#error);
    if (this.#paused) {
      // Held with nothing queued: the kit asks again.
      this.#paused = false;
      this.#resume();
    }
    return new Promise((resolve, reject) => this.#reader = { resolve, reject });
  }

  /**
   * Pauses the socket until the next `read()`, unless a read is waiting: the
   * kit will not ask for a while (a send waits for a peer that does not read).
   */
  hold(): void {
    if (this.#paused || this.#ended || this.#reader !== undefined) return;
    this.#paused = true;
    this.#pause();
  }

  /** A chunk arrived: straight to a waiting read, or into the queue. */
  push(chunk: Uint8Array): void {
    if (this.#ended) return; // bytes the runtime had in hand after the kit closed: nobody will read them
    const reader = this.#reader;
    if (reader !== undefined) {
      this.#reader = undefined;
      reader.resolve(chunk);
      return;
    }
    this.#queue.push(chunk);
    this.#queuedBytes += chunk.length;
    if (this.#queuedBytes >= READ_AHEAD_BYTES && !this.#paused) {
      this.#paused = true;
      this.#pause();
    }
  }

  /** No more chunks: queued ones are still read, then `null` (or `error`). Idempotent; an error given later is kept. */
  end(error?: unknown): void {
    if (error !== undefined && this.#error === undefined) this.#error = error;
    if (this.#ended) return;
    this.#ended = true;
    const reader = this.#reader;
    this.#reader = undefined;
    if (reader !== undefined) error === undefined ? reader.resolve(null) : reader.reject(error);
  }

  /** Drops what is queued (the kit closed the socket). */
  clear(): void {
    this.#queue = [];
    this.#queuedBytes = 0;
  }
}
