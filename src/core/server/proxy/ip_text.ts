/**
 * IP addresses in text: dotted quads and IPv6 (RFC 4291) read strictly, and
 * IPv6 written as Deno, Node and Bun print a peer's address (RFC 5952).
 *
 * @module
 */

/** The four numbers of a dotted quad: decimal 0 to 255, no leading zeros; undefined when it is not one. */
export function parseIPv4(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((part) => /^(0|[1-9][0-9]{0,2})$/.test(part))) return undefined;
  const numbers = parts.map(Number);
  return numbers.every((n) => n <= 255) ? numbers : undefined;
}

/**
 * The eight 16-bit words of an IPv6 address in text (RFC 4291 2.2): groups of
 * 1 to 4 hex digits, at most one "::" standing for one or more zero groups,
 * an optional dotted quad as the last 32 bits; undefined when it is not one.
 */
export function parseIPv6(text: string): number[] | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  if (halves.length === 1) {
    const all = groups(text, true);
    return all?.length === 8 ? all : undefined;
  }
  const head = groups(halves[0]!, false);
  const tail = groups(halves[1]!, true);
  if (head === undefined || tail === undefined || head.length + tail.length > 7) return undefined;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

function groups(text: string, last: boolean): number[] | undefined {
  if (text === "") return [];
  const pieces = text.split(":");
  const result: number[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    if (last && i === pieces.length - 1 && piece.includes(".")) {
      const quad = parseIPv4(piece);
      if (quad === undefined) return undefined;
      result.push((quad[0]! << 8) | quad[1]!, (quad[2]! << 8) | quad[3]!);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) result.push(parseInt(piece, 16));
    else return undefined;
  }
  return result;
}

export function words(bytes: Uint8Array, at: number): number[] {
  const result: number[] = [];
  for (let i = 0; i < 16; i += 2) result.push((bytes[at + i]! << 8) | bytes[at + i + 1]!);
  return result;
}

/**
 * RFC 5952, as Deno, Node and Bun print a peer's address: lowercase, no
 * leading zeros, the longest run of two or more zero groups (the first of
 * equals) as "::", and an IPv4-mapped address as "::ffff:a.b.c.d".
 */
export function formatIPv6(w: number[]): string {
  if (w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0xffff) {
    return `::ffff:${w[6]! >> 8}.${w[6]! & 0xff}.${w[7]! >> 8}.${w[7]! & 0xff}`;
  }
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    let end = i;
    while (end < 8 && w[end] === 0) end++;
    if (end - i > bestLength) [best, bestLength] = [i, end - i];
    i = end === i ? i + 1 : end;
  }
  const text = (from: number, to: number) => w.slice(from, to).map((word) => word.toString(16)).join(":");
  return best < 0 ? text(0, 8) : `${text(0, best)}::${text(best + bestLength, 8)}`;
}

/**
 * An address as eight 16-bit words, IPv4 in its IPv4-mapped form
 * (::ffff:a.b.c.d), so that one comparison covers a dual-stack socket's
 * "::ffff:10.0.0.5" and a plain "10.0.0.5"; a zone id ("fe80::1%eth0") is
 * left out. Undefined when the text is not an IP address (a Unix socket's path).
 */
export function addressWords(text: string): number[] | undefined {
  const zone = text.indexOf("%");
  const bare = zone < 0 ? text : text.slice(0, zone);
  if (!bare.includes(":")) {
    const quad = parseIPv4(bare);
    return quad === undefined
      ? undefined
      : [0, 0, 0, 0, 0, 0xffff, (quad[0]! << 8) | quad[1]!, (quad[2]! << 8) | quad[3]!];
  }
  return parseIPv6(bare);
}

/** True when the words are an IPv4-mapped address (::ffff:0:0/96). */
export function isMapped(w: readonly number[]): boolean {
  return w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0xffff;
}

/** The words with every bit past the first `bits` cleared. */
export function maskWords(w: readonly number[], bits: number): number[] {
  return w.map((word, i) => {
    const keep = Math.max(0, Math.min(16, bits - i * 16));
    return keep === 0 ? 0 : word & (0xffff << (16 - keep)) & 0xffff;
  });
}
