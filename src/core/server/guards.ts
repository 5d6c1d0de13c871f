/**
 * The guards' options: the original's timer and DoS checker, plus the limits
 * ranch and Netty users rely on. All are off unless set, but `sendTimeout`
 * (on at 30 seconds, as ranch's). The rate limits'
 * options and their buckets live in connection/rate_limit.ts, the per
 * connection clocks in connection/timeouts.ts, the slow-consumer policy in
 * broadcast.ts; this file gathers and checks the options.
 *
 * @module
 */
import { checkChoice, checkNumber } from "../options.ts";
import { type RateLimitOptions, type RateLimitPlan, rateLimitsOf } from "../connection/rate_limit.ts";
import { addressKeyOf, type AddressPrefix } from "./address_key.ts";

/** Seconds a send may wait for a peer that takes nothing: ranch's `send_timeout`. */
export const DEFAULT_SEND_TIMEOUT = 30;

/** The default `tickInterval`, in seconds: the ticker's resolution, and so every timeout's. */
export const DEFAULT_TICK_INTERVAL = 1;

/** The default `closeTimeout`, in seconds: how long an ended connection's handler or outbox may hold it. */
export const DEFAULT_CLOSE_TIMEOUT = 5;

const offAtZero = (seconds: number): number | undefined => seconds === 0 ? undefined : seconds;

/** Options of the guards, part of `ServeOptions`. */
export interface GuardOptions extends RateLimitOptions {
  /** Seconds without a complete frame before a connection is closed (`idle-timeout`). Covers a stalled half header. @default {undefined} off */
  idleTimeout?: number;
  /** Seconds for a new connection to complete its first frame (`first-frame-timeout`). @default {undefined} off */
  firstFrameTimeout?: number;
  /** Open connections in total; one more is closed at once and counted. @default {undefined} no limit */
  maxConnections?: number;
  /** Open connections from one remote address (see `addressPrefix`); one more is closed at once and counted. @default {undefined} no limit */
  maxConnectionsPerAddress?: number;
  /**
   * What `maxConnectionsPerAddress` counts as one address: addresses that share
   * their first `ipv4` or `ipv6` bits share one count (one IPv6 host usually
   * holds a whole /64). @default {{ ipv4: 32, ipv6: 64 }} bits
   */
  addressPrefix?: AddressPrefix;
  /** A frame payload sent to a connection refused by a limit, just before it is closed. @default {undefined} none */
  goodbye?: Uint8Array;
  /** A broadcast to a connection whose outbox is over its high-water mark: `"disconnect"` it (`slow-consumer`), or `"drop"` the frame and count it. @default {"disconnect"} */
  slowConsumer?: "disconnect" | "drop";
  /** Seconds between ticks of the shared ticker. @default {1} */
  tickInterval?: number;
  /**
   * Seconds from the end of a connection's input (peer closed, a guard, `close()`)
   * until it is force-closed if its handler or outbox still hold it (a peer that
   * reads nothing, say). Counted in ticks. @default {5}
   */
  closeTimeout?: number;
  /**
   * Seconds for a TLS connection's handshake to finish, from its accept; one that does not is closed
   * (`tls-handshake-timeout`, counted in `server.stats.closedByReason`). Applies only with `tls`; counted in
   * ticks. @default {10}
   */
  tlsHandshakeTimeout?: number;
  /**
   * Seconds a `send()` (or `flush()`) may wait for a peer that takes nothing
   * (a receive window of zero) before the connection is closed (`send-timeout`),
   * as ranch's `send_timeout` with `send_timeout_close`. Counted in whole ticks.
   * `0` turns it off. @default {30}
   */
  sendTimeout?: number;
}

/** The default `tlsHandshakeTimeout`, in seconds (node:tls's own is 120; a public port wants less). */
export const DEFAULT_TLS_HANDSHAKE_TIMEOUT = 10;

/** Guard options checked, with defaults applied. */
export interface Guards {
  readonly idleTimeout: number | undefined;
  readonly firstFrameTimeout: number | undefined;
  /** Makes each connection's rate budget; undefined when no rate limit is set. */
  readonly rateLimits: RateLimitPlan | undefined;
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
  /** The key a remote address is counted under for `maxConnectionsPerAddress`. */
  readonly addressKey: (hostname: string) => string;
  readonly goodbye: Uint8Array | undefined;
  readonly slowConsumer: "disconnect" | "drop";
  readonly tickInterval: number;
  readonly closeTimeout: number;
  readonly tlsHandshakeTimeout: number;
  /** Undefined when off (`sendTimeout: 0`). */
  readonly sendTimeout: number | undefined;
}

/**
 * Checks the guard options and applies defaults.
 *
 * @throws {RangeError} a limit that is not a positive number (an integer, for counts), as `options.ts` says.
 * @throws {TypeError} a policy that is not one of its choices.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { guardsOf } from "./guards.ts";
 * const guards = guardsOf({ idleTimeout: 30 });
 * assert.equal(guards.tickInterval, 1);
 * assert.equal(guards.slowConsumer, "disconnect");
 * assert.equal(guards.rateLimits, undefined);
 * assert.equal(guards.sendTimeout, 30, "on by default, as ranch's send_timeout");
 * assert.equal(guardsOf({ sendTimeout: 0 }).sendTimeout, undefined, "0 turns it off");
 * ```
 */
export function guardsOf(options: GuardOptions): Guards {
  return {
    idleTimeout: checkNumber("idleTimeout", options.idleTimeout),
    firstFrameTimeout: checkNumber("firstFrameTimeout", options.firstFrameTimeout),
    rateLimits: rateLimitsOf(options),
    maxConnections: checkNumber("maxConnections", options.maxConnections) ?? Infinity,
    maxConnectionsPerAddress: checkNumber("maxConnectionsPerAddress", options.maxConnectionsPerAddress) ?? Infinity,
    addressKey: addressKeyOf(options.addressPrefix),
    goodbye: options.goodbye,
    slowConsumer: checkChoice("slowConsumer", options.slowConsumer),
    tickInterval: checkNumber("tickInterval", options.tickInterval) ?? DEFAULT_TICK_INTERVAL,
    closeTimeout: checkNumber("closeTimeout", options.closeTimeout) ?? DEFAULT_CLOSE_TIMEOUT,
    tlsHandshakeTimeout: checkNumber("tlsHandshakeTimeout", options.tlsHandshakeTimeout) ??
      DEFAULT_TLS_HANDSHAKE_TIMEOUT,
    sendTimeout: offAtZero(checkNumber("sendTimeout", options.sendTimeout) ?? DEFAULT_SEND_TIMEOUT),
  };
}
