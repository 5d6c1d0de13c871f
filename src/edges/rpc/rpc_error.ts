/**
 * The errors of JSON-RPC 2.0: the specification's five codes, the error a
 * method throws to answer with its own code (and the client rejects with),
 * and the client's timeout.
 *
 * @module
 */

/** -32700: the frame is not one JSON-RPC message in the codec's format (or nests deeper than `maxDepth`). */
export const PARSE_ERROR = -32700;
/** -32600: the message is not a valid Request object (or a batch is empty or over `maxBatchSize`). */
export const INVALID_REQUEST = -32600;
/** -32601: no route has this method name. */
export const METHOD_NOT_FOUND = -32601;
/** -32602: the route's params check refused the params. */
export const INVALID_PARAMS = -32602;
/** -32603: the method threw something other than an {@linkcode RpcError}, or its result could not be sent. */
export const INTERNAL_ERROR = -32603;

/** The specification's message for each of its codes. */
export const RPC_ERROR_MESSAGES: Readonly<Record<number, string>> = {
  [PARSE_ERROR]: "Parse error",
  [INVALID_REQUEST]: "Invalid Request",
  [METHOD_NOT_FOUND]: "Method not found",
  [INVALID_PARAMS]: "Invalid params",
  [INTERNAL_ERROR]: "Internal error",
};

/** Options of {@linkcode RpcError}. */
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
 * import { RpcError } from "./mod.ts";
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
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RpcTimeoutError } from "./mod.ts";
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
