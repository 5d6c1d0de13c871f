/**
 * A bound on MessagePack nesting, checked before any decoder recurses: one
 * pass over the headers (string, binary and extension payloads are skipped,
 * not read) that also refuses a truncated value, trailing bytes, the
 * never-used byte 0xc1, and an array or map announcing more elements than
 * bytes are left (a 4-byte count cannot make anything allocate). Unless
 * told otherwise it also refuses every extension type (msgpackr's Date,
 * BigInt, typed arrays, Set, Error, RegExp, records and structured-clone
 * references, and the spec's timestamp): plain MessagePack carries none.
 *
 * @module
 */

/** Bytes that follow each header byte from 0xc4 to 0xdf: [fixed size, bytes of a length field]. */
const TAIL: Readonly<Record<number, readonly [number, number]>> = {
  0xc4: [0, 1], // bin 8
  0xc5: [0, 2], // bin 16
  0xc6: [0, 4], // bin 32
  0xc7: [1, 1], // ext 8: type, then data
  0xc8: [1, 2], // ext 16
  0xc9: [1, 4], // ext 32
  0xca: [4, 0], // float 32
  0xcb: [8, 0], // float 64
  0xcc: [1, 0], // uint 8
  0xcd: [2, 0],
  0xce: [4, 0],
  0xcf: [8, 0],
  0xd0: [1, 0], // int 8
  0xd1: [2, 0],
  0xd2: [4, 0],
  0xd3: [8, 0],
  0xd4: [2, 0], // fixext 1: type and 1 byte
  0xd5: [3, 0],
  0xd6: [5, 0],
  0xd7: [9, 0],
  0xd8: [17, 0],
  0xd9: [0, 1], // str 8
  0xda: [0, 2], // str 16
  0xdb: [0, 4], // str 32
};

function readLength(bytes: Uint8Array, at: number, size: number): number {
  if (at + size > bytes.length) throw new TypeError("Cannot decode MessagePack: truncated");
  let length = 0;
  for (let i = 0; i < size; i++) length = length * 256 + bytes[at + i]!;
  return length;
}

/** The first header byte of each extension: fixext 1, 2, 4, 8, 16 (type next) and ext 8, 16, 32 (length, then type). */
const EXTENSIONS: Readonly<Record<number, number>> = {
  0xd4: 0,
  0xd5: 0,
  0xd6: 0,
  0xd7: 0,
  0xd8: 0,
  0xc7: 1,
  0xc8: 2,
  0xc9: 4,
};

/**
 * Throws unless `bytes` is exactly one MessagePack value whose arrays and
 * maps nest at most `maxDepth` deep, with no extension type unless
 * `extensions` is true.
 * @throws {RangeError} nested deeper than `maxDepth`.
 * @throws {TypeError} not one well-formed value, or an extension type where none is allowed.
 */
export function checkMsgpackDepth(bytes: Uint8Array, maxDepth: number, extensions = false): void {
  // Values still expected at each open container; `left` is the innermost one's.
  const open: number[] = [];
  let left = 1;
  let at = 0;
  while (true) {
    if (left === 0) {
      if (open.length === 0) break;
      left = open.pop()!;
      continue;
    }
    if (at >= bytes.length) throw new TypeError("Cannot decode MessagePack: truncated");
    left--;
    const byte = bytes[at++]!;
    let children = -1;
    if (byte <= 0x7f || byte >= 0xe0 || (byte >= 0xc0 && byte <= 0xc3 && byte !== 0xc1)) continue;
    if (byte <= 0x8f) children = (byte & 0x0f) * 2;
    else if (byte <= 0x9f) children = byte & 0x0f;
    else if (byte <= 0xbf) at += byte & 0x1f;
    else if (byte === 0xdc || byte === 0xdd) {
      const size = byte === 0xdc ? 2 : 4;
      children = readLength(bytes, at, size);
      at += size;
    } else if (byte === 0xde || byte === 0xdf) {
      const size = byte === 0xde ? 2 : 4;
      children = readLength(bytes, at, size) * 2;
      at += size;
    } else {
      const tail = TAIL[byte];
      if (tail === undefined) throw new TypeError(`Cannot decode MessagePack: byte 0x${byte.toString(16)}`);
      const typeAt = extensions ? undefined : EXTENSIONS[byte];
      if (typeAt !== undefined) {
        const type = bytes[at + typeAt];
        if (type === undefined) throw new TypeError("Cannot decode MessagePack: truncated");
        // The type is a signed byte: -1 is the spec's timestamp, 0 to 127 are applications' (msgpackr's).
        throw new TypeError(
          `Cannot decode MessagePack: extension type ${type << 24 >> 24} (plain MessagePack has none; ` +
            "createMsgpackCodec({ extensions: true }) allows them)",
        );
      }
      const [fixed, lengthSize] = tail;
      const length = lengthSize === 0 ? 0 : readLength(bytes, at, lengthSize);
      at += lengthSize + fixed + length;
    }
    if (at > bytes.length) throw new TypeError("Cannot decode MessagePack: truncated");
    if (children < 0) continue;
    if (open.length + 1 > maxDepth) throw new RangeError(`Cannot decode MessagePack: nested deeper than ${maxDepth}`);
    // Every element takes at least one byte.
    if (children > bytes.length - at) throw new TypeError("Cannot decode MessagePack: truncated");
    if (children > 0) {
      open.push(left);
      left = children;
    }
  }
  if (at !== bytes.length) throw new TypeError("Cannot decode MessagePack: bytes after the value");
}
