/**
 * The open connections of each identity, for `maxSessionsPerIdentity`: a
 * login over the limit ends the oldest of that identity (`replaced`), the
 * newest device wins, as a player who moves from the phone to the tablet
 * expects.
 *
 * @module
 */
import { SessionError } from "../errors.ts";

/** A connection as the limit sees it. */
export interface Held {
  readonly finished: Promise<unknown>;
  abort(reason: unknown): void;
}

/** Connections by identity, oldest first. */
export class Identities {
  readonly #limit: number;
  readonly #byIdentity = new Map<string, Set<Held>>();
  /** Connections ended because a newer login replaced them. */
  replaced = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Connections of `identity` open now. */
  count(identity: string): number {
    return this.#byIdentity.get(identity)?.size ?? 0;
  }

  /** Adds a connection of `identity`; ends the oldest while there are more than the limit. */
  add(identity: string, conn: Held): void {
    let held = this.#byIdentity.get(identity);
    if (held === undefined) this.#byIdentity.set(identity, held = new Set());
    held.add(conn);
    for (const old of held) {
      if (held.size <= this.#limit) break;
      held.delete(old);
      this.replaced++;
      old.abort(new SessionError("replaced", "a newer login of the same identity took its place"));
    }
    conn.finished.then(() => {
      if (!held.delete(conn)) return;
      if (held.size === 0 && this.#byIdentity.get(identity) === held) this.#byIdentity.delete(identity);
    });
  }
}
