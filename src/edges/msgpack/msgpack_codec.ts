/**
 * JSON-RPC 2.0 messages as MessagePack (msgpack.org), with msgpackr: the
 * same envelope as JSON, in fewer bytes, with binary data (Uint8Array) as
 * it is. Plain MessagePack only (no msgpackr records), so any MessagePack
 * library on the other end reads it.
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

/** The header of a MessagePack array of `count` elements. */
function arrayHeader(count: number): Uint8Array {
  if (count < 16) return Uint8Array.of(0x90 | count);
  if (count < 0x10000) return Uint8Array.of(0xdc, count >> 8, count & 0xff);
  return Uint8Array.of(0xdd, count >>> 24, (count >> 16) & 0xff, (count >> 8) & 0xff, count & 0xff);
}

/**
 * The MessagePack codec: pass it as `codec` to `rpcHandler()` and to
 * `rpcClient()`. `decode` checks the nesting bound and that the frame holds
 * exactly one well-formed value before msgpackr reads it.
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
export const msgpackCodec: MessageCodec = {
  name: "msgpack",
  encode: (message) => packr.pack(message),
  encodeArray(encoded) {
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
  },
  decode(frame, maxDepth) {
    checkMsgpackDepth(frame, maxDepth);
    return packr.unpack(frame);
  },
};
