/**
 * The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2):
 * what an L4 load balancer sends before the client's first byte, so that the
 * server learns the client's address instead of the balancer's. This file
 * reads it, incrementally and within a fixed bound of memory; it imports
 * nothing.
 *
 * ```text
 * v1: one line of US-ASCII, at most 107 bytes with its CRLF, single spaces
 *   PROXY TCP4 203.0.113.7 192.0.2.1 56324 7000\r\n
 *   PROXY TCP6 2001:db8::7 2001:db8::1 56324 7000\r\n
 *   PROXY UNKNOWN<anything but CR or LF>\r\n
 *
 * v2: binary, network byte order; the whole header is 16 + length bytes
 *   +-------------------------------------+---------+----------+--------+
 *   | signature, 12 bytes                 | ver|cmd | fam|prot | length |
 *   | 0D 0A 0D 0A 00 0D 0A 51 55 49 54 0A | 2 | 0,1 | 0-3|0-2  | 2 bytes|
 *   +-------------------------------------+---------+----------+--------+
 *   | addresses: AF_INET  src 4, dst 4, sport 2, dport 2  = 12 bytes     |
 *   |            AF_INET6 src 16, dst 16, sport 2, dport 2 = 36 bytes    |
 *   |            AF_UNIX  src 108, dst 108                = 216 bytes   |
 *   | then TLVs to the end: type 1 byte | length 2 bytes | value         |
 *   +--------------------------------------------------------------------+
 * ```
 *
 * Invariants:
 * 1. At most `PROXY_V1_MAX_LENGTH` (v1) or 16 + `PROXY_V2_MAX_LENGTH` (v2)
 *    bytes are ever held; a v2 length over the cap is refused before any
 *    buffer for it is allocated.
 * 2. A byte that no valid header could hold at its place is refused when it
 *    arrives: a client that sends a frame first is refused at its first byte,
 *    never waited on.
 * 3. Not one byte after the header is consumed: they are handed back, as a
 *    view of the chunk that held them.
 * 4. Every refusal is a `ProxyHeaderError`, and it is final.
 *
 * @module
 */

/** The longest v1 line, CRLF included: the spec's worst case ("PROXY UNKNOWN" and two full IPv6 addresses). */
export const PROXY_V1_MAX_LENGTH = 107;

/**
 * The largest v2 length field accepted (addresses and TLVs, in bytes): the
 * spec fits a header in 536 bytes, and balancers' TLVs (an AWS endpoint id, a
 * TLS client's name) stay far below this.
 */
export const PROXY_V2_MAX_LENGTH = 4096;

/** An endpoint carried by the header, written as the runtimes write addresses. */
export interface ProxyAddress {
  /** IPv4 dotted quad ("203.0.113.7"), or IPv6 in RFC 5952 form ("2001:db8::1", "::ffff:203.0.113.7"). */
  readonly hostname: string;
  /** Port, 0 to 65535. */
  readonly port: number;
}

/**
 * A header that was read. `source` and `destination` are there for a relayed
 * TCP connection over IPv4 or IPv6; without them the socket's own addresses
 * stand: LOCAL (the balancer's health check), v1 UNKNOWN, and v2 UNSPEC,
 * AF_UNIX or DGRAM, which the spec lets a receiver fall back from.
 */
export interface ProxyHeader {
  /** The protocol version the header was written in: 1 (text) or 2 (binary). */
  readonly version: 1 | 2;
  /** "local": the balancer opened the connection itself; "proxy": it relays a client. */
  readonly command: "proxy" | "local";
  /** The client's end. */
  readonly source?: ProxyAddress;
  /** The end the client connected to (the balancer's listening address). */
  readonly destination?: ProxyAddress;
}

/** What `push()` says: more bytes are needed, or the header with the bytes that followed it. */
export type ProxyHeaderStep =
  | { readonly done: false }
  | {
    readonly done: true;
    readonly header: ProxyHeader;
    /** The bytes after the header: the first bytes of the stream behind it (a view, possibly empty). */
    readonly rest: Uint8Array;
  };

/**
 * The bytes are not a valid PROXY header. `code` is the close reason it causes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProxyHeaderError } from "./proxy_header.ts";
 * const error = new ProxyHeaderError("no CRLF within the first 107 bytes");
 * assert.equal(error.message, "Cannot read PROXY header: no CRLF within the first 107 bytes");
 * assert.equal(error.code, "bad-proxy-header");
 * ```
 */
export class ProxyHeaderError extends Error {
  /** The close reason this error causes. */
  readonly code = "bad-proxy-header" as const;
  /** What was wrong, in words. */
  readonly detail: string;

  /** Builds the error; `detail` says what was wrong. */
  constructor(detail: string) {
    super(`Cannot read PROXY header: ${detail}`);
    this.name = "ProxyHeaderError";
    this.detail = detail;
  }
}

const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
const V1_PREFIX = [0x50, 0x52, 0x4f, 0x58, 0x59, 0x20]; // "PROXY "
const V1_PROTOCOLS = ["TCP4", "TCP6", "UNKNOWN"];
const V2_FIXED = 16;
const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;
/** Bytes of the address block by v2 family: AF_UNSPEC, AF_INET, AF_INET6, AF_UNIX. */
const ADDRESS_SIZE = [0, 12, 36, 216];
const FAMILY_NAMES = ["AF_UNSPEC", "AF_INET", "AF_INET6", "AF_UNIX"];
const TLV_CRC32C = 0x03;
const TLV_UNIQUE_ID = 0x05;
const FIELDS = ["source address", "destination address", "source port", "destination port"];
const NEED_MORE: ProxyHeaderStep = Object.freeze({ done: false });
/** Held before the first byte and after the header: no memory per parser then. */
const NOTHING = new Uint8Array(0);

/**
 * Reads one PROXY header (v1 or v2) from chunks of any size.
 *
 * @example A v1 header and the first frame in one chunk
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProxyHeaderParser } from "./proxy_header.ts";
 * const wire = new TextEncoder().encode("PROXY TCP4 203.0.113.7 192.0.2.1 56324 7000\r\n\x00\x00\x00\x00");
 * const parser = new ProxyHeaderParser();
 * assert.deepEqual(parser.push(wire.subarray(0, 20)), { done: false });
 * const step = parser.push(wire.subarray(20));
 * assert.ok(step.done);
 * assert.deepEqual(step.header.source, { hostname: "203.0.113.7", port: 56324 });
 * assert.deepEqual([...step.rest], [0, 0, 0, 0]);
 * ```
 * @example A client that sends a frame first is refused at its first byte
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProxyHeaderError, ProxyHeaderParser } from "./proxy_header.ts";
 * assert.throws(() => new ProxyHeaderParser().push(new Uint8Array([0, 0, 0, 5])), ProxyHeaderError);
 * ```
 */
export class ProxyHeaderParser {
  #buffer = NOTHING;
  #length = 0;
  #version: 0 | 1 | 2 = 0;
  /** v2: the whole header's size, once its length field is read. */
  #total = 0;
  /** v1: 4, 6 or 7 (UNKNOWN) once the protocol word is read. */
  #protocol = 0;
  #field = 0;
  #fieldLength = 0;
  #cr = false;
  #done = false;
  #failed: ProxyHeaderError | undefined;

  /** Bytes of the header received so far. */
  get received(): number {
    return this.#length;
  }

  /** Bytes of memory the parser holds: never over 16 + `PROXY_V2_MAX_LENGTH`. */
  get allocated(): number {
    return this.#buffer.length;
  }

  /**
   * Takes the next chunk of the stream.
   *
   * @throws {ProxyHeaderError} the bytes cannot be a PROXY header; every later call throws it again.
   * @throws {TypeError} the header was already read.
   */
  push(chunk: Uint8Array): ProxyHeaderStep {
    if (this.#failed !== undefined) throw this.#failed;
    if (this.#done) throw new TypeError("Cannot push: the PROXY header is already read");
    try {
      return this.#push(chunk);
    } catch (error) {
      if (error instanceof ProxyHeaderError) this.#failed = error;
      throw error;
    }
  }

  /**
   * The stream ended. Nothing happens when no byte arrived (a peer that
   * connected and closed) or the header is complete.
   *
   * @throws {ProxyHeaderError} the stream ended inside the header.
   */
  finish(): void {
    if (this.#failed !== undefined) throw this.#failed;
    if (this.#done || this.#length === 0) return;
    throw this.#failed = new ProxyHeaderError(
      `stream ended after ${this.#length} bytes of a version ${this.#version} header`,
    );
  }

  #push(chunk: Uint8Array): ProxyHeaderStep {
    let at = 0;
    while (at < chunk.length) {
      if (this.#total > 0) {
        // v2 past its fixed part: the rest is copied whole and checked once complete.
        const take = Math.min(this.#total - this.#length, chunk.length - at);
        this.#buffer.set(chunk.subarray(at, at + take), this.#length);
        this.#length += take;
        at += take;
      } else {
        const byte = chunk[at++]!;
        if (this.#version === 0) this.#start(byte);
        if (this.#version === 1 ? this.#v1Byte(byte) : this.#v2Byte(byte)) return this.#complete(chunk.subarray(at));
      }
      if (this.#total > 0 && this.#length === this.#total) return this.#complete(chunk.subarray(at));
    }
    return NEED_MORE;
  }

  #complete(rest: Uint8Array): ProxyHeaderStep {
    const header = this.#version === 2
      ? parseV2(this.#buffer)
      : this.#protocol === 7
      ? { version: 1 as const, command: "proxy" as const }
      // Every byte of a TCP4 or TCP6 line was checked to be printable ASCII.
      : parseV1(String.fromCharCode(...this.#buffer.subarray(0, this.#length - 2)));
    this.#done = true;
    this.#buffer = NOTHING;
    return { done: true, header, rest };
  }

  /** The first byte says which version it can be. */
  #start(byte: number): void {
    if (byte === V1_PREFIX[0]) {
      this.#version = 1;
      this.#buffer = new Uint8Array(PROXY_V1_MAX_LENGTH);
    } else if (byte === SIGNATURE[0]) {
      this.#version = 2;
      this.#buffer = new Uint8Array(V2_FIXED);
    } else {
      this.#length = 1; // received, and refused: nothing is held
      throw new ProxyHeaderError(`first byte ${hex(byte)} starts neither "PROXY" (v1) nor the v2 signature`);
    }
  }

  /** One byte of a v1 line; true once its CRLF is complete. */
  #v1Byte(byte: number): boolean {
    const i = this.#length;
    this.#buffer[i] = byte;
    this.#length++;
    if (this.#cr) {
      if (byte !== LF) throw new ProxyHeaderError(`CR at byte ${i - 1} is not followed by LF`);
      return true;
    }
    if (byte === LF) throw new ProxyHeaderError(`LF at byte ${i} without CR`);
    // The last byte a line may have is its LF: any other there cannot be a header.
    if (this.#length === PROXY_V1_MAX_LENGTH) {
      throw new ProxyHeaderError(`no CRLF within the first ${PROXY_V1_MAX_LENGTH} bytes`);
    }
    if (i < V1_PREFIX.length) {
      if (byte !== V1_PREFIX[i]) throw new ProxyHeaderError(`"${this.#text()}" does not start with "PROXY "`);
      return false;
    }
    if (this.#protocol === 0) return this.#v1Protocol(byte);
    if (this.#protocol === 7) {
      // "the receiver must ignore anything presented before the CRLF"
      if (byte === CR) this.#cr = true;
      return false;
    }
    const field = FIELDS[this.#field]!;
    if (byte === SP || byte === CR) {
      if (this.#fieldLength === 0) throw new ProxyHeaderError(`empty ${field}`);
      if (byte === CR && this.#field < 3) throw new ProxyHeaderError(`line ends before the ${FIELDS[this.#field + 1]}`);
      if (byte === SP && this.#field === 3) throw new ProxyHeaderError("more than four fields after the protocol");
      if (byte === CR) this.#cr = true;
      this.#field++;
      this.#fieldLength = 0;
      return false;
    }
    const port = this.#field >= 2;
    const allowed = port || this.#protocol === 4 ? isDigit(byte) || (!port && byte === 0x2e) : isIPv6Char(byte);
    const limit = port ? 5 : this.#protocol === 4 ? 15 : 45;
    if (!allowed) throw new ProxyHeaderError(`byte ${hex(byte)} in the ${field}`);
    if (++this.#fieldLength > limit) throw new ProxyHeaderError(`${field} longer than ${limit} characters`);
    return false;
  }

  /** A byte of the protocol word, or the space or CR after it. */
  #v1Protocol(byte: number): boolean {
    if (byte === SP || byte === CR) {
      const name = printable(this.#buffer, V1_PREFIX.length, this.#length - 1);
      const index = V1_PROTOCOLS.indexOf(name);
      if (index < 0) throw new ProxyHeaderError(`protocol "${name}" is not TCP4, TCP6 or UNKNOWN`);
      this.#protocol = [4, 6, 7][index]!;
      if (byte === CR && this.#protocol !== 7) throw new ProxyHeaderError(`line ends after the protocol ${name}`);
      this.#cr = byte === CR;
      return false;
    }
    // Still the start of a protocol's name? Compared byte by byte: no string per byte.
    const length = this.#length - V1_PREFIX.length;
    const alive = V1_PROTOCOLS.some((name) => {
      if (length > name.length) return false;
      for (let i = 0; i < length; i++) if (this.#buffer[V1_PREFIX.length + i] !== name.charCodeAt(i)) return false;
      return true;
    });
    if (!alive) {
      const word = printable(this.#buffer, V1_PREFIX.length, this.#length);
      throw new ProxyHeaderError(`protocol "${word}" is not TCP4, TCP6 or UNKNOWN`);
    }
    return false;
  }

  /** One byte of the v2 fixed part; true when the header ends with it (length 0). */
  #v2Byte(byte: number): boolean {
    const i = this.#length;
    this.#buffer[i] = byte;
    this.#length++;
    if (i < SIGNATURE.length) {
      if (byte !== SIGNATURE[i]) throw new ProxyHeaderError(`byte ${i} is ${hex(byte)}, not the v2 signature's`);
    } else if (i === 12) {
      if (byte >> 4 !== 2) throw new ProxyHeaderError(`version ${byte >> 4} in the v2 signature, not 2`);
      if ((byte & 0xf) > 1) throw new ProxyHeaderError(`command ${byte & 0xf} is neither LOCAL (0) nor PROXY (1)`);
    } else if (i === 13) {
      if (byte >> 4 > 3) throw new ProxyHeaderError(`address family ${byte >> 4} is not 0 to 3`);
      if ((byte & 0xf) > 2) throw new ProxyHeaderError(`transport protocol ${byte & 0xf} is not 0 to 2`);
    } else if (i === 15) return this.#v2Length();
    return false;
  }

  /** The length field is read: checked against the cap and the address block, then the buffer is sized. */
  #v2Length(): boolean {
    const fixed = this.#buffer;
    const length = (fixed[14]! << 8) | fixed[15]!;
    if (length > PROXY_V2_MAX_LENGTH) {
      throw new ProxyHeaderError(`length ${length} is over the limit of ${PROXY_V2_MAX_LENGTH} bytes`);
    }
    const family = fixed[13]! >> 4;
    const addresses = ADDRESS_SIZE[family]!;
    // A relayed connection of a known family must hold its addresses; LOCAL and UNSPEC need none.
    if ((fixed[12]! & 0xf) === 1 && (fixed[13]! & 0xf) !== 0 && length < addresses) {
      throw new ProxyHeaderError(`length ${length} is short of the ${addresses} bytes of ${FAMILY_NAMES[family]}`);
    }
    if (length === 0) return true;
    this.#total = V2_FIXED + length;
    this.#buffer = new Uint8Array(this.#total);
    this.#buffer.set(fixed);
    return false;
  }

  #text(): string {
    return printable(this.#buffer, 0, this.#length);
  }
}

/** A TCP4 or TCP6 line without its CRLF, whose fields the scanner has counted. */
function parseV1(line: string): ProxyHeader {
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

function parseV2(bytes: Uint8Array): ProxyHeader {
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

/** The four numbers of a dotted quad: decimal 0 to 255, no leading zeros; undefined when it is not one. */
function parseIPv4(text: string): number[] | undefined {
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
function parseIPv6(text: string): number[] | undefined {
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

function words(bytes: Uint8Array, at: number): number[] {
  const result: number[] = [];
  for (let i = 0; i < 16; i += 2) result.push((bytes[at + i]! << 8) | bytes[at + i + 1]!);
  return result;
}

/**
 * RFC 5952, as Deno, Node and Bun print a peer's address: lowercase, no
 * leading zeros, the longest run of two or more zero groups (the first of
 * equals) as "::", and an IPv4-mapped address as "::ffff:a.b.c.d".
 */
function formatIPv6(w: number[]): string {
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

let crcTable: Uint32Array | undefined;

/** CRC32c (Castagnoli, RFC 4960 appendix B), as the PP2_TYPE_CRC32C TLV carries it. */
function crc32c(bytes: Uint8Array): number {
  const table = crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    return c;
  });
  let crc = 0xffffffff;
  for (const byte of bytes) crc = table[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The bytes as text, anything but printable ASCII as `\xNN`: safe to put in a message. */
function printable(bytes: Uint8Array, from: number, to: number): string {
  let text = "";
  for (let i = from; i < to; i++) {
    const byte = bytes[i]!;
    text += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  return text;
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, "0").toUpperCase()}`;
}

function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}

function isIPv6Char(byte: number): boolean {
  return isDigit(byte) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66) || byte === 0x3a ||
    byte === 0x2e;
}
