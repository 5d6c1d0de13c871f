/**
 * A connection's mailbox: what the server posts to it and the ticks of its
 * ticker, boxed as they wait in the inbox's queue among the frames
 * (inbox.ts), and their counts: at most `mailboxCapacity` messages and one
 * tick wait at a time; a message that finds the mailbox full, or no taker
 * once handed out, is counted as dropped.
 *
 * @module
 */

/** A message posted by the server, as queued. */
export class Posted {
  constructor(readonly message: unknown) {}
}

/** A tick of the server's shared ticker, as queued. */
export class Tick {
  constructor(readonly idleSeconds: number) {}
}

/** What the queue holds: frames as they are, messages and ticks boxed. */
export type InboxItem = Uint8Array | Posted | Tick;

/** The counts of one connection's mailbox. */
export class Mailbox {
  readonly #capacity: number;
  #queued = 0;
  /** True while a tick waits in the queue. */
  tickQueued = false;
  /** Messages handed out. */
  messagesIn = 0;
  /** Messages dropped: a full mailbox, an ended input, no taker. */
  messagesDropped = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Boxes `message` if the mailbox has room and input is `open`; else counts it as dropped. */
  admit(message: unknown, open: boolean): Posted | undefined {
    if (!open || this.#queued >= this.#capacity) {
      this.messagesDropped++;
      return undefined;
    }
    this.#queued++;
    return new Posted(message);
  }

  /** A message or a tick left the queue. */
  taken(item: Posted | Tick): void {
    if (item instanceof Posted) {
      this.#queued--;
      this.messagesIn++;
    } else this.tickQueued = false;
  }

  /** A message handed out found no taker: counted as dropped, not as delivered. */
  dropDelivered(): void {
    this.messagesIn--;
    this.messagesDropped++;
  }
}
