/**
 * The JSON-RPC 2.0 messages: what a Request object, a Notification and a
 * Response object must hold (jsonrpc.org/specification), checked on decoded
 * values, and the Response objects the server writes.
 *
 * - Request: `jsonrpc` exactly "2.0"; `method` a string; `params`, when
 *   present, an array or a plain object; `id`, when present, a string, a
 *   finite number or null. Without an `id` member it is a Notification.
 * - Response: `jsonrpc` "2.0"; `id` a string, a number or null; exactly one of
 *   `result` and `error`; `error` an object with an integer `code` and a
 *   string `message` (`data` optional).
 *
 * @module
 */
import { RPC_ERROR_MESSAGES } from "./rpc_error.ts";

/**
 * A request id: the specification allows a string, a number or null.
 *
 * @example Ids of every allowed kind
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RpcId } from "spawnkit/rpc";
 * const ids: RpcId[] = ["a", 1, null];
 * assert.equal(ids.length, 3);
 * ```
 */
export type RpcId = string | number | null;

/**
 * A method's params: the specification's "structured value".
 *
 * @example By position and by name
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RpcParams } from "spawnkit/rpc";
 * const byPosition: RpcParams = [42, 23];
 * const byName: RpcParams = { minuend: 42, subtrahend: 23 };
 * assert.notDeepEqual(byPosition, byName);
 * ```
 */
export type RpcParams = readonly unknown[] | Readonly<Record<string, unknown>>;

/**
 * A Request object (with `id`) or a Notification (without), as checked by {@linkcode requestProblem}.
 *
 * @example A request and a notification
 * ```ts
 * import assert from "node:assert/strict";
 * import { requestProblem, type RpcRequest } from "spawnkit/rpc";
 * const call: RpcRequest = { jsonrpc: "2.0", method: "subtract", params: [42, 23], id: 1 };
 * const note: RpcRequest = { jsonrpc: "2.0", method: "update", params: [1, 2] };
 * assert.equal(requestProblem(call) ?? requestProblem(note), undefined);
 * ```
 */
export interface RpcRequest {
  /** The protocol's version: always "2.0". */
  readonly jsonrpc: "2.0";
  /** The method's name (a name starting with "rpc." is reserved by the spec). */
  readonly method: string;
  /** The arguments: by position (an array) or by name (an object); absent for none. */
  readonly params?: RpcParams;
  /** The call's id, echoed by its Response; absent in a Notification, which gets no Response. */
  readonly id?: RpcId;
}

/**
 * The error member of an error Response.
 *
 * @example The error of a method not found
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RpcErrorObject } from "spawnkit/rpc";
 * const error: RpcErrorObject = { code: -32601, message: "Method not found" };
 * assert.equal(error.data, undefined);
 * ```
 */
export interface RpcErrorObject {
  /** The error's code: -32768 to -32000 are the spec's, the rest are the application's. */
  readonly code: number;
  /** One sentence that says what went wrong. */
  readonly message: string;
  /** More about the error, as the server chooses; absent for none. */
  readonly data?: unknown;
}

/**
 * A Response object, as checked by {@linkcode responseProblem}.
 *
 * @example A result and an error
 * ```ts
 * import assert from "node:assert/strict";
 * import { responseProblem, type RpcResponse } from "spawnkit/rpc";
 * const ok: RpcResponse = { jsonrpc: "2.0", id: 1, result: 19 };
 * const failed: RpcResponse = { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } };
 * assert.equal(responseProblem(ok) ?? responseProblem(failed), undefined);
 * ```
 */
export type RpcResponse =
  | { readonly jsonrpc: "2.0"; readonly id: RpcId; readonly result: unknown }
  | { readonly jsonrpc: "2.0"; readonly id: RpcId; readonly error: RpcErrorObject };

const hasOwn = Object.hasOwn;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** True for an array or a plain object: params must be one (a Date or bytes from a binary codec are not). */
export function isStructured(value: unknown): value is RpcParams {
  if (Array.isArray(value)) return true;
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** True for a value the specification allows as an id. */
export function isId(value: unknown): value is RpcId {
  return typeof value === "string" || value === null || (typeof value === "number" && Number.isFinite(value));
}

/**
 * What is wrong with `value` as a Request object or Notification, in words;
 * undefined when it is one.
 *
 * @example A request, params of a wrong type, an id of a wrong type
 * ```ts
 * import assert from "node:assert/strict";
 * import { requestProblem } from "spawnkit/rpc";
 * assert.equal(requestProblem({ jsonrpc: "2.0", method: "ping", id: 1 }), undefined);
 * assert.equal(requestProblem({ jsonrpc: "2.0", method: "move", params: "north" }), "params is not an array or an object");
 * assert.equal(requestProblem({ jsonrpc: "2.0", method: "ping", id: {} }), "id is not a string, a number or null");
 * ```
 */
export function requestProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return "not an object";
  if (value.jsonrpc !== "2.0") return 'jsonrpc is not "2.0"';
  if (typeof value.method !== "string") return "method is not a string";
  if (hasOwn(value, "params") && !isStructured(value.params)) return "params is not an array or an object";
  if (hasOwn(value, "id") && !isId(value.id)) return "id is not a string, a number or null";
  return undefined;
}

/** True for a checked request that is a Notification: it has no `id` member. */
export function isNotification(request: RpcRequest): boolean {
  return !hasOwn(request, "id");
}

/**
 * The id to answer an invalid request with: its own id when that member is a
 * valid id (so the caller's call fails at once instead of timing out), null
 * when there is none to detect.
 */
export function answerIdOf(value: unknown): RpcId {
  return isRecord(value) && hasOwn(value, "id") && isId(value.id) ? value.id : null;
}

/** A success Response; an undefined result is sent as null (the member is required). */
export function resultResponse(id: RpcId, result: unknown): RpcResponse {
  return { jsonrpc: "2.0", id, result: result === undefined ? null : result };
}

/** An error Response; `message` defaults to the specification's message for the code. */
export function errorResponse(id: RpcId, code: number, data?: unknown, message?: string): RpcResponse {
  const error: RpcErrorObject = data === undefined
    ? { code, message: message ?? RPC_ERROR_MESSAGES[code] ?? "Server error" }
    : { code, message: message ?? RPC_ERROR_MESSAGES[code] ?? "Server error", data };
  return { jsonrpc: "2.0", id, error };
}

/**
 * What is wrong with `value` as a Response object, in words; undefined when it is one.
 *
 * @example A result, both members at once, a fractional code
 * ```ts
 * import assert from "node:assert/strict";
 * import { responseProblem } from "spawnkit/rpc";
 * assert.equal(responseProblem({ jsonrpc: "2.0", id: 1, result: null }), undefined);
 * assert.equal(responseProblem({ jsonrpc: "2.0", id: 1, result: 1, error: {} }), "both result and error");
 * assert.equal(responseProblem({ jsonrpc: "2.0", id: 1, error: { code: 1.5, message: "" } }), "error.code is not an integer");
 * ```
 */
export function responseProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return "not an object";
  if (value.jsonrpc !== "2.0") return 'jsonrpc is not "2.0"';
  if (!hasOwn(value, "id") || !isId(value.id)) return "id is missing or not a string, a number or null";
  const hasResult = hasOwn(value, "result");
  const hasError = hasOwn(value, "error");
  if (hasResult === hasError) return hasResult ? "both result and error" : "neither result nor error";
  if (hasResult) return undefined;
  const error = value.error;
  if (!isRecord(error)) return "error is not an object";
  if (!Number.isSafeInteger(error.code)) return "error.code is not an integer";
  if (typeof error.message !== "string") return "error.message is not a string";
  return undefined;
}
