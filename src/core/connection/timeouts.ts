/**
 * A connection's clocks, advanced by the server's shared ticker: the
 * first-frame and idle timeouts while it runs, and the close deadline once its
 * input has ended. Counted in ticks, so no clock is read per connection.
 *
 * Invariants:
 * 1. While input runs, `first-frame-timeout` once `firstFrameTimeout` seconds
 *    of ticks have passed with no frame, and `idle-timeout` once `idleTimeout`
 *    seconds of ticks have passed since the last complete frame (the first
 *    frame's timeout is decided first).
 * 2. Once input has ended only the close deadline counts, from that tick:
 *    `"force-close"` once `closeTimeout` seconds of ticks have passed.
 * 3. A timeout fires on the tick that reaches it: ticks are counted, not
 *    their seconds summed, so 10 ticks of 0.1 s reach 1 s.
 * 4. A timeout left undefined never fires.
 * 5. While the socket's TLS handshake runs, `tls-handshake-timeout` once
 *    `tlsHandshakeTimeout` seconds of ticks have passed since opening, before
 *    any other timeout is looked at.
 * 6. While input runs, `send-timeout` once the oldest waiting send has waited
 *    `sendTimeout` seconds of whole ticks (send_waits.ts); decided after the
 *    first-frame and idle timeouts.
 *
 * @module
 */
import { GuardError } from "../errors.ts";

/** The timeouts of one connection, in seconds; each is off when undefined. */
export interface TimeoutSettings {
  readonly idleTimeout?: number;
  readonly firstFrameTimeout?: number;
  readonly closeTimeout?: number;
  /** Seconds for a TLS socket's handshake to finish, counted from opening; off when undefined. */
  readonly tlsHandshakeTimeout?: number;
  /** Seconds the oldest waiting send may wait, in whole ticks; off when undefined. */
  readonly sendTimeout?: number;
}

/** What a tick decided: abort with a guard's error, force-close, or nothing. */
export type TimeoutVerdict = GuardError | "force-close" | undefined;

/** One connection's clocks. */
export class Timeouts {
  readonly #settings: TimeoutSettings;
  #ageTicks = 0;
  #closingTicks = 0;

  constructor(settings: TimeoutSettings) {
    this.#settings = settings;
  }

  /**
   * Advances the clocks by one tick of `seconds`.
   *
   * @param ended input has ended; from then on only the close deadline counts.
   * @param framesIn frames received so far.
   * @param idleTicks ticks since the last complete frame.
   * @param handshaking the socket's TLS handshake has not finished.
   * @param sendWaitTicks whole ticks the oldest waiting send has waited (0 when none waits).
   */
  tick(
    seconds: number,
    ended: boolean,
    framesIn: number,
    idleTicks: number,
    handshaking = false,
    sendWaitTicks = 0,
  ): TimeoutVerdict {
    const { idleTimeout, firstFrameTimeout, closeTimeout, tlsHandshakeTimeout, sendTimeout } = this.#settings;
    if (ended) {
      this.#closingTicks++;
      return closeTimeout !== undefined && reached(this.#closingTicks, seconds, closeTimeout)
        ? "force-close"
        : undefined;
    }
    this.#ageTicks++;
    if (handshaking && tlsHandshakeTimeout !== undefined && reached(this.#ageTicks, seconds, tlsHandshakeTimeout)) {
      return new GuardError(
        "tls-handshake-timeout",
        `no TLS handshake within ${tlsHandshakeTimeout} seconds`,
        tlsHandshakeTimeout,
      );
    }
    if (firstFrameTimeout !== undefined && framesIn === 0 && reached(this.#ageTicks, seconds, firstFrameTimeout)) {
      return new GuardError("first-frame-timeout", `no frame within ${firstFrameTimeout} seconds`, firstFrameTimeout);
    }
    if (idleTimeout !== undefined && reached(idleTicks, seconds, idleTimeout)) {
      return new GuardError("idle-timeout", `no frame for ${idleTimeout} seconds`, idleTimeout);
    }
    if (sendTimeout !== undefined && sendWaitTicks > 0 && reached(sendWaitTicks, seconds, sendTimeout)) {
      return new GuardError("send-timeout", `a send waited ${sendTimeout} seconds for the peer`, sendTimeout);
    }
    return undefined;
  }
}

// Ticks times their interval can fall a hair short of the limit they reach (3 × 0.3 = 0.8999999999999999, and
// ten 0.1 s summed are 0.9999999999999999): within a billionth of the limit counts as reached (invariant 3).
function reached(ticks: number, seconds: number, limit: number): boolean {
  return ticks * seconds >= limit * (1 - 1e-9);
}
