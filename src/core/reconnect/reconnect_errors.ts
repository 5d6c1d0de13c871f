/**
 * The errors of the reconnecting client: a send refused while it is
 * disconnected, and the end after its last retry.
 *
 * @module
 */

/**
 * A send refused while the reconnecting client has no connection: at once
 * with `whileDisconnected: "fail"` (`queueFull` false), or because the frames
 * already waiting fill `maxWaitingBytes` (`queueFull` true). Nothing was sent.
 *
 * @example Telling a full queue from a client that fails at once
 * ```ts
 * import assert from "node:assert/strict";
 * import { DisconnectedError } from "spawnkit";
 * const error = new DisconnectedError(false);
 * assert.equal(error.message, "Cannot send: disconnected, reconnecting");
 * assert.equal(new DisconnectedError(true, 1024).message, "Cannot send: disconnected, and 1024 bytes already wait (maxWaitingBytes)");
 * ```
 */
export class DisconnectedError extends Error {
  /** True when the frame was refused because `maxWaitingBytes` were already waiting. */
  readonly queueFull: boolean;

  /** Builds the error; `waitingBytes` is what waited when the frame was refused for room. */
  constructor(queueFull: boolean, waitingBytes = 0) {
    super(
      queueFull
        ? `Cannot send: disconnected, and ${waitingBytes} bytes already wait (maxWaitingBytes)`
        : "Cannot send: disconnected, reconnecting",
    );
    this.name = "DisconnectedError";
    this.queueFull = queueFull;
  }
}

/**
 * The reconnecting client gave up: `attempts` dials in a row failed, or their
 * connections were lost before they proved the server serves (see
 * `maxRetries`). It is the error in
 * the final stats and on `signal`; every send still waiting rejects with it.
 * `cause` is the last attempt's error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ReconnectFailedError } from "spawnkit";
 * const refused = new Error("connect ECONNREFUSED 127.0.0.1:7000");
 * const error = new ReconnectFailedError("127.0.0.1:7000", 10, { cause: refused });
 * assert.equal(error.message, "Cannot reconnect to 127.0.0.1:7000: gave up after 10 attempts");
 * assert.equal(error.cause, refused);
 * ```
 */
export class ReconnectFailedError extends Error {
  /** How many attempts failed in a row before it gave up. */
  readonly attempts: number;

  /** Builds the error; `target` is "host:port", `cause` the last attempt's error. */
  constructor(target: string, attempts: number, options?: { cause?: unknown }) {
    super(`Cannot reconnect to ${target}: gave up after ${attempts} attempt${attempts === 1 ? "" : "s"}`, options);
    this.name = "ReconnectFailedError";
    this.attempts = attempts;
  }
}
