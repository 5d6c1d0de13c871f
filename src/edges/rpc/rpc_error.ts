/**
 * The errors of JSON-RPC 2.0: the specification's five codes, the error a
 * method throws to answer with its own code (and the client rejects with),
 * the client's timeout, and the loss of a reconnecting client's connection.
 *
 * @module
 */

/**
 * -32700: the frame is not one JSON-RPC message in the codec's format (or nests deeper than `maxDepth`).
 *
 * @example A frame that is not JSON
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonCodec, PARSE_ERROR, RPC_ERROR_MESSAGES } from "spawnkit/rpc";
 * assert.throws(() => jsonCodec.decode(new TextEncoder().encode("{oops"), 32));
 * assert.equal(RPC_ERROR_MESSAGES[PARSE_ERROR], "Parse error");
 * ```
 */
export const PARSE_ERROR: -32700 = -32700;
/**
 * -32600: the message is not a valid Request object (or a batch is empty or over `maxBatchSize`).
 *
 * @example A message that is no Request object
 * ```ts
 * import assert from "node:assert/strict";
 * import { INVALID_REQUEST, requestProblem, RPC_ERROR_MESSAGES } from "spawnkit/rpc";
 * assert.equal(requestProblem({ jsonrpc: "2.0", method: 1 }), "method is not a string");
 * assert.equal(RPC_ERROR_MESSAGES[INVALID_REQUEST], "Invalid Request");
 * ```
 */
export const INVALID_REQUEST: -32600 = -32600;
/**
 * -32601: no route has this method name.
 *
 * @example The code a client sees for an unknown method
 * ```ts
 * import assert from "node:assert/strict";
 * import { METHOD_NOT_FOUND, RpcError } from "spawnkit/rpc";
 * const error = new RpcError(METHOD_NOT_FOUND, "Method not found");
 * assert.equal(error.code, -32601);
 * ```
 */
export const METHOD_NOT_FOUND: -32601 = -32601;
/**
 * -32602: the route's params check refused the params.
 *
 * @example A method refusing its params itself
 * ```ts
 * import assert from "node:assert/strict";
 * import { INVALID_PARAMS, RpcError } from "spawnkit/rpc";
 * const move = ([x]: [unknown]) => {
 *   if (typeof x !== "number") throw new RpcError(INVALID_PARAMS, "Invalid params", { data: "x is not a number" });
 *   return x;
 * };
 * assert.throws(() => move(["1"]), { code: -32602 });
 * ```
 */
export const INVALID_PARAMS: -32602 = -32602;
/**
 * -32603: the method threw something other than an {@linkcode RpcError}, or its result could not be sent.
 *
 * @example The message of an internal error
 * ```ts
 * import assert from "node:assert/strict";
 * import { INTERNAL_ERROR, RPC_ERROR_MESSAGES } from "spawnkit/rpc";
 * assert.equal(RPC_ERROR_MESSAGES[INTERNAL_ERROR], "Internal error");
 * ```
 */
export const INTERNAL_ERROR: -32603 = -32603;

/**
 * The specification's message for each of its codes.
 *
 * @example The message of each code
 * ```ts
 * import assert from "node:assert/strict";
 * import { RPC_ERROR_MESSAGES } from "spawnkit/rpc";
 * assert.equal(RPC_ERROR_MESSAGES[-32601], "Method not found");
 * assert.equal(RPC_ERROR_MESSAGES[4001], undefined);
 * ```
 */
export const RPC_ERROR_MESSAGES: Readonly<Record<number, string>> = {
  [PARSE_ERROR]: "Parse error",
  [INVALID_REQUEST]: "Invalid Request",
  [METHOD_NOT_FOUND]: "Method not found",
  [INVALID_PARAMS]: "Invalid params",
  [INTERNAL_ERROR]: "Internal error",
};

/**
 * Options of {@linkcode RpcError}.
 *
 * @example An error with data and a local cause
 * ```ts
 * import assert from "node:assert/strict";
 * import { RpcError, type RpcErrorOptions } from "spawnkit/rpc";
 * const options: RpcErrorOptions = { data: { retryIn: 5 }, cause: new Error("rate limiter") };
 * assert.deepEqual(new RpcError(4290, "slow down", options).data, { retryIn: 5 });
 * ```
 */
export interface RpcErrorOptions {
  /** The error object's `data` member: any value the codec can encode. @default omitted */
  data?: unknown;
  /** The error behind this one (kept locally, never sent). */
  cause?: unknown;
}

/**
 * A JSON-RPC error: thrown by a method, it is the answer's error object (its
 * `code`, `message` and `data`, and nothing is logged); a client's `call()`
 * rejects with one when the answer is an error.
 *
 * @throws {TypeError} `code` is not an integer or `message` is not a string.
 * @example An application error from a method, as the caller sees it
 * ```ts
 * import assert from "node:assert/strict";
 * import { RpcError } from "spawnkit/rpc";
 *
 * const error = new RpcError(4001, "not logged in", { data: { method: "move" } });
 * assert.equal(error.code, 4001);
 * assert.deepEqual(error.data, { method: "move" });
 * assert.throws(() => new RpcError(1.5, "half"), TypeError);
 * ```
 */
export class RpcError extends Error {
  /** The error code: an integer; -32768 to -32000 are reserved by the specification. */
  readonly code: number;
  /** The error object's `data` member, when it has one. */
  readonly data: unknown;

  /** Builds the error from its code, its message and, in `options`, its data. */
  constructor(code: number, message: string, options: RpcErrorOptions = {}) {
    if (!Number.isSafeInteger(code)) {
      throw new TypeError(`Cannot make RpcError: code ${String(code)} is not an integer`);
    }
    if (typeof message !== "string") throw new TypeError("Cannot make RpcError: message is not a string");
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RpcError";
    this.code = code;
    this.data = options.data;
  }
}

/**
 * A call got no answer within its timeout. The call is forgotten: an answer
 * that comes later is dropped and counted in the client's `stats.dropped`.
 *
 * @example The message names the method and the timeout
 * ```ts
 * import assert from "node:assert/strict";
 * import { RpcTimeoutError } from "spawnkit/rpc";
 * const error = new RpcTimeoutError("sum", 5);
 * assert.equal(error.message, "Cannot call sum: no answer in 5 seconds");
 * ```
 */
export class RpcTimeoutError extends Error {
  /** The method called. */
  readonly method: string;
  /** The timeout that passed, in seconds. */
  readonly timeout: number;

  /** Builds the error for a call of `method` that waited `timeout` seconds. */
  constructor(method: string, timeout: number) {
    super(`Cannot call ${method}: no answer in ${timeout} seconds`);
    this.name = "RpcTimeoutError";
    this.method = method;
    this.timeout = timeout;
  }
}

/**
 * Over a reconnecting connection (`connect({ reconnect })`): the connection
 * that took the call's request was lost before the answer came, so no answer
 * will come. The server may or may not have handled the request; calling
 * again is for the caller to decide (safe for a read, not always for a move).
 * `cause` is the error that ended the connection, if any.
 *
 * @example The message names the method
 * ```ts
 * import assert from "node:assert/strict";
 * import { RpcConnectionLostError } from "spawnkit/rpc";
 * const error = new RpcConnectionLostError("move");
 * assert.equal(error.message, "Cannot call move: the connection was lost before the answer came");
 * assert.equal(error.method, "move");
 * ```
 */
export class RpcConnectionLostError extends Error {
  /** The method called. */
  readonly method: string;

  /** Builds the error for a call of `method`; `cause` is what ended the connection. */
  constructor(method: string, options?: { cause?: unknown }) {
    super(`Cannot call ${method}: the connection was lost before the answer came`, options);
    this.name = "RpcConnectionLostError";
    this.method = method;
  }
}
