/**
 * JSON-RPC 2.0 messages as MessagePack (msgpack.org), with msgpackr: the
 * same JSON-RPC messages as JSON, in fewer bytes, with binary data (Uint8Array) as
 * it is. Plain MessagePack by default, both ways: no msgpackr records and no
 * extension types, so any MessagePack library on the other end reads it, and
 * a peer's frame can only bring what JSON brings plus bytes.
 *
 * @module
 */
import type { MessageCodec } from "../../../mod.ts";
import { checkMsgpackDepth } from "./_msgpack_depth.ts";
// msgpackr is an optional peer dependency of the npm package: without it, say which package to install.
const { Packr } = await import("msgpackr").catch((cause: Error) => {
  throw new Error(
    `Cannot import spawnkit/msgpack: it needs the package msgpackr (npm install msgpackr): ${cause.message}`,
    { cause },
  );
});

// Records and structure sharing are msgpackr's own extensions: off, for any peer. 64-bit integers read as
// numbers, as JSON's do (so an id sent as uint64 by another library is still a number); undefined is nil.
const packr = new Packr({ useRecords: false, encodeUndefinedAsNil: true, mapsAsObjects: true, int64AsType: "number" });

/** Options of {@linkcode createMsgpackCodec}. */
export interface MsgpackCodecOptions {
  /**
   * msgpackr's extension types, read and written: the timestamp as a `Date`,
   * BigInt, typed arrays, Set, Error, RegExp, records and structured-clone
   * references, and any extension the process adds to msgpackr. Off, a frame
   * that holds one is refused before it is decoded (JSON-RPC -32700), and a
   * value that needs one (a `Date`) cannot be encoded (-32603 for a result):
   * a peer cannot hand a method a `Date`, a BigInt, a typed array or a
   * `RegExp` of its choosing. Turn on only for peers you trust.
   * @default {false}
   */
  extensions?: boolean;
}

/** The header of a MessagePack array of `count` elements. */
function arrayHeader(count: number): Uint8Array {
  if (count < 16) return Uint8Array.of(0x90 | count);
  if (count < 0x10000) return Uint8Array.of(0xdc, count >> 8, count & 0xff);
  return Uint8Array.of(0xdd, count >>> 24, (count >> 16) & 0xff, (count >> 8) & 0xff, count & 0xff);
}

function encodeArray(encoded: Uint8Array[]): Uint8Array {
  const header = arrayHeader(encoded.length);
  let length = header.length;
  for (const part of encoded) length += part.length;
  const bytes = new Uint8Array(length);
  bytes.set(header);
  let offset = header.length;
  for (const part of encoded) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

/**
 * A MessagePack codec: pass it as `codec` to `rpcHandler()` and to
 * `rpcClient()` (the same options on both sides). `decode` checks the
 * nesting bound, that the frame holds exactly one well-formed value and, in
 * plain MessagePack, no extension type, before msgpackr reads it; every
 * failure is a `TypeError` or `RangeError` whose message begins "Cannot
 * decode MessagePack: ".
 *
 * @throws {TypeError} `options.extensions` is not a boolean.
 * @example A timestamp is refused by the plain codec, read as a Date by one with extensions
 * ```ts
 * import assert from "node:assert/strict";
 * import { createMsgpackCodec, msgpackCodec } from "./msgpack.ts";
 * const timestamp = Uint8Array.of(0xd6, 0xff, 0, 0, 0, 1); // 1 s after the epoch, timestamp 32
 * assert.throws(() => msgpackCodec.decode(timestamp, 32), {
 *   name: "TypeError",
 *   message: "Cannot decode MessagePack: extension type -1 (plain MessagePack has none; " +
 *     "createMsgpackCodec({ extensions: true }) allows them)",
 * });
 * const trusting = createMsgpackCodec({ extensions: true });
 * assert.deepEqual(trusting.decode(timestamp, 32), new Date(1000));
 * ```
 */
export function createMsgpackCodec(options: MsgpackCodecOptions = {}): MessageCodec {
  const extensions = options.extensions ?? false;
  if (typeof extensions !== "boolean") {
    throw new TypeError(`Cannot use extensions ${String(extensions)}: must be true or false`);
  }
  return {
    name: "msgpack",
    encode: extensions ? (message) => packr.pack(message) : encodePlain,
    encodeArray,
    decode(frame, maxDepth) {
      checkMsgpackDepth(frame, maxDepth, extensions);
      try {
        return packr.unpack(frame);
      } catch (error) {
        // One kind of failure for callers, whatever msgpackr's own message is.
        const detail = error instanceof Error ? error.message : String(error);
        throw new TypeError(`Cannot decode MessagePack: ${detail}`, { cause: error });
      }
    },
  };
}

/** msgpackr writes a Date as the timestamp extension whatever its options: checked, so nothing plain goes out with one. */
function encodePlain(message: unknown): Uint8Array {
  const bytes = packr.pack(message);
  try {
    checkMsgpackDepth(bytes, Infinity, false);
  } catch (error) {
    const detail = (error as Error).message.replace("Cannot decode MessagePack: ", "");
    throw new TypeError(`Cannot encode plain MessagePack: ${detail}`, { cause: error });
  }
  return bytes;
}

/**
 * The plain MessagePack codec (no extension types either way), for
 * `rpcHandler()` and `rpcClient()`.
 *
 * @example A call over MessagePack, bytes and all
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, serve, silentLogger } from "spawnkit";
 * import { rpcClient, rpcHandler } from "spawnkit/rpc";
 * import { msgpackCodec } from "spawnkit/msgpack";
 *
 * const options = { port: 0, logger: silentLogger, codec: msgpackCodec };
 * await using server = await serve(options, rpcHandler({ reverse: ([bytes]: [Uint8Array]) => bytes.toReversed() }, options));
 * await using client = rpcClient(await connect({ port: server.addr.port }), { codec: msgpackCodec });
 * const reversed = await client.call<Uint8Array>("reverse", [Uint8Array.of(1, 2, 3)]);
 * assert.deepEqual([...reversed], [3, 2, 1]);
 * ```
 */
export const msgpackCodec: MessageCodec = createMsgpackCodec();
