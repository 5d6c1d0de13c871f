/**
 * The connections under a reconnecting one ("legs"): which one the reader
 * reads, which one takes sends, and what their figures add up to.
 *
 * Invariants:
 * 1. The reader reads one leg at a time, in the order they were activated:
 *    every frame of a lost leg is handed out before any frame of the next.
 * 2. A leg is drained once the reader has had every frame it received: when
 *    its frames end for the reader, or at once if it is gone with none unread
 *    (a client that never reads holds no frames, and must not hold up the
 *    next leg).
 * 3. Only activated legs count in the figures, each once: live ones from
 *    their stats now, gone ones from their final stats.
 *
 * @module
 */
import type { FramedConnection } from "../connection/framed_connection.ts";
import type { ConnectionStats } from "../stats.ts";
import { NO_STATS, type StatsSums, sumStats } from "./_sum_stats.ts";

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** One underlying connection, and what the reconnecting one knows of it. */
export class Leg {
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

/** What the legs tell the reconnecting connection. */
export interface LegHost {
  /** `leg`'s socket closed; `wasLive`: it was the one taking sends. */
  gone(leg: Leg, stats: ConnectionStats, wasLive: boolean): void;
  /** The reader has had every frame of `leg`. */
  drained(leg: Leg): void;
  /** The reader has had the first frame of `leg`. */
  served(leg: Leg): void;
}

/** The legs of one reconnecting connection. */
export class Legs {
  readonly #host: LegHost;
  readonly #open = new Set<Leg>();
  #past: StatsSums = NO_STATS;
  #reading: Leg;
  #wakeReader: (() => void) | undefined;
  /** The leg sends go to; undefined while disconnected. */
  live: Leg | undefined;
  /** The leg activated last. */
  last: Leg;
  /** Legs activated so far, the first included. */
  activated = 0;

  /** `first` is activated at once. */
  constructor(first: FramedConnection, host: LegHost) {
    this.#host = host;
    this.#reading = this.last = this.adopt(first);
    this.activate(this.last);
  }

  /** Legs whose socket is not closed yet. */
  get open(): number {
    return this.#open.size;
  }

  /** Watches a new leg; it carries nothing until activated. */
  adopt(conn: FramedConnection): Leg {
    const leg = new Leg(conn);
    this.#open.add(leg);
    conn.finished.then((stats) => this.#gone(leg, stats));
    return leg;
  }

  /** `leg` takes sends and is read next (the previous one is drained). */
  activate(leg: Leg): void {
    leg.activated = true;
    this.live = this.#reading = this.last = leg;
    this.activated++;
    this.wakeReader();
  }

  /**
   * The next frame across legs for a loop (`for await`): undefined once
   * `ended()` and every frame was read. Replies the loop sends go out when it
   * asks for the next frame, as on any connection.
   */
  next(ended: () => boolean): Promise<IteratorResult<Uint8Array>> {
    const leg = this.#reading;
    return leg.frames.next().then((result) => {
      if (result.done) return this.#afterLeg(leg, ended).then((more) => more ? this.next(ended) : DONE);
      if (++leg.handed === 1) this.#host.served(leg);
      return result;
    });
  }

  /** The next frame across legs, one at a time (replies sent after it go out at once); undefined at the end. */
  async receive(ended: () => boolean): Promise<Uint8Array | undefined> {
    const leg = this.#reading;
    const frame = await leg.conn.receive();
    if (frame === undefined) return await this.#afterLeg(leg, ended) ? this.receive(ended) : undefined;
    if (++leg.handed === 1) this.#host.served(leg);
    return frame;
  }

  /** Stops a loop's reading: what it sent goes out now. */
  stop(): void {
    void this.#reading.frames.return?.();
  }

  /** `leg` has no more frames: it is drained. True once the next leg is activated, false at the end. */
  async #afterLeg(leg: Leg, ended: () => boolean): Promise<boolean> {
    leg.drained = true;
    this.#host.drained(leg);
    if (this.#reading !== leg) return true;
    if (ended()) return false;
    // Woken when the next leg is activated, or at the end.
    await new Promise<void>((resolve) => this.#wakeReader = resolve);
    return true;
  }

  /** Wakes a reader waiting for the next leg (it was activated, or the end came). */
  wakeReader(): void {
    const wake = this.#wakeReader;
    this.#wakeReader = undefined;
    wake?.();
  }

  /** The figures of every activated leg, added up. */
  sums(): StatsSums {
    let sums = this.#past;
    for (const leg of this.#open) if (leg.activated) sums = sumStats(sums, leg.conn.stats);
    return sums;
  }

  #gone(leg: Leg, stats: ConnectionStats): void {
    leg.final = stats;
    this.#open.delete(leg);
    if (leg.activated) {
      this.#past = sumStats(this.#past, stats);
      if (stats.framesIn === leg.handed) leg.drained = true;
    }
    const wasLive = leg === this.live;
    if (wasLive) this.live = undefined;
    this.#host.gone(leg, stats, wasLive);
  }
}
