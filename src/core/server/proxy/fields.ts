/**
 * The fields of a PROXY header, once the scanner has its bytes: v1's
 * addresses and ports in text, v2's address block and TLVs, each checked as
 * the spec says.
 *
 * @module
 */
import { type ProxyHeader, ProxyHeaderError } from "./header.ts";
import { formatIPv6, parseIPv4, parseIPv6, words } from "./ip_text.ts";
import { crc32c } from "./crc32c.ts";
import { hex } from "./ascii.ts";

export const V2_FIXED = 16;
/** Bytes of the address block by v2 family: AF_UNSPEC, AF_INET, AF_INET6, AF_UNIX. */
export const ADDRESS_SIZE = [0, 12, 36, 216];
const TLV_CRC32C = 0x03;
const TLV_UNIQUE_ID = 0x05;
export const FIELDS = ["source address", "destination address", "source port", "destination port"];

/** A TCP4 or TCP6 line without its CRLF, whose fields the scanner has counted. */
export function parseV1(line: string): ProxyHeader {
  const [, protocol, ...fields] = line.split(" ");
  const [source, destination, sourcePort, destinationPort] = fields as [string, string, string, string];
  return {
    version: 1,
    command: "proxy",
    source: { hostname: v1Host(source, protocol!, FIELDS[0]!), port: v1Port(sourcePort, FIELDS[2]!) },
    destination: { hostname: v1Host(destination, protocol!, FIELDS[1]!), port: v1Port(destinationPort, FIELDS[3]!) },
  };
}

function v1Host(text: string, protocol: string, field: string): string {
  if (protocol === "TCP4") {
    if (parseIPv4(text) === undefined) throw new ProxyHeaderError(`${field} "${text}" is not an IPv4 address`);
    return text;
  }
  const words = parseIPv6(text);
  if (words === undefined) throw new ProxyHeaderError(`${field} "${text}" is not an IPv6 address`);
  return formatIPv6(words);
}

function v1Port(text: string, field: string): number {
  // "Heading zeroes are not permitted in front of numbers in order to avoid any possible confusion with octal numbers."
  if (!/^(0|[1-9][0-9]{0,4})$/.test(text) || Number(text) > 65535) {
    throw new ProxyHeaderError(`${field} "${text}" is not a number from 0 to 65535 without leading zeros`);
  }
  return Number(text);
}

export function parseV2(bytes: Uint8Array): ProxyHeader {
  if ((bytes[12]! & 0xf) === 0) return { version: 2, command: "local" }; // the block is discarded, family and all
  const family = bytes[13]! >> 4;
  const protocol = bytes[13]! & 0xf;
  // UNSPEC: "the receiver should ignore address information", TLVs included: where they start is unknown.
  if (family === 0 || protocol === 0) return { version: 2, command: "proxy" };
  checkTlvs(bytes, V2_FIXED + ADDRESS_SIZE[family]!);
  // AF_UNIX and datagrams are valid but carry no TCP client: the fallback the spec allows, the socket's addresses.
  if (family === 3 || protocol === 2) return { version: 2, command: "proxy" };
  const size = family === 1 ? 4 : 16;
  const ports = V2_FIXED + 2 * size;
  const host = (at: number) => family === 1 ? bytes.subarray(at, at + 4).join(".") : formatIPv6(words(bytes, at));
  return {
    version: 2,
    command: "proxy",
    source: { hostname: host(V2_FIXED), port: (bytes[ports]! << 8) | bytes[ports + 1]! },
    destination: { hostname: host(V2_FIXED + size), port: (bytes[ports + 2]! << 8) | bytes[ports + 3]! },
  };
}

/** The TLVs must tile the rest of the header exactly; a checksum, when sent, must match (the spec's MUST). */
function checkTlvs(bytes: Uint8Array, start: number): void {
  let at = start;
  while (at < bytes.length) {
    if (bytes.length - at < 3) throw new ProxyHeaderError(`${bytes.length - at} bytes after the last TLV`);
    const type = bytes[at]!;
    const length = (bytes[at + 1]! << 8) | bytes[at + 2]!;
    const end = at + 3 + length;
    if (end > bytes.length) {
      throw new ProxyHeaderError(`TLV ${hex(type)} of ${length} bytes runs past the header's end`);
    }
    if (type === TLV_CRC32C) {
      if (length !== 4) throw new ProxyHeaderError(`CRC32C TLV of ${length} bytes, not 4`);
      const sent = ((bytes[at + 3]! << 24) | (bytes[at + 4]! << 16) | (bytes[at + 5]! << 8) | bytes[at + 6]!) >>> 0;
      // Summed with its own field zeroed; the buffer is the parser's own and is dropped after this.
      bytes.fill(0, at + 3, at + 7);
      if (crc32c(bytes) !== sent) throw new ProxyHeaderError("CRC32C checksum does not match");
    }
    if (type === TLV_UNIQUE_ID && length > 128) {
      throw new ProxyHeaderError(`unique ID TLV of ${length} bytes, over 128`);
    }
    at = end;
  }
}
