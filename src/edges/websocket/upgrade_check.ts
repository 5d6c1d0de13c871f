/**
 * The rules of a public WebSocket port, one place for every runtime: which
 * upgrade requests become connections, with which subprotocol, from which
 * address. Checked in this order, each refusal an HTTP status before any
 * WebSocket exists:
 *
 * 1. The header section over `maxHeaderBytes`: 431 (RFC 6585 5).
 * 2. A version other than 13: 426, naming 13 (RFC 6455 4.4); a
 *    `Sec-WebSocket-Key` that is not 16 bytes in base64: 400 (RFC 6455 4.1).
 * 3. A path other than `path`: 404.
 * 4. An `Origin` not in `origins` (cross-site WebSocket hijacking: a page on
 *    another site opening a socket with the user's cookies): 403. A request
 *    with no `Origin` is not a browser's (browsers always send it, RFC 6455
 *    4.1) and passes.
 * 5. A client that offers the stream subprotocol (`spawnkit.stream`, the
 *    kit's byte stream as it is: ws_socket.ts) gets it, when `stream` is on,
 *    before any of `protocols`: it says how the bytes travel, which the
 *    application's subprotocols do not. Otherwise, with `protocols`, a
 *    client that offers none of them: 400. The server's order decides among
 *    those offered (RFC 6455 4.2.2).
 *
 * The client's address is the TCP peer's, unless the peer is a trusted proxy:
 * then it is the rightmost address of `X-Forwarded-For` that is not a trusted
 * proxy (each proxy appends the address it saw; only the ones we trust can
 * be believed), with port 0. A malformed entry there is ignored, and the
 * peer's address kept.
 *
 * @module
 */
import type { Address } from "../../../mod.ts";
import { addressWords, STREAM_PROTOCOL, type UpgradeRequest, type UpgradeVerdict } from "../../_internal.ts";

const KEY = /^[A-Za-z0-9+/]{22}==$/;

/** The proxies whose `X-Forwarded-For` is believed: whether an address is one of them (CIDR blocks, as PROXY's). */
export interface TrustedProxies {
  /** True when `hostname` is a trusted proxy's address. */
  has(hostname: string): boolean;
}

/** What the check needs, checked and with defaults applied. */
export interface UpgradeRules {
  /** The one path upgrades are taken on (`/`, say); another is a 404. */
  readonly path: string;
  /** The `Origin` values taken; undefined takes any (a port for native clients only). */
  readonly origins: ReadonlySet<string> | undefined;
  /** The subprotocols offered, in the server's order of preference; undefined offers none. */
  readonly protocols: readonly string[] | undefined;
  /** Take the stream subprotocol when a client offers it (optional: on unless false). */
  readonly stream?: boolean;
  /** The longest request line and headers together, in bytes; longer is a 431. */
  readonly maxHeaderBytes: number;
  /** The proxies whose `X-Forwarded-For` is believed; undefined believes none. */
  readonly trusted: TrustedProxies | undefined;
}

/**
 * Decides one upgrade request.
 *
 * @example A request from a page of another site
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkUpgrade } from "./upgrade_check.ts";
 * const rules = { path: "/", origins: new Set(["https://game.example"]), protocols: undefined, maxHeaderBytes: 8192, trusted: undefined };
 * const peer = { hostname: "127.0.0.1", port: 5000 };
 * const headers: Record<string, string> = {
 *   origin: "https://evil.example",
 *   "sec-websocket-version": "13",
 *   "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
 * };
 * const header = (name: string) => headers[name] ?? null;
 * assert.equal((checkUpgrade(rules, { path: "/", header, headerBytes: 100, peer }) as { status: number }).status, 403);
 * ```
 */
export function checkUpgrade(rules: UpgradeRules, request: UpgradeRequest): UpgradeVerdict {
  if (request.headerBytes > rules.maxHeaderBytes) {
    return { status: 431, reason: `Cannot upgrade: headers over ${rules.maxHeaderBytes} bytes` };
  }
  if (request.header("sec-websocket-version") !== "13") {
    return { status: 426, reason: "Cannot upgrade: WebSocket version 13 only" };
  }
  if (!KEY.test(request.header("sec-websocket-key") ?? "")) {
    return { status: 400, reason: "Cannot upgrade: Sec-WebSocket-Key must be 16 bytes in base64" };
  }
  if (request.path !== rules.path) return { status: 404, reason: "Cannot upgrade: no WebSocket endpoint here" };
  const origin = request.header("origin");
  if (origin !== null && rules.origins !== undefined && !rules.origins.has(origin.toLowerCase())) {
    return { status: 403, reason: "Cannot upgrade: origin not allowed" };
  }
  let protocol: string | undefined;
  const offered = (request.header("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim());
  if (rules.stream !== false && offered.includes(STREAM_PROTOCOL)) {
    protocol = STREAM_PROTOCOL;
  } else if (rules.protocols !== undefined) {
    protocol = rules.protocols.find((p) => offered.includes(p));
    if (protocol === undefined) return { status: 400, reason: "Cannot upgrade: no subprotocol in common" };
  }
  return { protocol, remoteAddr: clientAddress(request, rules.trusted) };
}

/** The client behind trusted proxies, or the peer itself. */
function clientAddress(request: UpgradeRequest, trusted: TrustedProxies | undefined): Address {
  const peer = request.peer;
  if (trusted === undefined || !trusted.has(peer.hostname)) return peer;
  const forwarded = request.header("x-forwarded-for");
  if (forwarded === null) return peer;
  const hops = forwarded.split(",").map((hop) => hop.trim());
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (addressWords(hop) === undefined) return peer;
    if (!trusted.has(hop)) return { hostname: hop, port: 0 };
  }
  // Every hop is a trusted proxy: the leftmost is as close to the client as we can tell.
  return { hostname: hops[0]!, port: 0 };
}
