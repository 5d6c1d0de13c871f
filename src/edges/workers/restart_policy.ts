/**
 * When a worker that died is started again: Erlang's one_for_one with an
 * intensity limit, plus a back-off. More than `maxRestarts` restarts within
 * `restartPeriod` seconds stop the whole set; each restart of the same worker
 * within the period waits twice as long as the one before it.
 *
 * @module
 */

/** The default `maxRestarts`. */
export const DEFAULT_MAX_RESTARTS = 5;
/** The default `restartPeriod`, in seconds. */
export const DEFAULT_RESTART_PERIOD = 10;
/** The default `restartBackoff`, in seconds. */
export const DEFAULT_RESTART_BACKOFF = 0.1;

/** The restart options of `serveWorkers()`. */
export interface RestartOptions {
  /** Restarts allowed within `restartPeriod`; one more stops the set (Erlang's intensity). @default {5} */
  maxRestarts?: number;
  /** Seconds over which restarts are counted (Erlang's period). @default {10} */
  restartPeriod?: number;
  /**
   * Seconds before the first restart of a worker; each further restart of it
   * within the period waits twice as long, up to the period divided by
   * `maxRestarts + 1` (so that a worker that cannot start still trips the limit).
   * @default {0.1}
   */
  restartBackoff?: number;
}

/** What to do about a worker that died. */
export type RestartVerdict =
  | { readonly restart: true; readonly delayMs: number }
  | { readonly restart: false; readonly restarts: number };

/** The restarts of one set of workers, by time. */
export class RestartPolicy {
  readonly #max: number;
  readonly #periodMs: number;
  readonly #backoffMs: number;
  readonly #capMs: number;
  // Times of the restarts within the period, all workers, and per worker.
  #times: number[] = [];
  readonly #byWorker = new Map<number, number[]>();

  constructor(maxRestarts: number, restartPeriod: number, restartBackoff: number) {
    this.#max = maxRestarts;
    this.#periodMs = restartPeriod * 1000;
    this.#backoffMs = restartBackoff * 1000;
    this.#capMs = this.#periodMs / (maxRestarts + 1);
  }

  /**
   * Worker `index` died at `now` (ms): restart it after `delayMs`, or stop
   * the set (one restart more than the limit within the period).
   */
  died(index: number, now: number): RestartVerdict {
    const since = now - this.#periodMs;
    this.#times = this.#times.filter((time) => time > since);
    if (this.#times.length >= this.#max) return { restart: false, restarts: this.#times.length + 1 };
    this.#times.push(now);
    const own = (this.#byWorker.get(index) ?? []).filter((time) => time > since);
    own.push(now);
    this.#byWorker.set(index, own);
    return { restart: true, delayMs: Math.min(this.#backoffMs * 2 ** (own.length - 1), this.#capMs) };
  }
}
