/**
 * The options of `connect({ reconnect })`: the back-off, the retry limit,
 * what a send does while disconnected, and the hook that runs on every
 * reconnect.
 *
 * @module
 */
import { checkChoice, checkNumber, DEFAULT_MAX_FRAME_SIZE } from "../options.ts";
import type { Backoff } from "./backoff.ts";
import type { ReconnectHook } from "./reconnecting_connection.ts";

/** The default `baseDelay`, in seconds: the first retry waits up to this long. */
export const DEFAULT_BASE_DELAY = 0.1;

/** The default `maxDelay`, in seconds. */
export const DEFAULT_MAX_DELAY = 10;

/** The default `maxRetries`: with the default delays, about 21 seconds of retries on average, 43 at most. */
export const DEFAULT_MAX_RETRIES = 10;

/** The default `maxWaitingBytes`: one frame of the default `maxFrameSize`, or thousands of small ones. */
export const DEFAULT_MAX_WAITING_BYTES: number = DEFAULT_MAX_FRAME_SIZE;

/**
 * Options of `connect({ reconnect })`. Every field is optional; `reconnect: true` takes the defaults.
 *
 * @example Retry fast a few times, fail sends at once while disconnected, log in on every reconnect
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ReconnectOptions } from "spawnkit";
 * const logins: number[] = [];
 * const reconnect: ReconnectOptions = {
 *   baseDelay: 0.05,
 *   maxDelay: 2,
 *   maxRetries: 5,
 *   whileDisconnected: "fail",
 *   onReconnect: (_conn, info) => void logins.push(info.reconnects),
 * };
 * assert.equal(reconnect.maxRetries, 5);
 * ```
 */
export interface ReconnectOptions {
  /** Seconds: retry n waits a random time up to `baseDelay * 2^n` (full jitter). @default {0.1} */
  baseDelay?: number;
  /** Seconds: no wait between retries is longer. @default {10} */
  maxDelay?: number;
  /**
   * Retries in a row after which the client gives up: it ends with a
   * `ReconnectFailedError`, and every send still waiting rejects with it.
   * Dials that fail count, and so do connections that are lost before they
   * prove the server serves: the count starts again once a new connection,
   * its hook finished, receives a frame (or stays up `maxDelay` seconds).
   * @default {10}
   */
  maxRetries?: number;
  /**
   * What `send()` does while no connection is up: `"wait"` for the next one
   * (within `maxWaitingBytes`, and until the send's own `signal` aborts), or
   * `"fail"` at once with a `DisconnectedError`. @default {"wait"}
   */
  whileDisconnected?: "wait" | "fail";
  /**
   * Bytes of frames (headers included) that may wait for a connection; a
   * send beyond them fails with a `DisconnectedError` (`queueFull`). One
   * frame larger than this may still wait alone. @default {262144}
   */
  maxWaitingBytes?: number;
  /**
   * Runs on every new connection after a loss (not on the first: `connect()`
   * returns that one), before the frames that waited meanwhile go out: log
   * in and rejoin rooms here. Sends made while it runs go out at once. Its
   * promise is awaited; a hook that throws counts as a failed attempt (the
   * connection is closed, the back-off goes on), and one still running when
   * the new connection is lost is left behind (give its calls `info.signal`).
   */
  onReconnect?: ReconnectHook;
  /** Where the jitter comes from: a number in [0, 1). A fixed one makes the delays exact (tests). @default {Math.random} */
  random?: () => number;
}

/** The reconnect options, checked, with the defaults applied. */
export interface ReconnectSettings extends Backoff {
  readonly maxRetries: number;
  readonly whileDisconnected: "wait" | "fail";
  readonly maxWaitingBytes: number;
  readonly onReconnect: ReconnectHook | undefined;
  readonly random: () => number;
}

/**
 * Checks the options of `connect({ reconnect })` and applies the defaults.
 *
 * @throws {RangeError} a bad number (`maxDelay: 0`, `maxRetries: 1.5`).
 * @throws {TypeError} a bad `whileDisconnected`, or an `onReconnect` or `random` that is not a function.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reconnectSettingsOf } from "./reconnect_options.ts";
 * assert.equal(reconnectSettingsOf(true).maxDelay, 10);
 * assert.throws(() => reconnectSettingsOf({ baseDelay: 0 }), RangeError);
 * ```
 */
export function reconnectSettingsOf(options: ReconnectOptions | true): ReconnectSettings {
  const given: ReconnectOptions = options === true ? {} : options;
  for (const name of ["onReconnect", "random"] as const) {
    if (given[name] !== undefined && typeof given[name] !== "function") {
      throw new TypeError(`Cannot use ${name}: must be a function`);
    }
  }
  return {
    baseDelay: checkNumber("baseDelay", given.baseDelay) ?? DEFAULT_BASE_DELAY,
    maxDelay: checkNumber("maxDelay", given.maxDelay) ?? DEFAULT_MAX_DELAY,
    maxRetries: checkNumber("maxRetries", given.maxRetries) ?? DEFAULT_MAX_RETRIES,
    whileDisconnected: checkChoice("whileDisconnected", given.whileDisconnected),
    maxWaitingBytes: checkNumber("maxWaitingBytes", given.maxWaitingBytes) ?? DEFAULT_MAX_WAITING_BYTES,
    onReconnect: given.onReconnect,
    random: given.random ?? Math.random,
  };
}
