/**
 * The link a session socket speaks over now, and its generation: one read
 * kept pending on it, the writing half (link_writer.ts), and the moves from
 * one link to the next (cut when lost, taken over by a new one, released to
 * another session).
 *
 * Invariants:
 * 1. Each link has its generation, changed by every move: what an older
 *    link's read or write settles afterwards is dropped here, never told.
 * 2. One read at most is pending on the link, and one is kept pending while
 *    the socket holds no chunk and the session is neither ended nor
 *    suspended: pings are answered while the handler is busy, and flow
 *    control still holds (a held chunk stops the reading).
 *
 * @module
 */
import type { PacketSize } from "../../framing/length_prefixed.ts";
import type { RawSocket } from "../../../transport/types.ts";
import { LinkWriter, type WriterOwner } from "./link_writer.ts";
import type { ReadSlot } from "./read_slot.ts";

/** What the link tells its socket. */
export interface LinkOwner {
  /** True while the link is lost and the session waits for a new one. */
  suspended(): boolean;
  /** What the link now read (null: it ended). */
  chunk(gen: number, chunk: Uint8Array | null): void;
  /** The link of generation `gen` failed. */
  lost(gen: number, error: unknown): void;
}

/** A session socket's link now. */
export class LinkIo implements WriterOwner {
  readonly writer: LinkWriter;
  readonly #reads: ReadSlot;
  readonly #owner: LinkOwner;
  #link: RawSocket;
  #gen = 0;
  #reading = false;

  /** `reads`: the socket's, whose held chunk stops the reading and whose end stops everything. */
  constructor(link: RawSocket, packet: PacketSize, reads: ReadSlot, owner: LinkOwner) {
    this.#link = link;
    this.#reads = reads;
    this.#owner = owner;
    this.writer = new LinkWriter(link, packet, this);
  }

  /** The link now. */
  get link(): RawSocket {
    return this.#link;
  }

  /** The generation of the link now (invariant 1). */
  get gen(): number {
    return this.#gen;
  }

  /** True while a read is pending on the link: the session is listening. */
  get reading(): boolean {
    return this.#reading;
  }

  get ended(): boolean {
    return this.#reads.ended;
  }

  get suspended(): boolean {
    return this.#owner.suspended();
  }

  lost(gen: number, error: unknown): void {
    this.#owner.lost(gen, error);
  }

  /** Keeps one read pending on the link (invariant 2). */
  pump(): void {
    const reads = this.#reads;
    if (this.#reading || reads.holding || reads.ended || this.#owner.suspended()) return;
    this.#reading = true;
    const gen = this.#gen;
    this.#link.read().then((chunk) => {
      if (gen !== this.#gen || reads.ended) return;
      this.#reading = false;
      this.#owner.chunk(gen, chunk);
    }, (error) => {
      if (gen !== this.#gen) return;
      this.#reading = false;
      this.#owner.lost(gen, error);
    });
  }

  /** The link is lost: closed, and nothing of it heard any more. */
  cut(): void {
    this.#gen++;
    this.#reading = false;
    this.#link.close();
  }

  /** A new link takes over. */
  switchTo(link: RawSocket): void {
    this.#gen++;
    this.#link = link;
    this.writer.relink(link);
    this.#reading = false;
  }

  /** The link goes to another session: nothing of it is this socket's any more. */
  release(): RawSocket {
    this.#gen++;
    return this.#link;
  }
}
