/**
 * What one side wrote that the other has not acknowledged yet: copies of
 * the application bytes, numbered from the session's start, so that a
 * resumed link sends again exactly from where the peer's count stops. Bytes
 * are numbered, not frames: a link cut inside a frame goes on inside it.
 *
 * Invariants:
 * 1. The log holds the bytes from `start` to `end`, and never more than
 *    `limit` of them: past it the oldest go, and a resume that needs them
 *    is refused (a gap the application sees, never a silent one).
 * 2. `ack(n)` drops what is below n only: a late or repeated ACK is harmless.
 *
 * @module
 */

/** Unacknowledged bytes, numbered. */
export class ResumeLog {
  readonly #limit: number;
  #chunks: Uint8Array[] = [];
  /** The number of the first byte held. */
  start = 0;
  /** The number after the last byte written. */
  end = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Bytes held now. */
  get size(): number {
    return this.end - this.start;
  }

  /** Keeps a copy of `bytes` (the writer may reuse its buffer once written). */
  append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#chunks.push(bytes.slice());
    this.end += bytes.length;
    while (this.size > this.#limit && this.#chunks.length > 0) this.start += this.#chunks.shift()!.length;
  }

  /** The peer has every byte below `received`. */
  ack(received: number): void {
    while (this.#chunks.length > 0 && this.start + this.#chunks[0]!.length <= received) {
      this.start += this.#chunks.shift()!.length;
    }
  }

  /** The bytes from `received` to the end, or undefined when some of them are gone (or `received` is beyond the end). */
  from(received: number): Uint8Array | undefined {
    if (received < this.start || received > this.end) return undefined;
    const out = new Uint8Array(this.end - received);
    let offset = this.start;
    let at = 0;
    for (const chunk of this.#chunks) {
      const skip = Math.max(0, received - offset);
      if (skip < chunk.length) {
        out.set(chunk.subarray(skip), at);
        at += chunk.length - skip;
      }
      offset += chunk.length;
    }
    return out;
  }
}
