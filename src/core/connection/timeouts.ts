/**
 * A connection's clocks, advanced by the server's shared ticker: the
 * first-frame and idle timeouts while it runs, and the close deadline once its
 * input has ended. Counted in ticks, so no clock is read per connection.
 *
 * @module
 */
import { GuardError } from "../errors.ts";

/** The timeouts of one connection, in seconds; each is off when undefined. */
export interface TimeoutSettings {
  readonly idleTimeout?: number;
  readonly firstFrameTimeout?: number;
  readonly closeTimeout?: number;
}

/** What a tick decided: abort with a guard's error, force-close, or nothing. */
export type TimeoutVerdict = GuardError | "force-close" | undefined;

/** One connection's clocks. */
export class Timeouts {
  readonly #settings: TimeoutSettings;
  #age = 0;
  #closing = 0;

  constructor(settings: TimeoutSettings) {
    this.#settings = settings;
  }

  /**
   * Advances the clocks by one tick of `seconds`.
   *
   * @param ended input has ended; from then on only the close deadline counts.
   * @param framesIn frames received so far.
   * @param idleTicks ticks since the last complete frame.
   */
  tick(seconds: number, ended: boolean, framesIn: number, idleTicks: number): TimeoutVerdict {
    const { idleTimeout, firstFrameTimeout, closeTimeout } = this.#settings;
    if (ended) {
      this.#closing += seconds;
      return this.#closing >= (closeTimeout ?? Infinity) ? "force-close" : undefined;
    }
    this.#age += seconds;
    if (firstFrameTimeout !== undefined && framesIn === 0 && this.#age >= firstFrameTimeout) {
      return new GuardError("first-frame-timeout", `no frame within ${firstFrameTimeout} seconds`, firstFrameTimeout);
    }
    if (idleTimeout !== undefined && idleTicks * seconds >= idleTimeout) {
      return new GuardError("idle-timeout", `no frame for ${idleTimeout} seconds`, idleTimeout);
    }
    return undefined;
  }
}
