/**
 * Addresses for people: the one way the kit writes an address in a log line,
 * a record or a message.
 *
 * @module
 */
import type { Address } from "../transport/types.ts";

/** The default `hostname` to listen on and to connect to: loopback, so nothing is reachable from outside unless asked. */
export const DEFAULT_HOSTNAME = "127.0.0.1";

/**
 * `host:port`, with an IPv6 host in brackets (`[::1]:7000`); a socket whose
 * peer was gone before its address could be read has an empty host.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatAddress } from "./address.ts";
 * assert.equal(formatAddress({ hostname: "127.0.0.1", port: 7000 }), "127.0.0.1:7000");
 * assert.equal(formatAddress({ hostname: "::1", port: 7000 }), "[::1]:7000");
 * ```
 */
export function formatAddress(addr: Address): string {
  return addr.hostname.includes(":") ? `[${addr.hostname}]:${addr.port}` : `${addr.hostname}:${addr.port}`;
}
