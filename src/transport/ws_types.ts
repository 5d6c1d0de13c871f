/**
 * The contract of a runtime's WebSocket listener (ws_deno.ts, ws_bun.ts, and
 * Node's in the websocket edge): an HTTP server that upgrades the requests
 * its `check` lets through and hands each WebSocket to the kit as a
 * {@linkcode WsSocket}. The rules of the upgrade (path, Origin, subprotocol,
 * X-Forwarded-For, header size) are the edge's, in one place for every runtime.
 *
 * @module
 */
import type { Address, Listener, TlsServeOptions } from "./types.ts";
import type { WsShared, WsSocket } from "./ws_socket.ts";

/** An upgrade request, as the check sees it on every runtime. */
export interface UpgradeRequest {
  /** The request's path, without its query. */
  readonly path: string;
  /** A header's value, `null` when absent (names are case-insensitive). */
  header(name: string): string | null;
  /** Bytes of the header names and values, as the runtime parsed them. */
  readonly headerBytes: number;
  /** The TCP peer (a proxy, when there is one). */
  readonly peer: Address;
}

/** Refused with an HTTP status, or taken with the agreed subprotocol and the client's address. */
export type UpgradeVerdict =
  | { readonly status: number; readonly reason: string }
  | { readonly protocol: string | undefined; readonly remoteAddr: Address };

/** What every runtime's listener takes. */
export interface WsListenOptions {
  readonly hostname: string;
  readonly port: number;
  readonly tls?: TlsServeOptions;
  /** Seconds for the whole upgrade request to arrive (where the runtime can bound it). */
  readonly upgradeTimeout: number;
  /** Largest header section, in bytes (where the runtime can bound it before parsing). */
  readonly maxHeaderBytes: number;
  /** Seconds between pings; a pong missing at the next one closes the connection. 0: no pings. */
  readonly pingInterval: number;
  /** Offer permessage-deflate. */
  readonly perMessageDeflate: boolean;
  /** Shared by the sockets: framing, limits, and the going-away flag. */
  readonly shared: WsShared;
  /** Decides each upgrade. */
  check(request: UpgradeRequest): UpgradeVerdict;
}

/** Starts a runtime's WebSocket listener. */
export type WsListen = (
  options: WsListenOptions,
  onSocket: (socket: WsSocket) => void,
  onError: (error: unknown) => number,
) => Promise<Listener>;
