/**
 * One write at a time to a link (the socket contract allows no more): the
 * connection's writes and the session's own records queue behind each other.
 *
 * @module
 */
import type { RawSocket } from "../../../transport/types.ts";

/** How a queued write settles its caller. */
export type Resolvers = { resolve(): void; reject(error: unknown): void };

/** Writes to one link, in order, one at a time. */
export class WriteChain {
  readonly #socket: RawSocket;
  #pending = 0;
  #tail: Promise<void> = Promise.resolve();

  constructor(socket: RawSocket) {
    this.#socket = socket;
  }

  /** True while a write is queued or under way: no `tryWrite()` now. */
  get busy(): boolean {
    return this.#pending > 0;
  }

  /** Writes `bytes` after every write queued before; settles when the link took them. */
  write(bytes: Uint8Array): Promise<void> {
    this.#pending++;
    const written = this.#tail.then(() => this.#socket.write(bytes));
    const done = () => void this.#pending--;
    // The chain goes on whatever this write's fate; the caller hears of it through `written`.
    this.#tail = written.then(done, done);
    return this.#tail.then(() => written);
  }
}
