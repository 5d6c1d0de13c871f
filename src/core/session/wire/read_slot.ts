/**
 * Where a session socket hands what it read to the connection above: one
 * chunk held, one read waiting, and how the stream ended.
 *
 * Invariants:
 * 1. At most one chunk is held, and only while no read waits: a chunk goes
 *    to the waiting read if there is one. The socket reads its link again
 *    only while nothing is held, so flow control holds.
 * 2. The end is told once, and after any held chunk: a read that finds a
 *    chunk held gets it first.
 *
 * @module
 */

type Waiter = { resolve(chunk: Uint8Array | null): void; reject(error: unknown): void };

/** The connection's reads of a session socket: a held chunk, a waiting read, the end. */
export class ReadSlot {
  #held: Uint8Array | undefined;
  #waiter: Waiter | undefined;
  #end: { error?: unknown } | undefined;

  /** True while a chunk waits for a read. */
  get holding(): boolean {
    return this.#held !== undefined;
  }

  /** True once the stream ended (for good, or given up to another session). */
  get ended(): boolean {
    return this.#end !== undefined;
  }

  /** The connection's read: the held chunk, the end, or a wait for the next chunk. */
  read(): Promise<Uint8Array | null> {
    const held = this.#held;
    if (held !== undefined) {
      this.#held = undefined;
      return Promise.resolve(held);
    }
    if (this.#end !== undefined) {
      return "error" in this.#end ? Promise.reject(this.#end.error) : Promise.resolve(null);
    }
    return new Promise((resolve, reject) => void (this.#waiter = { resolve, reject }));
  }

  /** A chunk from the link: to the waiting read (true), or held until the next read (false). */
  deliver(data: Uint8Array): boolean {
    const waiter = this.#waiter;
    if (waiter === undefined) return void (this.#held = data), false;
    this.#waiter = undefined;
    waiter.resolve(data);
    return true;
  }

  /**
   * The stream ends (false when it had already). A waiting read hears of it
   * now unless `quiet` (a link given up to another session: nobody reads it).
   */
  finish(end: { error?: unknown }, quiet = false): boolean {
    if (this.#end !== undefined) return false;
    this.#end = end;
    const waiter = this.#waiter;
    if (quiet || waiter === undefined || this.#held !== undefined) return true;
    this.#waiter = undefined;
    if ("error" in end) waiter.reject(end.error);
    else waiter.resolve(null);
    return true;
  }
}
