/**
 * The loops a handler reads its connection with, all over the one inbox
 * queue: frames one at a time or a read's frames at once (messages go to a
 * callback), or every event in one stream (the Erlang receive-loop shape).
 * The callback shape is in callbacks.ts.
 *
 * @module
 */
import type { Inbox } from "./inbox.ts";
import { type InboxItem, Posted } from "./mailbox.ts";

/**
 * One event of the merged loop: a frame, a message posted to the connection
 * (of the server's `Message` type), or a tick of the server's ticker.
 */
export type ConnectionEvent<Message = unknown> =
  | { readonly type: "frame"; readonly frame: Uint8Array }
  | { readonly type: "message"; readonly message: Message }
  | { readonly type: "tick"; readonly idleSeconds: number };

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * Frames in arrival order. A message met on the way goes to `onMessage`, a
 * tick is skipped. `stop` runs when the loop breaks out.
 */
export function frameIterator(
  inbox: Inbox,
  onMessage: (message: unknown) => Promise<void>,
  stop: () => void,
): AsyncIterator<Uint8Array> {
  // The fast path hands out a queued frame with no async function in between.
  const slow = async (first: InboxItem | undefined): Promise<IteratorResult<Uint8Array>> => {
    let item = first;
    while (true) {
      item ??= await inbox.next();
      if (item === undefined) return DONE;
      if (item instanceof Uint8Array) return { done: false, value: item };
      if (item instanceof Posted) await onMessage(item.message);
      item = inbox.take();
    }
  };
  return {
    next: () => {
      const item = inbox.take();
      if (item instanceof Uint8Array) return Promise.resolve({ done: false, value: item });
      if (item !== undefined || inbox.done) return slow(item);
      // Nothing queued: the read that brings the next frame resolves this promise itself.
      return new Promise((resolve) =>
        inbox.park(() => {
          const next = inbox.take();
          resolve(next instanceof Uint8Array ? { done: false, value: next } : slow(next));
        })
      );
    },
    return: () => {
      stop();
      return Promise.resolve(DONE);
    },
  };
}

/**
 * The frames of each read at once, in arrival order: one array per read (or
 * per run of frames between posted messages), so a loop pays one promise per
 * read rather than per frame. A message met on the way goes to `onMessage`, a
 * tick is skipped. `stop` runs when the loop breaks out.
 */
export function batchIterator(
  inbox: Inbox,
  onMessage: (message: unknown) => Promise<void>,
  stop: () => void,
): AsyncIterableIterator<Uint8Array[]> {
  const wait = (resolve: () => void) => inbox.park(resolve);
  const next = async (): Promise<IteratorResult<Uint8Array[]>> => {
    while (true) {
      // Lent: valid until the next batch is asked for (read_loans.ts).
      const frames = inbox.takeFrames(true);
      if (frames !== undefined) return { done: false, value: frames };
      const item = inbox.take();
      if (item instanceof Posted) await onMessage(item.message);
      else if (item === undefined) {
        if (inbox.done) return DONE;
        await new Promise<void>(wait);
      }
    }
  };
  const iterator: AsyncIterableIterator<Uint8Array[]> = {
    next,
    return: () => {
      stop();
      return Promise.resolve(DONE);
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/** Every event in arrival order; `stop` runs when the loop ends or breaks out. */
export async function* eventStream<Message>(
  inbox: Inbox,
  stop: () => void,
): AsyncGenerator<ConnectionEvent<Message>, void, undefined> {
  try {
    while (true) {
      const item = inbox.take() ?? await inbox.next();
      if (item === undefined) return;
      if (item instanceof Uint8Array) yield { type: "frame", frame: item };
      else if (item instanceof Posted) yield { type: "message", message: item.message as Message };
      else yield { type: "tick", idleSeconds: item.idleSeconds };
    }
  } finally {
    stop();
  }
}
