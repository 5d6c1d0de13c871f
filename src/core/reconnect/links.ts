/**
 * The connections under a reconnecting one ("links"): which one the reader
 * reads, which one takes sends, and what their figures add up to.
 *
 * Invariants:
 * 1. The reader reads one link at a time, in the order they were activated:
 *    every frame of a lost link is handed out before any frame of the next.
 * 2. A link is drained once the reader has had every frame it received: when
 *    its frames end for the reader, or at once if it is gone with none unread
 *    (a client that never reads holds no frames, and must not hold up the
 *    next link).
 * 3. Only activated links count in the figures, each once: live ones from
 *    their stats now, gone ones from their final stats.
 *
 * @module
 */
import type { FramedConnection } from "../connection/framed_connection.ts";
import type { ConnectionStats } from "../stats.ts";
import { NO_STATS, type StatsSums, sumStats } from "./_sum_stats.ts";

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** One underlying connection, and what the reconnecting one knows of it. */
export class Link {
  /** Frames handed to the reader so far. */
  handed = 0;
  /** True once it carries traffic: the reader reads it, sends go to it. */
  activated = false;
  /** Its final stats, once it is gone (socket closed). */
  final: ConnectionStats | undefined;
  /** True once the reader has had every frame it received. */
  drained = false;
  /** True once its loss was told. */
  told = false;
  #frames: AsyncIterator<Uint8Array> | undefined;

  constructor(readonly conn: FramedConnection) {}

  /** The frame iterator of its connection, made on first use. */
  get frames(): AsyncIterator<Uint8Array> {
    return this.#frames ??= this.conn[Symbol.asyncIterator]();
  }

  /** True once it is gone. */
  get lost(): boolean {
    return this.final !== undefined;
  }

  /** True once it is gone and drained: its loss may be told. */
  get done(): boolean {
    return this.final !== undefined && this.drained;
  }
}

/** What the links tell the reconnecting connection. */
export interface LinkHost {
  /** `link`'s socket closed; `wasLive`: it was the one taking sends. */
  gone(link: Link, stats: ConnectionStats, wasLive: boolean): void;
  /** The reader has had every frame of `link`. */
  drained(link: Link): void;
  /** The reader has had the first frame of `link`. */
  served(link: Link): void;
}

/** The links of one reconnecting connection. */
export class Links {
  readonly #host: LinkHost;
  readonly #open = new Set<Link>();
  #past: StatsSums = NO_STATS;
  #reading: Link;
  #wakeReader: (() => void) | undefined;
  /** The link sends go to; undefined while disconnected. */
  live: Link | undefined;
  /** The link activated last. */
  last: Link;
  /** Links activated so far, the first included. */
  activated = 0;

  /** `first` is activated at once. */
  constructor(first: FramedConnection, host: LinkHost) {
    this.#host = host;
    this.#reading = this.last = this.adopt(first);
    this.activate(this.last);
  }

  /** Links whose socket is not closed yet. */
  get open(): number {
    return this.#open.size;
  }

  /** Watches a new link; it carries nothing until activated. */
  adopt(conn: FramedConnection): Link {
    const link = new Link(conn);
    this.#open.add(link);
    conn.finished.then((stats) => this.#gone(link, stats));
    return link;
  }

  /** `link` takes sends and is read next (the previous one is drained). */
  activate(link: Link): void {
    link.activated = true;
    this.live = this.#reading = this.last = link;
    this.activated++;
    this.wakeReader();
  }

  /**
   * The next frame across links for a loop (`for await`): undefined once
   * `ended()` and every frame was read. Replies the loop sends go out when it
   * asks for the next frame, as on any connection.
   */
  next(ended: () => boolean): Promise<IteratorResult<Uint8Array>> {
    const link = this.#reading;
    return link.frames.next().then((result) => {
      if (result.done) return this.#afterLink(link, ended).then((more) => more ? this.next(ended) : DONE);
      if (++link.handed === 1) this.#host.served(link);
      return result;
    });
  }

  /** The next frame across links, one at a time (replies sent after it go out at once); undefined at the end. */
  async receive(ended: () => boolean): Promise<Uint8Array | undefined> {
    const link = this.#reading;
    const frame = await link.conn.receive();
    if (frame === undefined) return await this.#afterLink(link, ended) ? this.receive(ended) : undefined;
    if (++link.handed === 1) this.#host.served(link);
    return frame;
  }

  /** Stops a loop's reading: what it sent goes out now. */
  stop(): void {
    void this.#reading.frames.return?.();
  }

  /** `link` has no more frames: it is drained. True once the next link is activated, false at the end. */
  async #afterLink(link: Link, ended: () => boolean): Promise<boolean> {
    link.drained = true;
    this.#host.drained(link);
    if (this.#reading !== link) return true;
    if (ended()) return false;
    // Woken when the next link is activated, or at the end.
    await new Promise<void>((resolve) => this.#wakeReader = resolve);
    return true;
  }

  /** Wakes a reader waiting for the next link (it was activated, or the end came). */
  wakeReader(): void {
    const wake = this.#wakeReader;
    this.#wakeReader = undefined;
    wake?.();
  }

  /** The figures of every activated link, added up. */
  sums(): StatsSums {
    let sums = this.#past;
    for (const link of this.#open) if (link.activated) sums = sumStats(sums, link.conn.stats);
    return sums;
  }

  #gone(link: Link, stats: ConnectionStats): void {
    link.final = stats;
    this.#open.delete(link);
    if (link.activated) {
      this.#past = sumStats(this.#past, stats);
      if (stats.framesIn === link.handed) link.drained = true;
    }
    const wasLive = link === this.live;
    if (wasLive) this.live = undefined;
    this.#host.gone(link, stats, wasLive);
  }
}
