/**
 * The outbox's fill buffers (outbox.ts): the buffer copied frames go into,
 * the spare that takes over while a write reads the first, and when each is
 * let go. Buffers are reused while the connection writes (no allocation per
 * write, even of 64 KiB frames) and let go by `trim()` once it has written
 * nothing for a tick.
 *
 * Invariant: the buffer a pending write reads (`#pending`) is never written
 * into; it becomes the spare once the write settles.
 *
 * @module
 */

// One over this size (a burst) is never kept.
const KEEP_BUFFER_BYTES = 1_048_576;
// The first is small and grows by doubling: a connection that sends one short reply and goes
// idle holds it until trim(), and at 1 KiB that cost 0.8 kB of RSS per idle connection on Deno.
const FIRST_BUFFER_BYTES = 128;

/** The fill buffer and its spare. */
export class FillBuffers {
  /** Where copies go; undefined until the first copy, and after a trim. */
  fill: Uint8Array | undefined;
  /** Bytes of `fill` in use; those from `from` on are the open part (those before it are parts of a flush). */
  at = 0;
  from = 0;
  #spare: Uint8Array | undefined;
  // The fill buffer a pending write reads, to become the spare once it is written.
  #pending: Uint8Array | undefined;

  /** Room for `size` more bytes at the end of the fill buffer; returns where they go. */
  reserve(size: number): number {
    const at = this.at;
    const needed = at + size;
    const fill = this.fill;
    if (fill === undefined || fill.length < needed) {
      // Parts already closed keep the old buffer (their views hold it); the open part moves to the new one.
      const from = this.from;
      const grown = new Uint8Array(Math.max(FIRST_BUFFER_BYTES, needed - from, (fill?.length ?? 0) * 2));
      if (fill !== undefined && at > from) grown.set(fill.subarray(from, at));
      this.fill = grown;
      this.from = 0;
      this.at = at - from;
    }
    const start = this.at;
    this.at = start + size;
    return start;
  }

  /** The open part (copies since the last part), now closed; undefined when it is empty. */
  closePart(): Uint8Array | undefined {
    if (this.at <= this.from) return undefined;
    const part = this.fill!.subarray(this.from, this.at);
    this.from = this.at;
    return part;
  }

  /** Every byte of the fill buffer went to a flush. */
  reset(): void {
    this.at = this.from = 0;
  }

  /** A write now reads the fill buffer: later copies go into the spare. */
  handOff(): void {
    this.#pending = this.fill;
    this.fill = this.#spare;
    this.#spare = undefined;
  }

  /** The pending write settled: its buffer becomes the spare when `keep` and it is not too big. */
  written(keep: boolean): void {
    const buffer = this.#pending;
    this.#pending = undefined;
    if (keep && buffer !== undefined && buffer.length <= KEEP_BUFFER_BYTES && this.#spare === undefined) {
      this.#spare = buffer;
    }
  }

  /** Lets go of the spare, and of the fill buffer when `empty` (nothing queued in it). */
  trim(empty: boolean): void {
    this.#spare = undefined;
    if (empty) this.fill = undefined;
  }

  /** Drops both buffers and what they held. */
  clear(): void {
    this.at = this.from = 0;
    this.fill = this.#spare = undefined;
  }
}
