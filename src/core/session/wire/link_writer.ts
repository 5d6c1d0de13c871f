/**
 * The writing half of a session socket on its link now: the connection's
 * writes (empty frames escaped), the session's own control records between
 * them, and the write under way, which a lost link hands to its suspension.
 *
 * Invariants:
 * 1. A control record is written only between two frames (the out scanner
 *    is at a boundary), and only when no write is under way; one write at a
 *    time goes to the link (a chain).
 * 2. A write of an older link settles nothing once the link changed: its
 *    caller is the suspension's, and the new link settles it.
 * 3. While the session is suspended, control records are dropped (a new
 *    link starts its own); nothing is written once the session ended.
 *
 * @module
 */
import type { PacketSize } from "../../framing/length_prefixed.ts";
import type { RawSocket } from "../../../transport/types.ts";
import { concat, escapeEmpties, OutScanner } from "./session_wire.ts";
import type { WireState } from "./wire_in.ts";
import { type Resolvers, WriteChain } from "./write_chain.ts";

/** What the writer asks of its socket. */
export interface WriterOwner {
  /** The generation of the link now: a new link, a lost one, a released one each change it. */
  readonly gen: number;
  /** True once the session ended. */
  readonly ended: boolean;
  /** True while the link is lost and the session waits for a new one. */
  readonly suspended: boolean;
  /** The link of generation `gen` failed. */
  lost(gen: number, error: unknown): void;
}

/** Writes a session socket's bytes to its link. */
export class LinkWriter {
  readonly #owner: WriterOwner;
  readonly #out: OutScanner;
  #link: RawSocket;
  #chain: WriteChain;
  readonly #controls: Uint8Array[] = [];
  // The connection's write on the link now, until it settles.
  #inflight: Resolvers | undefined;

  constructor(link: RawSocket, packet: PacketSize, owner: WriterOwner) {
    this.#owner = owner;
    this.#out = new OutScanner(packet);
    this.#link = link;
    this.#chain = new WriteChain(link);
  }

  /** True between two frames of what was written. */
  get atBoundary(): boolean {
    return this.#out.atBoundary;
  }

  /** The bytes for the link of what the connection writes: empty frames escaped once the peer speaks the wire. */
  encode(data: Uint8Array, state: WireState): Uint8Array {
    // Followed even before a server knows whether the peer speaks the wire: a greeting may go out first.
    const empties = state === "plain" ? [] : this.#out.scan(data, true);
    return empties.length === 0 || state !== "wire" ? data : escapeEmpties(data, empties);
  }

  /** Writes now what the link takes at once (0 while anything queues); `taken(part)` is told what went. */
  tryWrite(data: Uint8Array, state: WireState, taken: (part: Uint8Array) => void): number {
    const link = this.#link;
    if (link.tryWrite === undefined || this.#chain.busy || this.#controls.length > 0 || this.#owner.suspended) {
      return 0;
    }
    if (state === "plain") return link.tryWrite(data);
    // An empty frame needs its byte: left to write(), which escapes.
    if (this.#out.scan(data, false).length > 0) return 0;
    const count = link.tryWrite(data);
    const part = count === data.length ? data : data.subarray(0, count);
    this.#out.scan(part, true);
    taken(part);
    return count;
  }

  /** Writes `bytes` after what queues, and settles `resolvers` when the link took them (invariant 2). */
  send(bytes: Uint8Array, resolvers: Resolvers): void {
    const owner = this.#owner;
    const gen = owner.gen;
    this.#inflight = resolvers;
    this.#chain.write(bytes).then(() => {
      // A lost link's write: the suspension took it over, and the new link settles it.
      if (gen !== owner.gen) return;
      this.#inflight = undefined;
      resolvers.resolve();
      this.flush();
    }, (error) => {
      if (gen !== owner.gen) return;
      owner.lost(gen, error);
      if (owner.suspended) return;
      this.#inflight = undefined;
      resolvers.reject(error);
    });
  }

  /** The write under way, handed to a suspension (the new link sends it again, then settles it). */
  takeInflight(): Resolvers | undefined {
    const inflight = this.#inflight;
    this.#inflight = undefined;
    return inflight;
  }

  /** Writes a control record now if it may (invariant 1), else after the write under way; `first`: before those queued. */
  control(record: Uint8Array, first = false): void {
    if (first) this.#controls.unshift(record);
    else this.#controls.push(record);
    this.flush();
  }

  /** Writes a record to the link after what queues, whatever comes of it. */
  record(record: Uint8Array): void {
    this.#chain.write(record).catch(() => {});
  }

  /** Writes the records that queue, if they may go now. */
  flush(): void {
    const controls = this.#controls;
    const owner = this.#owner;
    if (controls.length === 0 || this.#chain.busy || !this.#out.atBoundary || owner.ended) return;
    if (owner.suspended) return void (controls.length = 0);
    const bytes = controls.length === 1 ? controls[0]! : concat(controls);
    controls.length = 0;
    const taken = this.#link.tryWrite?.(bytes) ?? 0;
    if (taken === bytes.length) return;
    const gen = owner.gen;
    this.#chain.write(bytes.subarray(taken)).then(() => this.flush(), (error) => owner.lost(gen, error));
  }

  /** Writes `bye` and then closes the link: at once when the link takes it whole. */
  closeWith(bye: Uint8Array): void {
    const link = this.#link;
    const close = () => link.close();
    if (!this.#chain.busy && (link.tryWrite?.(bye) ?? 0) === bye.length) close();
    else this.#chain.write(bye).then(close, close);
  }

  /** A new link: its own chain, and no record of the old one's. */
  relink(link: RawSocket): void {
    this.#link = link;
    this.#chain = new WriteChain(link);
    this.#controls.length = 0;
  }
}
