/**
 * The codec seam: how a JSON-RPC message becomes a frame's payload and back.
 * JSON is the default ({@linkcode jsonCodec}); `spawnkit/msgpack` has a
 * MessagePack codec for the same messages.
 *
 * @module
 */
import type { MessageCodec } from "../../../mod.ts";

/** Turns JSON-RPC messages into frame payloads and back: the core's `MessageCodec`. */
export type RpcCodec = MessageCodec;
