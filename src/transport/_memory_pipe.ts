/**
 * One direction of an in-memory connection (memory.ts): a bounded pipe of
 * bytes written by one end and waiting for the other to read them, with the
 * backpressure, ordering and end rules of the transport's invariants 1 to 5.
 *
 * @module
 */

/** An Error with a Node-style `code`, as a socket of a real adapter throws. */
export function networkError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** One direction of a connection: bytes written by one end, waiting for the other to read them. */
export class Pipe {
  readonly #capacity: number;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  /** The writer's bytes that did not fit yet, and its promise. */
  #pending: { data: Uint8Array; at: number; waiter: Waiter<void> } | undefined;
  #reader: Waiter<Uint8Array | null> | undefined;
  /** The writer half-closed: after the buffered bytes, reads give null. */
  #ended = false;
  /** The reader closed: nothing is read any more, writes fail. */
  #dropped = false;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get buffered(): number {
    return this.#buffered;
  }

  read(): Promise<Uint8Array | null> {
    if (this.#reader !== undefined) return Promise.reject(new Error("Cannot read: a read is pending"));
    if (this.#dropped) return Promise.resolve(null);
    if (this.#buffered > 0) return Promise.resolve(this.#take());
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => this.#reader = { resolve, reject });
  }

  write(data: Uint8Array, error: () => Error | undefined): Promise<void> {
    if (this.#pending !== undefined) return Promise.reject(new Error("Cannot write: a write is pending"));
    const refused = error();
    if (refused !== undefined) return Promise.reject(refused);
    if (this.#dropped) return Promise.reject(networkError("EPIPE", "Cannot write: the peer has closed"));
    const at = this.#fill(data, 0);
    if (at === data.length) return Promise.resolve();
    return new Promise((resolve, reject) => this.#pending = { data, at, waiter: { resolve, reject } });
  }

  /** The writer half-closed: the reader gets what is buffered, then null. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#buffered === 0) this.#wake(null);
  }

  /** The reader closed: drop what is buffered, fail the writer's pending write, end a pending read. */
  drop(): void {
    if (this.#dropped) return;
    this.#dropped = true;
    this.#chunks = [];
    this.#buffered = 0;
    this.failWrite(networkError("EPIPE", "Cannot write: the peer has closed"));
    this.#wake(null);
  }

  /** Fails the writer's pending write (its end closed, or the peer did). */
  failWrite(error: Error): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.waiter.reject(error);
  }

  /** Copies what fits of `data` from `at`, handing it straight to a waiting reader; returns where it stopped. */
  #fill(data: Uint8Array, at: number): number {
    while (at < data.length && this.#buffered < this.#capacity) {
      const end = Math.min(data.length, at + this.#capacity - this.#buffered);
      this.#chunks.push(data.slice(at, end));
      this.#buffered += end - at;
      at = end;
      const reader = this.#reader;
      if (reader !== undefined) {
        this.#reader = undefined;
        reader.resolve(this.#take());
      }
    }
    return at;
  }

  /** Every buffered byte in one chunk; room for the writer's pending bytes. */
  #take(): Uint8Array {
    const chunks = this.#chunks;
    const chunk = chunks.length === 1 ? chunks[0]! : concat(chunks, this.#buffered);
    this.#chunks = [];
    this.#buffered = 0;
    const pending = this.#pending;
    if (pending !== undefined) {
      pending.at = this.#fill(pending.data, pending.at);
      if (pending.at === pending.data.length) {
        this.#pending = undefined;
        pending.waiter.resolve();
      }
    }
    return chunk;
  }

  #wake(chunk: Uint8Array | null): void {
    const reader = this.#reader;
    this.#reader = undefined;
    reader?.resolve(chunk);
  }
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
