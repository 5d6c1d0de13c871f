/**
 * Who may send a PROXY header: the proxies named in
 * `proxyProtocol: { trusted }`, as addresses or CIDR blocks, IPv4 and IPv6.
 * The spec leaves no room for anyone else: "The receiver SHOULD ensure proper
 * access filtering so that only trusted proxies are allowed to use this
 * protocol" (PP 2), for a header from anyone else is a client choosing its own
 * address. Percona's `proxy_protocol_networks` and Traffic Server's
 * `proxy_protocol_allowlist` are the same list.
 *
 * Invariants:
 * 1. An entry is read strictly, once, when the server starts: a malformed
 *    one is a `TypeError` naming it, never a narrower or wider list.
 * 2. IPv4 is matched in its IPv4-mapped form, so "10.0.0.0/8" covers a
 *    dual-stack socket's "::ffff:10.1.2.3" as well as "10.1.2.3".
 * 3. An address that is not IP (a Unix socket's path) is never trusted.
 *
 * @module
 */
import { addressWords, formatIPv6, maskWords, parseIPv4, parseIPv6 } from "./ip_text.ts";

/** One trusted block: its first address as eight 16-bit words, and how many leading bits must match (of 128). */
export interface Cidr {
  readonly words: readonly number[];
  readonly bits: number;
}

const PREFIX = /^(0|[1-9][0-9]{0,2})$/;

/**
 * Reads one entry of `proxyProtocol.trusted`: an address ("127.0.0.1",
 * "::1", one host) or a block ("10.0.0.0/8", "fd00::/8") whose bits past the
 * prefix are zero.
 *
 * @throws {TypeError} the entry is not an IPv4 or IPv6 address with an optional prefix; the message names it.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCidr } from "./trusted.ts";
 * assert.deepEqual(parseCidr("10.0.0.0/8"), { words: [0, 0, 0, 0, 0, 0xffff, 0x0a00, 0], bits: 104 });
 * assert.deepEqual(parseCidr("fd00::/8"), { words: [0xfd00, 0, 0, 0, 0, 0, 0, 0], bits: 8 });
 * assert.throws(() => parseCidr("10.0.0.1/8"), {
 *   name: "TypeError",
 *   message: 'Cannot trust proxy source "10.0.0.1/8": bits are set past the /8 prefix (the block is 10.0.0.0/8)',
 * });
 * ```
 */
export function parseCidr(entry: string): Cidr {
  const wrong = (why: string) => new TypeError(`Cannot trust proxy source ${JSON.stringify(entry)}: ${why}`);
  if (typeof entry !== "string") throw wrong("not a string");
  const slash = entry.indexOf("/");
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const prefix = slash < 0 ? undefined : entry.slice(slash + 1);
  if (address.includes("%")) throw wrong("a zone id names an interface, not a source");
  const v4 = !address.includes(":");
  const quad = v4 ? parseIPv4(address) : undefined;
  const words = v4 ? (quad === undefined ? undefined : addressWords(address)) : parseIPv6(address);
  if (words === undefined) throw wrong(`not an ${v4 ? "IPv4" : "IPv6"} address`);
  const max = v4 ? 32 : 128;
  if (prefix !== undefined && (!PREFIX.test(prefix) || Number(prefix) > max)) {
    throw wrong(`the prefix must be a whole number from 0 to ${max}`);
  }
  const length = prefix === undefined ? max : Number(prefix);
  const bits = v4 ? 96 + length : length;
  const masked = maskWords(words, bits);
  if (masked.some((word, i) => word !== words[i])) {
    const first = v4 ? maskedQuad(masked) : formatIPv6(masked);
    throw wrong(`bits are set past the /${length} prefix (the block is ${first}/${length})`);
  }
  return { words, bits };
}

/** The sources a server takes PROXY headers from. */
export class TrustedSources {
  readonly #blocks: readonly Cidr[];

  /**
   * @throws {TypeError} `entries` is not a non-empty array, or an entry is not an address or block.
   */
  constructor(entries: readonly string[]) {
    if (!Array.isArray(entries) || entries.length === 0) {
      throw new TypeError(
        'Cannot use proxyProtocol.trusted: it must list the proxies\' addresses or blocks, such as ["10.0.0.0/8"]',
      );
    }
    this.#blocks = entries.map(parseCidr);
  }

  /**
   * True when a socket from `hostname` (as the runtime writes a peer's
   * address, possibly IPv4-mapped or with a zone id) may send a header.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { TrustedSources } from "./trusted.ts";
   * const trusted = new TrustedSources(["10.0.0.0/8", "::1"]);
   * assert.ok(trusted.has("10.20.30.40"));
   * assert.ok(trusted.has("::ffff:10.20.30.40"));
   * assert.ok(trusted.has("::1"));
   * assert.ok(!trusted.has("127.0.0.1"));
   * assert.ok(!trusted.has("/tmp/socket"));
   * ```
   */
  has(hostname: string): boolean {
    const words = addressWords(hostname);
    if (words === undefined) return false;
    return this.#blocks.some((block) => within(words, block));
  }
}

/** True when `words` lies in `block`. */
export function within(words: readonly number[], block: Cidr): boolean {
  for (let i = 0; i < 8; i++) {
    const keep = Math.max(0, Math.min(16, block.bits - i * 16));
    if (keep === 0) return true;
    const mask = (0xffff << (16 - keep)) & 0xffff;
    if ((words[i]! & mask) !== block.words[i]) return false;
  }
  return true;
}

function maskedQuad(w: readonly number[]): string {
  return [w[6]! >> 8, w[6]! & 0xff, w[7]! >> 8, w[7]! & 0xff].join(".");
}
