/**
 * What `maxConnectionsPerAddress` counts as one address. One IPv6 host
 * usually holds a whole /64 (SLAAC, privacy addresses, RFC 6177's advice to
 * hand out a /56 or /48 per site), so counting every IPv6 address apart lets
 * one client open 2^64 times the limit. Addresses in one prefix share one
 * count: /64 for IPv6 and /32 (one address) for IPv4 by default, as nginx's
 * and Cloudflare's per-client limits group them.
 *
 * Invariants:
 * 1. The key of an address depends on its value, not its text: "2001:db8::1",
 *    "2001:0db8:0:0:0:0:0:1" and "2001:db8::1%eth0" share one key, and an
 *    IPv4-mapped "::ffff:203.0.113.7" is the IPv4 address "203.0.113.7".
 * 2. A hostname that is not an IP address (a Unix socket's path, a test
 *    transport's name) is its own key.
 *
 * @module
 */
import { addressWords, formatIPv6, isMapped, maskWords } from "./proxy/ip_text.ts";

/** The `addressPrefix` option of `serve()`. */
export interface AddressPrefix {
  /** Leading bits of an IPv4 address that make one address for `maxConnectionsPerAddress`, 1 to 32. @default {32} */
  readonly ipv4?: number;
  /** Leading bits of an IPv6 address that make one address for `maxConnectionsPerAddress`, 1 to 128. @default {64} */
  readonly ipv6?: number;
}

/** The default `addressPrefix`: one IPv4 address, one IPv6 /64. */
export const DEFAULT_ADDRESS_PREFIX = { ipv4: 32, ipv6: 64 } as const;

/**
 * The key that `maxConnectionsPerAddress` counts a remote address under.
 *
 * @throws {TypeError} `prefix` is not an object.
 * @throws {RangeError} `prefix.ipv4` is not a whole number from 1 to 32, or `prefix.ipv6` from 1 to 128.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { addressKeyOf } from "./address_key.ts";
 * const key = addressKeyOf();
 * assert.equal(key("203.0.113.7"), "203.0.113.7");
 * assert.equal(key("::ffff:203.0.113.7"), "203.0.113.7");
 * assert.equal(key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
 * assert.equal(key("2001:db8:1:2:bbbb::2"), "2001:db8:1:2::/64");
 * assert.equal(addressKeyOf({ ipv4: 24 })("203.0.113.7"), "203.0.113.0/24");
 * ```
 */
export function addressKeyOf(prefix: AddressPrefix = {}): (hostname: string) => string {
  if (typeof prefix !== "object" || prefix === null) {
    throw new TypeError(`Cannot use addressPrefix ${String(prefix)}: must be an object such as { ipv6: 64 }`);
  }
  const ipv4 = bits("ipv4", prefix.ipv4 ?? DEFAULT_ADDRESS_PREFIX.ipv4, 32);
  const ipv6 = bits("ipv6", prefix.ipv6 ?? DEFAULT_ADDRESS_PREFIX.ipv6, 128);
  return (hostname) => {
    // The common case costs no parsing: a runtime writes an IPv4 peer as a plain dotted quad.
    if (ipv4 === 32 && !hostname.includes(":") && !hostname.includes("%")) return hostname;
    const words = addressWords(hostname);
    if (words === undefined) return hostname;
    if (isMapped(words)) {
      const masked = maskWords(words, 96 + ipv4);
      const quad = `${masked[6]! >> 8}.${masked[6]! & 0xff}.${masked[7]! >> 8}.${masked[7]! & 0xff}`;
      return ipv4 === 32 ? quad : `${quad}/${ipv4}`;
    }
    const text = formatIPv6(maskWords(words, ipv6));
    return ipv6 === 128 ? text : `${text}/${ipv6}`;
  };
}

function bits(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`Cannot use addressPrefix.${name} ${String(value)}: must be a whole number from 1 to ${max}`);
  }
  return value;
}
