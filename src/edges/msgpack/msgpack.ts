/**
 * MessagePack for spawnkit's JSON-RPC, an edge of spawnkit
 * (`spawnkit/msgpack`): the same JSON-RPC 2.0 messages as `spawnkit/rpc`,
 * encoded with msgpackr (from npm) instead of JSON.
 *
 * @example One value through the codec, and a frame nested too deep
 * ```ts
 * import assert from "node:assert/strict";
 * import { msgpackCodec } from "spawnkit/msgpack";
 *
 * const message = { jsonrpc: "2.0", method: "move", params: { x: 1.5, to: [1, 2] } };
 * assert.deepEqual(msgpackCodec.decode(msgpackCodec.encode(message), 32), message);
 * assert.throws(() => msgpackCodec.decode(Uint8Array.of(0x91, 0x91, 0x91, 0x01), 2), RangeError);
 * ```
 *
 * @module
 */
export { createMsgpackCodec, msgpackCodec, type MsgpackCodecOptions } from "./msgpack_codec.ts";
