/**
 * CRC32c, for the PROXY v2 checksum TLV.
 *
 * @module
 */

let crcTable: Uint32Array | undefined;

/** CRC32c (Castagnoli, RFC 4960 appendix B), as the PP2_TYPE_CRC32C TLV carries it. */
export function crc32c(bytes: Uint8Array): number {
  const table = crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    return c;
  });
  let crc = 0xffffffff;
  for (const byte of bytes) crc = table[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
