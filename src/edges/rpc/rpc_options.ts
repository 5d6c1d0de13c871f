/**
 * The options of the RPC server and client sides and their defaults, checked
 * once where they enter, with the kit's wording for a bad number.
 *
 * @module
 */
import type { Logger } from "../../../mod.ts";
import { describeNumber, type NumberSpec } from "../../_internal.ts";
import type { RpcCodec } from "./codec.ts";
import { jsonCodec } from "../../../mod.ts";

/**
 * The default `maxConcurrency`: methods running at once per connection.
 *
 * @example The default, and a bound of one (calls in strict order)
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_MAX_CONCURRENCY, rpcHandler } from "spawnkit/rpc";
 * assert.equal(DEFAULT_MAX_CONCURRENCY, 32);
 * assert.equal(typeof rpcHandler({}, { maxConcurrency: 1 }), "function");
 * ```
 */
export const DEFAULT_MAX_CONCURRENCY = 32;
/**
 * The default `maxBatchSize`: requests in one batch.
 *
 * @example The default
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_MAX_BATCH_SIZE } from "spawnkit/rpc";
 * assert.equal(DEFAULT_MAX_BATCH_SIZE, 100);
 * ```
 */
export const DEFAULT_MAX_BATCH_SIZE = 100;
/**
 * The default `maxDepth`: arrays and objects nested in one message, the message itself included.
 *
 * @example The default, and what it lets through
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_MAX_DEPTH, jsonCodec } from "spawnkit/rpc";
 * const nested = new TextEncoder().encode("[".repeat(DEFAULT_MAX_DEPTH) + "]".repeat(DEFAULT_MAX_DEPTH));
 * assert.ok(Array.isArray(jsonCodec.decode(nested, DEFAULT_MAX_DEPTH)));
 * ```
 */
export const DEFAULT_MAX_DEPTH = 32;

/**
 * Options of `rpcHandler()`. The options object of `serve()` fits (its
 * `logger` is used), so one object can configure both.
 *
 * @example One object for serve() and rpcHandler()
 * ```ts
 * import assert from "node:assert/strict";
 * import { serve, silentLogger } from "spawnkit";
 * import { rpcHandler, type RpcHandlerOptions } from "spawnkit/rpc";
 * const options: RpcHandlerOptions & { port: number } = { port: 0, logger: silentLogger, maxConcurrency: 8 };
 * await using server = await serve(options, rpcHandler({ ping: () => "pong" }, options));
 * assert.ok(server.addr.port > 0);
 * ```
 */
export interface RpcHandlerOptions {
  /** How messages are encoded; the client must use the same. @default {jsonCodec} */
  codec?: RpcCodec;
  /**
   * Methods running at once on one connection (a batch's requests count one
   * each). At the bound the connection stops reading frames until one
   * finishes: backpressure reaches the peer through TCP, with no queue. @default {32}
   */
  maxConcurrency?: number;
  /** Requests in one batch; a larger batch is answered with one -32600 error and nothing runs. @default {100} */
  maxBatchSize?: number;
  /** Arrays and objects nested in one message, the message itself included; deeper is -32700. @default {32} */
  maxDepth?: number;
  /** Where a method that throws is logged, with its stack. @default warnings and errors to the console */
  logger?: Logger;
}

/** The limits of one handler, defaults applied. */
export interface RpcLimits {
  readonly codec: RpcCodec;
  readonly maxConcurrency: number;
  readonly maxBatchSize: number;
  readonly maxDepth: number;
}

const POSITIVE: NumberSpec = { integer: true, min: 1, max: Number.MAX_SAFE_INTEGER };

/**
 * A positive integer option, or its default when undefined.
 * @throws {RangeError} anything else, naming the option and the value.
 */
export function checkPositive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`Cannot use ${name} ${String(value)}: must be ${describeNumber(POSITIVE)}`);
  }
  return value;
}

/**
 * The codec option, checked.
 * @throws {TypeError} not an object with `encode`, `encodeArray` and `decode`.
 */
export function checkCodec(codec: RpcCodec | undefined): RpcCodec {
  if (codec === undefined) return jsonCodec;
  const parts = [codec?.encode, codec?.encodeArray, codec?.decode];
  if (parts.some((part) => typeof part !== "function")) {
    throw new TypeError("Cannot use codec: it needs encode, encodeArray and decode functions");
  }
  return codec;
}

/** The limits of `options`, checked, with their defaults. */
export function limitsOf(options: RpcHandlerOptions): RpcLimits {
  return {
    codec: checkCodec(options.codec),
    maxConcurrency: checkPositive("maxConcurrency", options.maxConcurrency, DEFAULT_MAX_CONCURRENCY),
    maxBatchSize: checkPositive("maxBatchSize", options.maxBatchSize, DEFAULT_MAX_BATCH_SIZE),
    maxDepth: checkPositive("maxDepth", options.maxDepth, DEFAULT_MAX_DEPTH),
  };
}

/** The default `timeout` of an RPC client's calls, in seconds. */
export const DEFAULT_CALL_TIMEOUT = 30;

/**
 * Options of `rpcClient()`.
 *
 * @example A client with a short timeout and a push handler
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RpcClientOptions } from "spawnkit/rpc";
 * const pushes: string[] = [];
 * const options: RpcClientOptions = { timeout: 2, onNotification: (method) => void pushes.push(method) };
 * options.onNotification?.("tick", undefined);
 * assert.deepEqual(pushes, ["tick"]);
 * ```
 */
export interface RpcClientOptions {
  /** How messages are encoded; the server must use the same. @default {jsonCodec} */
  codec?: RpcCodec;
  /** Seconds a call waits for its answer unless it says otherwise. @default {30} */
  timeout?: number;
  /** Arrays and objects nested in one message from the server; deeper is dropped. @default {32} */
  maxDepth?: number;
  /** Receives the server's notifications (pushes), in order; not awaited. */
  onNotification?: (method: string, params: unknown) => void;
  /** Where an `onNotification` that throws is logged. @default warnings and errors to the console */
  logger?: Logger;
}

/**
 * Options of one call.
 *
 * @example A call that gives up at a timeout or when the user leaves
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CallOptions } from "spawnkit/rpc";
 * const leaving = new AbortController();
 * const options: CallOptions = { timeout: 0.5, signal: leaving.signal };
 * assert.equal(options.signal?.aborted, false);
 * ```
 */
export interface CallOptions {
  /** Seconds to wait for the answer; then the call rejects with `RpcTimeoutError`. @default the client's `timeout` */
  timeout?: number;
  /** Aborting it rejects the call with the signal's reason (the server is not told). */
  signal?: AbortSignal;
}

const MAX_TIMEOUT = 2_147_483; // seconds: setTimeout's limit is 2^31 - 1 milliseconds

/** Checks a call timeout, in seconds. @throws {RangeError} not a positive number up to setTimeout's limit. */
export function checkTimeout(timeout: number): number {
  if (typeof timeout !== "number" || !(timeout > 0 && timeout <= MAX_TIMEOUT)) {
    throw new RangeError(
      `Cannot use timeout ${String(timeout)}: must be a positive number of seconds up to ${MAX_TIMEOUT}`,
    );
  }
  return timeout;
}
