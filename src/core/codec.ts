/**
 * The codec seam of message protocols over frames (JSON-RPC and the like):
 * how one message becomes a frame's payload and back. An interface only, so
 * that a codec that needs a package (MessagePack) can live in an edge of its
 * own and still plug into another edge through the core. The RPC edge
 * encodes its JSON-RPC messages with one, the cluster the messages posted across
 * nodes; JSON is the default of both (json_codec.ts).
 *
 * @module
 */

/**
 * Turns messages into frame payloads and back. Server and client
 * must use the same codec.
 *
 * @example A JSON codec in a few lines
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MessageCodec } from "spawnkit";
 *
 * const json: MessageCodec = {
 *   name: "json",
 *   encode: (message) => new TextEncoder().encode(JSON.stringify(message)),
 *   encodeArray: (parts) => new TextEncoder().encode(`[${parts.map((part) => new TextDecoder().decode(part)).join(",")}]`),
 *   decode: (frame) => JSON.parse(new TextDecoder().decode(frame)),
 * };
 * assert.deepEqual(json.decode(json.encodeArray([json.encode(1), json.encode({ a: 2 })]), 8), [1, { a: 2 }]);
 * ```
 */
export interface MessageCodec<Message = unknown> {
  /** A short name, for logs and benchmarks ("json", "msgpack"). */
  readonly name: string;
  /**
   * Encodes one message (a request, a notification or a response).
   * @throws when the value cannot be encoded (a cycle, a BigInt in JSON): the caller answers -32603.
   */
  encode(message: Message): Uint8Array;
  /** Joins messages encoded one by one into the encoding of an array of them (a batch's answers). */
  encodeArray(encoded: readonly Uint8Array[]): Uint8Array;
  /**
   * Decodes one frame's payload: exactly one value, nested at most
   * `maxDepth` arrays and objects deep, checked before or while decoding
   * (never after: a decoder's recursion is what the bound protects).
   * @throws on anything else: the caller answers -32700.
   */
  decode(frame: Uint8Array, maxDepth: number): Message;
}
