/**
 * How a connection ends: the first reason recorded, the signal that tells the
 * handler, and the `finished` promise. Each part is made only when someone
 * looks (most handlers never read `signal` or `finished`, and an
 * AbortController or a promise costs at every accept).
 *
 * Invariants:
 * 1. The first close reason recorded is the one reported.
 * 2. The signal aborts once: when input ends, or when the server's shutdown
 *    begins, whichever comes first; a signal made later is born aborted.
 * 3. `finished` settles exactly once, with the final stats.
 *
 * @module
 */
import { type CloseReason, ConnectionClosedError } from "../errors.ts";
import type { ConnectionStats } from "../stats.ts";

/** The end of one connection. */
export class Lifecycle {
  #controller: AbortController | undefined;
  #shutdownReason: unknown;
  #reason: CloseReason | undefined;
  #error: unknown;
  #finished: Promise<ConnectionStats> | undefined;
  #settle: ((stats: ConnectionStats) => void) | undefined;
  #final: ConnectionStats | undefined;

  /** Why input ended; undefined while it runs. */
  get reason(): CloseReason | undefined {
    return this.#reason;
  }

  /** The error behind the reason, if any. */
  get error(): unknown {
    return this.#error;
  }

  /** The connection's signal (see invariant 2). */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#abortReason());
      else if (this.#shutdownReason !== undefined) this.#controller.abort(this.#shutdownReason);
    }
    return this.#controller.signal;
  }

  /** Settles with the final stats. */
  get finished(): Promise<ConnectionStats> {
    if (this.#finished === undefined) {
      const final = this.#final;
      this.#finished = final !== undefined ? Promise.resolve(final) : new Promise((resolve) => this.#settle = resolve);
    }
    return this.#finished;
  }

  /** Input ended: records the reason (the first wins) and aborts the signal. */
  ended(reason: CloseReason, error?: unknown): void {
    if (this.#reason === undefined) {
      this.#reason = reason;
      this.#error = error;
    }
    // The reason is made only for a signal someone holds: an Error with its stack costs.
    const controller = this.#controller;
    if (controller !== undefined && !controller.signal.aborted) controller.abort(this.#abortReason());
  }

  /** The server's shutdown began: the signal aborts with `reason` now, though input goes on. */
  shuttingDown(reason: unknown): void {
    this.#shutdownReason ??= reason;
    const controller = this.#controller;
    if (controller !== undefined && !controller.signal.aborted) controller.abort(reason);
  }

  /** The error a send meets after the end. */
  closedError(): ConnectionClosedError {
    return new ConnectionClosedError(this.#reason ?? "closed", { cause: this.#error });
  }

  /** The connection is gone: `finished` settles with `stats`. */
  settle(stats: ConnectionStats): void {
    this.#final = stats;
    this.#settle?.(stats);
  }

  #abortReason(): unknown {
    return this.#error ?? new ConnectionClosedError(this.#reason!);
  }
}
