/**
 * The server's registry: open connections by id, counts per remote address,
 * and the server-wide counters (accepted, refused, closed by reason, dropped).
 *
 * Invariants:
 * 1. A connection is open, in `size` and in its address's count, from `add()`
 *    to its `remove()`; removing one that is not open changes nothing.
 * 2. `refusal()` refuses a new connection while `maxConnections` are open, or
 *    `maxPerAddress` from its address (its key: addresses of one prefix share
 *    one count), and counts each refusal by its reason.
 * 3. The server's figures are those of the ended connections plus the open
 *    ones: a connection's bytes and drops are counted once, open or ended.
 * 4. `empty()` settles once no connection is open (at once if none is).
 *
 * @module
 */
import type { FramedConnection } from "../connection/framed_connection.ts";
import type { CloseReason, RefusalReason } from "../errors.ts";
import type { ConnectionStats, ServerStats } from "../stats.ts";

/** The id of a server's first connection (a node of a cluster numbers from `node * NODE_ID_SPAN` plus this). */
export const FIRST_CONNECTION_ID = 1;

/** Open connections and the counters about them. */
export class Registry<C extends FramedConnection<unknown> = FramedConnection> {
  readonly #connections = new Map<number, C>();
  readonly #perAddress = new Map<string, number>();
  readonly #maxConnections: number;
  readonly #maxPerAddress: number;
  readonly #keyOf: (hostname: string) => string;
  readonly #closedByReason: Partial<Record<CloseReason, number>> = {};
  readonly #refused: Partial<Record<RefusalReason, number>> = {};
  #accepted = 0;
  #framesDropped = 0;
  #bytesIn = 0;
  #bytesOut = 0;
  #messagesDropped = 0;
  #whenEmpty: Array<() => void> = [];

  /** @param keyOf what counts as one address (address_key.ts); the hostname itself by default. */
  constructor(maxConnections: number, maxPerAddress: number, keyOf: (hostname: string) => string = (host) => host) {
    this.#maxConnections = maxConnections;
    this.#maxPerAddress = maxPerAddress;
    this.#keyOf = keyOf;
  }

  /** Open connections. */
  get size(): number {
    return this.#connections.size;
  }

  /**
   * Which limit a new connection from `hostname` would pass, counted as
   * refused; undefined when it may open. `waiting` sockets not yet
   * connections (in their PROXY header) count in the total; without a
   * hostname (not known yet) only the total is checked.
   */
  refusal(hostname: string | undefined, waiting = 0): RefusalReason | undefined {
    let reason: RefusalReason | undefined;
    if (this.#connections.size + waiting >= this.#maxConnections) reason = "max-connections";
    else if (
      hostname !== undefined && this.#maxPerAddress !== Infinity &&
      (this.#perAddress.get(this.#keyOf(hostname)) ?? 0) >= this.#maxPerAddress
    ) {
      reason = "max-connections-per-address";
    }
    return reason === undefined ? undefined : this.refuse(reason);
  }

  /** Counts a refusal decided elsewhere (a source that is not a trusted proxy), and returns its reason. */
  refuse(reason: RefusalReason): RefusalReason {
    this.#refused[reason] = (this.#refused[reason] ?? 0) + 1;
    return reason;
  }

  /** Registers an accepted connection (counted by address only under a per-address limit: no key work otherwise). */
  add(conn: C): void {
    this.#connections.set(conn.id, conn);
    this.#accepted++;
    if (this.#maxPerAddress === Infinity) return;
    const key = this.#keyOf(conn.remoteAddr.hostname);
    this.#perAddress.set(key, (this.#perAddress.get(key) ?? 0) + 1);
  }

  /** Removes an ended connection and counts its final stats. */
  remove(conn: Pick<C, "id" | "remoteAddr">, stats: ConnectionStats): void {
    if (!this.#connections.delete(conn.id)) return;
    if (this.#maxPerAddress !== Infinity) {
      const key = this.#keyOf(conn.remoteAddr.hostname);
      const left = (this.#perAddress.get(key) ?? 1) - 1;
      if (left === 0) this.#perAddress.delete(key);
      else this.#perAddress.set(key, left);
    }
    const reason = stats.closeReason ?? "closed";
    this.#closedByReason[reason] = (this.#closedByReason[reason] ?? 0) + 1;
    this.#framesDropped += stats.framesDropped;
    this.#bytesIn += stats.bytesIn;
    this.#bytesOut += stats.bytesOut;
    this.#messagesDropped += stats.messagesDropped;
    if (this.#connections.size === 0) { for (const resolve of this.#whenEmpty.splice(0)) resolve(); }
  }

  /** The connection with this id, if open. */
  get(id: number): C | undefined {
    return this.#connections.get(id);
  }

  /** The open connections. */
  values(): IterableIterator<C> {
    return this.#connections.values();
  }

  /** Settles once no connection is open. */
  empty(): Promise<void> {
    if (this.#connections.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#whenEmpty.push(resolve));
  }

  /** The server's figures now: ended connections plus the live ones (the accept loop's are the server's). */
  stats(): Omit<ServerStats, "acceptErrors" | "acceptPauses"> {
    let framesDropped = this.#framesDropped;
    let bytesIn = this.#bytesIn;
    let bytesOut = this.#bytesOut;
    let messagesDropped = this.#messagesDropped;
    for (const conn of this.#connections.values()) {
      const live = conn.stats;
      framesDropped += live.framesDropped;
      bytesIn += live.bytesIn;
      bytesOut += live.bytesOut;
      messagesDropped += live.messagesDropped;
    }
    return {
      accepted: this.#accepted,
      active: this.#connections.size,
      refused: { ...this.#refused },
      closedByReason: { ...this.#closedByReason },
      framesDropped,
      bytesIn,
      bytesOut,
      messagesDropped,
    };
  }
}
