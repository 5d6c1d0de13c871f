/**
 * The inbox's queue: frames, posted messages and ticks in arrival order,
 * handed out one at a time or as a run of frames. An array and a head index:
 * taking moves the head, and the array is emptied (or handed over whole)
 * once everything in it is taken, so a busy connection allocates nothing per
 * item.
 *
 * Invariants:
 * 1. Items leave in the order they came; a run of frames stops at the first
 *    message or tick.
 * 2. `items` is the array to append to now (the decoder writes frames into
 *    it): it changes when a run takes the whole array.
 *
 * @module
 */
import type { InboxItem } from "./mailbox.ts";

/** Frames, messages and ticks waiting to be handed out. */
export class InboxQueue {
  #items: InboxItem[] = [];
  #head = 0;

  /** The array items are appended to (invariant 2); its length counts the items taken already too. */
  get items(): InboxItem[] {
    return this.#items;
  }

  /** True while an item waits. */
  get pending(): boolean {
    return this.#head < this.#items.length;
  }

  push(item: InboxItem): void {
    this.#items.push(item);
  }

  /** The next item; undefined when none waits. */
  shift(): InboxItem | undefined {
    const items = this.#items;
    if (this.#head === items.length) return undefined;
    const item = items[this.#head++]!;
    if (this.#head === items.length) {
      items.length = 0;
      this.#head = 0;
    }
    return item;
  }

  /** Every frame from the head on, up to the next message or tick, as one array (the caller's); undefined when the head is not a frame. */
  frames(): Uint8Array[] | undefined {
    const items = this.#items;
    const head = this.#head;
    const length = items.length;
    if (head === length || !(items[head] instanceof Uint8Array)) return undefined;
    let end = head + 1;
    while (end < length && items[end] instanceof Uint8Array) end++;
    if (head === 0 && end === length) {
      // The usual case, every item a frame of the last read: the array itself is handed over.
      this.#items = [];
      return items as Uint8Array[];
    }
    const frames = items.slice(head, end);
    this.#head = end;
    if (end === length) {
      items.length = 0;
      this.#head = 0;
    }
    return frames as Uint8Array[];
  }
}
