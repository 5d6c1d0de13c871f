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
 * 4. `pull()` is `read()` without a promise: its callback runs in a microtask
 *    (never inside `push()` or `pull()`: a handler runs after the runtime's
 *    callback, as with a promise, and queued chunks do not recurse).
 *
 * @module
 */

/** Bytes queued at which the socket is paused: enough to keep a busy server's reads large, small enough to bound memory per connection. */
export const READ_AHEAD_BYTES = 65_536;

/** What a read queue stops and restarts: the runtime's socket itself (Node), or its adapter (Bun). No closures per socket. */
export interface ReadSource {
  pause(): void;
  resume(): void;
}

const NOTHING = (): void => {};

/** The read side of a push-based socket. */
export class ReadQueue {
  readonly #source: ReadSource;
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #paused = false;
  #ended = false;
  #error: unknown;
  #reader: { resolve(chunk: Uint8Array | null): void; reject(error: unknown): void } | undefined;
  // A pull waiting (invariant 4), and its two functions: the kit's, the same at every pull.
  #pulling = false;
  #onChunk: (chunk: Uint8Array | null) => void = NOTHING;
  #onError: (error: unknown) => void = NOTHING;

  /** Reads from `source`, whose `pause` and `resume` stop and restart the runtime's reading of the socket. */
  constructor(source: ReadSource) {
    this.#source = source;
  }

  /** Bytes queued and not yet read. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** The next chunk: a queued one, or the next to arrive; `null` once ended (or the error it ended with). */
  read(): Promise<Uint8Array | null> {
    const chunk = this.#take();
    if (chunk !== undefined) return Promise.resolve(chunk);
    if (this.#ended) return this.#error === undefined ? Promise.resolve(null) : Promise.reject(this.#error);
    return new Promise((resolve, reject) => this.#reader = { resolve, reject });
  }

  /** As `read()`, without a promise: `onChunk` or `onError` is called once, in a microtask (invariant 4). */
  pull(onChunk: (chunk: Uint8Array | null) => void, onError: (error: unknown) => void): void {
    this.#onChunk = onChunk;
    this.#onError = onError;
    this.#pulling = true;
    if (this.#queue.length > 0 || this.#ended) queueMicrotask(this.#deliver);
    else this.#take();
  }

  /** A queued chunk, taken (resuming the socket under the read-ahead); or none, the socket resumed if held. */
  #take(): Uint8Array | undefined {
    const chunk = this.#queue.shift();
    if (chunk !== undefined) this.#queuedBytes -= chunk.length;
    // Under the read-ahead again, or held with nothing queued: the kit asks again.
    if (this.#paused && this.#queuedBytes < READ_AHEAD_BYTES && !this.#ended) {
      this.#paused = false;
      this.#source.resume();
    }
    return chunk;
  }

  // Bound once: no closure per pull.
  readonly #deliver = (): void => {
    if (!this.#pulling) return;
    const chunk = this.#take();
    if (chunk === undefined && !this.#ended) return;
    this.#pulling = false;
    if (chunk !== undefined) this.#onChunk(chunk);
    else if (this.#error === undefined) this.#onChunk(null);
    else this.#onError(this.#error);
  };

  /**
   * Pauses the socket until the next `read()`, unless a read is waiting: the
   * kit will not ask for a while (a send waits for a peer that does not read).
   */
  hold(): void {
    if (this.#paused || this.#ended || this.#reader !== undefined || this.#pulling) return;
    this.#paused = true;
    this.#source.pause();
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
    if (this.#pulling && this.#queue.length === 1) queueMicrotask(this.#deliver);
    if (this.#queuedBytes >= READ_AHEAD_BYTES && !this.#paused) {
      this.#paused = true;
      this.#source.pause();
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
    if (this.#pulling) queueMicrotask(this.#deliver);
  }

  /** Drops what is queued (the kit closed the socket). */
  clear(): void {
    this.#queue = [];
    this.#queuedBytes = 0;
  }
}
