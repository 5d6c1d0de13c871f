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

  constructor(readonly conn: FramedConnection) {}

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

  /** The next frame across links; undefined once `ended()` and every frame was read. */
  async receive(ended: () => boolean): Promise<Uint8Array | undefined> {
    while (true) {
      const link = this.#reading;
      const frame = await link.conn.receive();
      if (frame !== undefined) {
        if (++link.handed === 1) this.#host.served(link);
        return frame;
      }
      link.drained = true;
      this.#host.drained(link);
      if (this.#reading !== link) continue;
      if (ended()) return undefined;
      // Woken when the next link is activated, or at the end.
      await new Promise<void>((resolve) => this.#wakeReader = resolve);
    }
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
