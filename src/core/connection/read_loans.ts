/**
 * The frames a connection lends: the end of their lifetime, and what it
 * frees. Frames handed to callbacks and `batches()` are borrowed (docs/handlers.md,
 * "Borrowed frames"): valid until the callback returns or its promise settles,
 * or until the next batch is asked for. The inbox (inbox.ts) says when that is,
 * as it starts the next read: every frame of the reads before has been handled
 * by then. Then the read buffer is handed back to the socket to read into
 * again (`RawSocket.reuse`, Deno: the raw server's one buffer), the bytes of an
 * unfinished frame moved to its front; and, under `debugBorrowedFrames`, every
 * frame lent is filled with {@linkcode POISON} so that a handler that kept one
 * sees it at once.
 *
 * Invariants:
 * 1. A frame handed out owned (the `for await` loop, `receive()`, `events()`,
 *    `readable`) is never reused or poisoned: once one is, the connection's
 *    read buffers are the caller's for good, as before.
 * 2. Bytes a write still reads where they are (an owned send, `sendOwned`)
 *    are neither reused nor poisoned until it settled (`holds`).
 * 3. Poisoning only under the debug switch; what waits for a write is
 *    poisoned at a later end, and at most {@linkcode MAX_WAITING} frames wait.
 *
 * @module
 */
import { FrameDecoder } from "../framing/frame_decoder.ts";
import type { WireDecoder } from "../framing/wire_format.ts";
import type { RawSocket, ReadHolds } from "../../transport/types.ts";

/** The byte a borrowed frame is filled with once its lifetime ended, under `debugBorrowedFrames` (0xDB, "dead borrow"). */
export const POISON = 0xdb;

// Frames lent and still read by a write, waiting to be poisoned: beyond this many the oldest go unpoisoned.
const MAX_WAITING = 4096;

/** The loans of a connection that reads `socket` through `decoder`; undefined for a wire format's own decoder. */
export function loansOf(
  socket: RawSocket,
  decoder: WireDecoder,
  outbox: ReadHolds,
  poison: boolean,
): ReadLoans | undefined {
  return decoder instanceof FrameDecoder ? new ReadLoans(socket, decoder, outbox, poison) : undefined;
}

/** The frames one connection lends, and the memory their lifetime frees; it says what a write still reads. */
export class ReadLoans implements ReadHolds {
  readonly #socket: RawSocket;
  readonly #decoder: FrameDecoder;
  readonly #outbox: ReadHolds;
  /** The connection's sender, once made: a send waiting for room may hold bytes where they were read. */
  sender: { readonly waiting: number } | undefined;
  // Under the debug switch: the frames lent since the last end, and those a write still read then.
  readonly #lent: Uint8Array[] | undefined;
  #owned = false;

  /** Lends `decoder`'s frames read from `socket`; `outbox` says what its writes still read; `poison` is the debug switch. */
  constructor(socket: RawSocket, decoder: FrameDecoder, outbox: ReadHolds, poison: boolean) {
    this.#socket = socket;
    this.#decoder = decoder;
    this.#outbox = outbox;
    this.#lent = poison ? [] : undefined;
  }

  /** The frames `queue[from..]` were just decoded: kept to be poisoned under the debug switch. */
  decoded(queue: readonly unknown[], from: number): void {
    const lent = this.#lent;
    if (lent === undefined || this.#owned) return;
    for (let i = from; i < queue.length; i++) lent.push(queue[i] as Uint8Array);
  }

  /** A frame was handed out owned: nothing read is reused or poisoned from now on (invariant 1). */
  owned(): void {
    if (this.#owned) return;
    this.#owned = true;
    if (this.#lent !== undefined) this.#lent.length = 0;
  }

  /** The lifetime of every frame lent so far has ended (the next read starts): poisons them, reuses the buffer. */
  ended(): void {
    if (this.#owned) return;
    const lent = this.#lent;
    if (lent !== undefined && lent.length > 0) this.#poison(lent);
    const decoder = this.#decoder;
    decoder.recycle(this);
    const socket = this.#socket;
    if (socket.reuse === undefined) return;
    const keep = decoder.kept;
    if (keep === undefined) return;
    const moved = socket.reuse(keep, this);
    if (moved !== undefined && keep.length > 0) decoder.moved(moved);
  }

  /** True while a write still reads some of `bytes` (invariant 2): the outbox's, or a send waiting for room. */
  holds(bytes: Uint8Array): boolean {
    return this.#outbox.holds(bytes) || (this.sender?.waiting ?? 0) > 0;
  }

  /** The connection is idle: memory kept for the next reads (a spare read buffer, a frame's) goes. */
  trim(): void {
    if (this.#owned) return;
    this.#socket.trim?.();
    this.#decoder.recycle(this, true);
  }

  #poison(lent: Uint8Array[]): void {
    let waiting = 0;
    for (const frame of lent) {
      if (this.holds(frame)) lent[waiting++] = frame;
      else frame.fill(POISON);
    }
    // Bounded: the oldest that still wait go unpoisoned.
    if (waiting > MAX_WAITING) lent.splice(0, waiting - MAX_WAITING);
    lent.length = Math.min(waiting, MAX_WAITING);
  }
}
