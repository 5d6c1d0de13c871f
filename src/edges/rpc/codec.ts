/**
 * The codec seam: how a JSON-RPC message becomes a frame's payload and back.
 * JSON is the default ({@linkcode jsonCodec}); `spawnkit/msgpack` has a
 * MessagePack codec for the same envelope.
 *
 * @module
 */

/**
 * Turns JSON-RPC messages into frame payloads and back. Server and client
 * must use the same codec.
 *
 * @example A codec that wraps JSON, counting the frames it decodes
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonCodec, type RpcCodec } from "./mod.ts";
 *
 * let decoded = 0;
 * const counting: RpcCodec = {
 *   ...jsonCodec,
 *   name: "counting-json",
 *   decode(frame, maxDepth) {
 *     decoded++;
 *     return jsonCodec.decode(frame, maxDepth);
 *   },
 * };
 * assert.deepEqual(counting.decode(counting.encode({ a: [1] }), 8), { a: [1] });
 * assert.equal(decoded, 1);
 * ```
 */
export interface RpcCodec {
  /** A short name, for logs and benchmarks ("json", "msgpack"). */
  readonly name: string;
  /**
   * Encodes one message (a request, a notification or a response).
   * @throws when the value cannot be encoded (a cycle, a BigInt in JSON): the caller answers -32603.
   */
  encode(message: unknown): Uint8Array;
  /** Joins messages encoded one by one into the encoding of an array of them (a batch's answers). */
  encodeArray(encoded: readonly Uint8Array[]): Uint8Array;
  /**
   * Decodes one frame's payload: exactly one value, nested at most
   * `maxDepth` arrays and objects deep, checked before or while decoding
   * (never after: a decoder's recursion is what the bound protects).
   * @throws on anything else: the caller answers -32700.
   */
  decode(frame: Uint8Array, maxDepth: number): unknown;
}
