/**
 * The default codec: JSON text in UTF-8, with the platform's TextEncoder,
 * TextDecoder and JSON, and a nesting bound checked before parsing.
 *
 * @module
 */
import type { MessageCodec } from "./codec.ts";

const encoder = new TextEncoder();
// fatal: bytes that are not UTF-8 are a parse error, not U+FFFD in a method name.
const decoder = new TextDecoder("utf-8", { fatal: true });

const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

/** How many `[` and `{` bytes `bytes` holds (inside strings too), counting no further than `limit + 1`. */
function openings(bytes: Uint8Array, limit: number): number {
  let count = 0;
  for (const opener of [OPEN_ARRAY, OPEN_OBJECT]) {
    for (let at = bytes.indexOf(opener); at !== -1 && count <= limit; at = bytes.indexOf(opener, at + 1)) count++;
  }
  return count;
}

/**
 * Throws when JSON text nests arrays and objects deeper than `maxDepth`:
 * one pass over the bytes (brackets inside strings do not count), before
 * JSON.parse, which has no bound of its own. Malformed text is left to JSON.parse.
 */
function checkDepth(bytes: Uint8Array, maxDepth: number): void {
  // Most messages open fewer brackets than the bound in all: found with the native indexOf, nothing to scan.
  if (openings(bytes, maxDepth) <= maxDepth) return;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > maxDepth) throw new RangeError(`Cannot decode JSON: nested deeper than ${maxDepth}`);
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) depth--;
  }
}

/**
 * JSON-RPC as JSON text, one message per frame: the specification's own
 * format. `decode` refuses bytes that are not UTF-8, text that is not JSON,
 * and nesting deeper than `maxDepth`, before JSON.parse sees it.
 *
 * @example A request through the codec, and a frame nested too deep
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonCodec } from "spawnkit";
 *
 * const frame = jsonCodec.encode({ jsonrpc: "2.0", method: "sum", params: [1, 2], id: 1 });
 * assert.equal(new TextDecoder().decode(frame), '{"jsonrpc":"2.0","method":"sum","params":[1,2],"id":1}');
 * assert.deepEqual(jsonCodec.decode(frame, 32), { jsonrpc: "2.0", method: "sum", params: [1, 2], id: 1 });
 * assert.throws(() => jsonCodec.decode(new TextEncoder().encode("[[[1]]]"), 2), RangeError);
 * assert.equal(new TextDecoder().decode(jsonCodec.encodeArray([frame, frame])).length, 2 * frame.length + 3);
 * ```
 */
export const jsonCodec: MessageCodec = {
  name: "json",
  encode: (message) => encoder.encode(JSON.stringify(message)),
  encodeArray(encoded) {
    let length = encoded.length + 1 + (encoded.length === 0 ? 1 : 0);
    for (const part of encoded) length += part.length;
    const bytes = new Uint8Array(length);
    bytes[0] = OPEN_ARRAY;
    let offset = 1;
    for (const part of encoded) {
      if (offset > 1) bytes[offset++] = COMMA;
      bytes.set(part, offset);
      offset += part.length;
    }
    bytes[offset] = CLOSE_ARRAY;
    return bytes;
  },
  decode(frame, maxDepth) {
    checkDepth(frame, maxDepth);
    return JSON.parse(decoder.decode(frame));
  },
};
