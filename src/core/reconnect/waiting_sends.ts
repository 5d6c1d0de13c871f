/**
 * Frames waiting for the reconnecting client's next connection, in the order
 * they were sent, under a bound in bytes.
 *
 * Invariants:
 * 1. Bytes waiting (each frame counted with its header, so that even empty
 *    frames count) never exceed the limit, except by one frame that waits
 *    alone (a frame larger than the limit can still wait for a connection).
 * 2. Frames leave in the order of their sequence numbers, whatever the order
 *    they came in: a frame handed back by a lost connection keeps its place
 *    ahead of the frames sent after it.
 * 3. A frame whose signal aborts leaves the queue at once and rejects with
 *    the signal's reason; a frame taken out no longer listens to its signal.
 *
 * @module
 */
/** One frame waiting, with its sender's promise. */
export class WaitingSend {
  onAbort: (() => void) | undefined;
  resolve!: (sent: Promise<void>) => void;
  reject!: (error: unknown) => void;

  constructor(
    readonly payload: Uint8Array,
    readonly size: number,
    readonly seq: number,
    readonly signal: AbortSignal | undefined,
  ) {}
}

/** The frames waiting for a connection. */
export class WaitingSends {
  readonly #limit: number;
  #items: WaitingSend[] = [];
  /** Bytes waiting now, headers included. */
  bytes = 0;

  /** `limit` is in bytes, headers included. */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Frames waiting now. */
  get size(): number {
    return this.#items.length;
  }

  /**
   * Queues a frame of `size` bytes (header included) in `seq` order; the
   * promise follows the send it is handed to once a connection is back.
   * Undefined when there is no room: nothing is queued.
   */
  add(payload: Uint8Array, size: number, seq: number, signal?: AbortSignal): Promise<void> | undefined {
    if (this.bytes > 0 && this.bytes + size > this.#limit) return undefined;
    const item = new WaitingSend(payload, size, seq, signal);
    const promise = new Promise<void>((resolve, reject) => {
      item.resolve = resolve;
      item.reject = reject;
    });
    if (signal !== undefined) {
      item.onAbort = () => {
        if (this.#remove(item)) item.reject(signal.reason);
      };
      signal.addEventListener("abort", item.onAbort, { once: true });
    }
    const items = this.#items;
    // Almost always at the end; a frame handed back by a lost connection goes in ahead of later ones.
    let at = items.length;
    while (at > 0 && items[at - 1]!.seq > seq) at--;
    items.splice(at, 0, item);
    this.bytes += size;
    return promise;
  }

  /** Takes every frame out, in order, for the caller to send or reject. */
  takeAll(): WaitingSend[] {
    const items = this.#items;
    this.#items = [];
    this.bytes = 0;
    for (const item of items) {
      if (item.onAbort !== undefined) item.signal!.removeEventListener("abort", item.onAbort);
    }
    return items;
  }

  /** Takes every frame out and rejects it with `error`. */
  rejectAll(error: unknown): void {
    for (const item of this.takeAll()) item.reject(error);
  }

  #remove(item: WaitingSend): boolean {
    const at = this.#items.indexOf(item);
    if (at < 0) return false;
    this.#items.splice(at, 1);
    this.bytes -= item.size;
    return true;
  }
}
