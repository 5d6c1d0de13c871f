/**
 * The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2):
 * what an L4 load balancer sends before the client's first byte, so that the
 * server learns the client's address instead of the balancer's. This folder
 * reads it, incrementally and within a fixed bound of memory (parser.ts, the
 * fields in fields.ts), and puts it in front of a listener (gate.ts); this
 * file holds what it reads and how it fails.
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
 * import { ProxyHeaderError } from "spawnkit";
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
