/**
 * The RPC layer's figures: what it ran, how it failed, what it dropped.
 *
 * @module
 */

/**
 * A handler's figures, summed over its connections.
 *
 * @example A handler's figures before any call
 * ```ts
 * import assert from "node:assert/strict";
 * import { rpcHandler } from "spawnkit/rpc";
 * const rpc = rpcHandler({ ping: () => "pong" });
 * assert.deepEqual(rpc.stats, {
 *   requests: 0,
 *   notifications: 0,
 *   batches: 0,
 *   errors: {},
 *   dropped: 0,
 *   inFlight: 0,
 *   peakInFlight: 0,
 *   batchAnswers: 0,
 *   peakBatchAnswers: 0,
 * });
 * ```
 */
export interface RpcStats {
  /** Requests (with an id) that reached their method. */
  readonly requests: number;
  /** Notifications (without an id) that reached their method. */
  readonly notifications: number;
  /** Batches received, answered or refused. */
  readonly batches: number;
  /**
   * Errors by code ("-32601": 3): every error answered, and every error met
   * by a notification, which the specification forbids answering.
   */
  readonly errors: Readonly<Record<string, number>>;
  /** What went nowhere: errors of notifications, answers and pushes to connections already closed. */
  readonly dropped: number;
  /** Methods running now, on every connection. */
  readonly inFlight: number;
  /** The most methods that ran at once on one connection: at most `maxConcurrency`. */
  readonly peakInFlight: number;
  /** Answers held now in batches not yet sent (their other requests still run), on every connection. */
  readonly batchAnswers: number;
  /**
   * The most answers one connection held at once in unsent batches: at most
   * `maxConcurrency + maxBatchSize - 1`, since a connection reads no frame
   * while its running methods and held answers together reach `maxConcurrency`.
   */
  readonly peakBatchAnswers: number;
}

/** The mutable counters behind {@linkcode RpcStats}. */
export class RpcCounters {
  requests = 0;
  notifications = 0;
  batches = 0;
  dropped = 0;
  inFlight = 0;
  peakInFlight = 0;
  batchAnswers = 0;
  peakBatchAnswers = 0;
  readonly #errors = new Map<number, number>();

  /** Counts one error of `code`. */
  error(code: number): void {
    this.#errors.set(code, (this.#errors.get(code) ?? 0) + 1);
  }

  /** The figures now, as a plain object. */
  snapshot(): RpcStats {
    return {
      requests: this.requests,
      notifications: this.notifications,
      batches: this.batches,
      errors: Object.fromEntries(this.#errors),
      dropped: this.dropped,
      inFlight: this.inFlight,
      peakInFlight: this.peakInFlight,
      batchAnswers: this.batchAnswers,
      peakBatchAnswers: this.peakBatchAnswers,
    };
  }
}

/**
 * A client's figures.
 *
 * @example A fresh client's figures
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, serve, silentLogger } from "spawnkit";
 * import { rpcClient, rpcHandler } from "spawnkit/rpc";
 * await using server = await serve({ logger: silentLogger }, rpcHandler({}));
 * await using client = rpcClient(await connect({ port: server.addr.port }));
 * assert.deepEqual(client.stats, { calls: 0, notificationsSent: 0, notificationsReceived: 0, errors: {}, timeouts: 0, dropped: 0, pending: 0 });
 * ```
 */
export interface RpcClientStats {
  /** Calls sent. */
  readonly calls: number;
  /** Notifications sent. */
  readonly notificationsSent: number;
  /** Notifications received from the server. */
  readonly notificationsReceived: number;
  /** Error answers received, by code. */
  readonly errors: Readonly<Record<string, number>>;
  /** Calls that timed out. */
  readonly timeouts: number;
  /** Messages dropped: answers to no pending call (a late one, say), frames that were no valid message. */
  readonly dropped: number;
  /** Calls waiting for their answer now. */
  readonly pending: number;
}
