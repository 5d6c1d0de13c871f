/**
 * What the edges need of the core and the transports and users do not: an
 * internal entry, not published as an export of the package. An edge
 * reaches the core through mod.ts and this file only.
 *
 * @module
 */
export { addressWords } from "./core/server/proxy/ip_text.ts";
export { TrustedSources } from "./core/server/proxy/trusted.ts";
export { runtimeWebSocketListen } from "./transport/ws_select.ts";
export { Pings } from "./transport/ws_pings.ts";
export { drained, type WsPeer, type WsShared, WsSocket } from "./transport/ws_socket.ts";
export type { UpgradeRequest, UpgradeVerdict, WsListen, WsListenOptions } from "./transport/ws_types.ts";
