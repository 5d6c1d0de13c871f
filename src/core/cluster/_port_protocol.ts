/**
 * What a hub and its members say over a MessagePort: batches of entries, one
 * `postMessage` per batch (the entries of one microtask run), and credits.
 *
 * Flow control, because `postMessage` has none (denoland/deno#17517: a
 * receiver that lags makes the sender's memory grow without bound): each side
 * counts the bytes it posted that the other has not acknowledged, and drops
 * (and counts) a message that would take that count over the bound. A side
 * acknowledges what it received once it has handled the batch, so the count
 * is what sits in the port's queue or is being handled.
 *
 * @module
 */

/** Member to hub. */
export type MemberEntry =
  | readonly ["sub", topic: string]
  | readonly ["unsub", topic: string]
  | readonly ["pub", topic: string, payload: Uint8Array]
  | readonly ["req", topic: string, id: number, payload: Uint8Array]
  | readonly ["reply", node: number, id: number, payload: Uint8Array]
  | readonly ["ack", bytes: number]
  | readonly ["ping", id: number];

/** Hub to member. */
export type HubEntry =
  | readonly ["msg", topic: string, payload: Uint8Array, replyNode?: number, replyId?: number]
  | readonly ["reply", id: number, payload: Uint8Array]
  | readonly ["noresp", id: number]
  | readonly ["ack", bytes: number]
  | readonly ["pong", id: number];

/** What an entry costs against the bound, besides its payload: a batch slot and a topic. */
export const ENTRY_OVERHEAD = 64;

/** The cost of an entry with `payload`. */
export function costOf(payload: Uint8Array | undefined): number {
  return ENTRY_OVERHEAD + (payload?.byteLength ?? 0);
}

/**
 * Collects entries and posts them as one batch at the end of the microtask
 * run: a burst of publishes is one `postMessage`.
 */
export class Batcher<Entry> {
  #entries: Entry[] = [];
  #scheduled = false;
  readonly #post: (entries: Entry[]) => void;

  constructor(post: (entries: Entry[]) => void) {
    this.#post = post;
  }

  push(entry: Entry): void {
    this.#entries.push(entry);
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(this.flush);
  }

  readonly flush = (): void => {
    this.#scheduled = false;
    if (this.#entries.length === 0) return;
    const entries = this.#entries;
    this.#entries = [];
    this.#post(entries);
  };
}
