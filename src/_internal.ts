/**
 * What the edges share with the core and users do not: option checking, the
 * engine buses' shared state, the hub and bus over MessagePorts. Not an entry
 * point of deno.json or package.json: the edges import it by relative path
 * (`../../_internal.ts`), and the npm build bundles it as a chunk they share
 * with the core, so each class exists once.
 *
 * @module
 */
export {
  checkNumber,
  DEFAULT_HIGH_WATER_MARK,
  describeNumber,
  NUMBER_OPTIONS,
  type NumberOption,
  type NumberSpec,
  parseNumber,
} from "./core/options.ts";
export { formatAddress } from "./core/address.ts";
export { DEFAULT_MAX_PENDING_BYTES, DEFAULT_REQUEST_TIMEOUT } from "./core/cluster/bus.ts";
export {
  DEFAULT_MAX_MESSAGE_SIZE,
  type EngineBus,
  type EngineBusOptions,
  type EngineBusStats,
  EngineState,
} from "./core/cluster/engine_state.ts";
export {
  type ChannelPort,
  createPortHub,
  type PortHub,
  type PortHubMemberStats,
  type PortHubOptions,
} from "./core/cluster/port_hub.ts";
export { connectPortBus, type PortBusOptions, type PortLike } from "./core/cluster/port_bus.ts";
export { addressWords } from "./core/server/proxy/ip_text.ts";
export { TrustedSources } from "./core/server/proxy/trusted.ts";
export { runtimeWebSocketListen } from "./transport/ws_select.ts";
export { Pings } from "./transport/ws_pings.ts";
export { drained, type WsPeer, type WsShared, WsSocket } from "./transport/ws_socket.ts";
export { STREAM_MESSAGE_BYTES, STREAM_PROTOCOL } from "./transport/ws_stream.ts";
export type { UpgradeRequest, UpgradeVerdict, WsListen, WsListenOptions } from "./transport/ws_types.ts";
