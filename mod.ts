/**
 * spawnkit: the Erlang parallel server for Deno and Bun. Every accepted TCP
 * connection runs its own async loop over length-prefixed frames; the server
 * counts, broadcasts and posts to connections; an AbortController tree carries
 * shutdown from the server to every connection.
 *
 * @example An echo server
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, serve, silentLogger } from "spawnkit";
 *
 * const server = await serve({ port: 0, logger: silentLogger }, async (conn) => {
 *   for await (const frame of conn) await conn.send(frame);
 * });
 * const client = await connect({ port: server.addr.port });
 * await client.send(new TextEncoder().encode("hello"));
 * assert.equal(new TextDecoder().decode(await client.receive()), "hello");
 * client.close();
 * await server.shutdown();
 * ```
 *
 * @module
 */
export {
  CLOSE_REASONS,
  type CloseReason,
  ConnectionClosedError,
  FrameTooLargeError,
  GuardError,
  type GuardReason,
  type RefusalReason,
  ShutdownError,
  TruncatedFrameError,
} from "./src/core/errors.ts";
export {
  DEFAULT_MAX_FRAME_SIZE,
  encodeFrame,
  type FramingOptions,
  type PacketSize,
} from "./src/core/framing/length_prefixed.ts";
export { FrameDecoder } from "./src/core/framing/frame_decoder.ts";
export { FrameDecoderStream, FrameEncoderStream } from "./src/core/framing/length_prefixed_stream.ts";
export {
  lengthPrefixed,
  type LengthPrefixedOptions,
  type WireDecoder,
  type WireFormat,
} from "./src/core/framing/wire_format.ts";
export {
  DEFAULT_MAX_LINE_LENGTH,
  newlineDelimited,
  type NewlineDelimitedOptions,
} from "./src/core/framing/newline_delimited.ts";
export * from "./src/core/logger.ts";
export { escapeControlCharacters, escapeLogValue } from "./src/core/log_escape.ts";
export { type LogLevel, LogLimiter, type LogLimiterOptions } from "./src/core/log_limiter.ts";
export type { MessageCodec } from "./src/core/codec.ts";
export { jsonCodec } from "./src/core/json_codec.ts";
export { formatAddress } from "./src/core/address.ts";
export {
  checkNumber,
  DEFAULT_HIGH_WATER_MARK,
  DEFAULT_MAILBOX_CAPACITY,
  DEFAULT_MAX_ROOM_NAME_LENGTH,
  DEFAULT_MAX_ROOMS_PER_CONNECTION,
  describeNumber,
  NUMBER_OPTIONS,
  type NumberOption,
  type NumberSpec,
  parseNumber,
} from "./src/core/options.ts";
export * from "./src/core/stats.ts";
export type { OutboxOptions } from "./src/core/connection/water_marks.ts";
export type { RateLimitOptions } from "./src/core/connection/rate_limit.ts";
export type { GuardOptions } from "./src/core/server/guards.ts";
export { type AddressPrefix, DEFAULT_ADDRESS_PREFIX } from "./src/core/server/address_key.ts";
export {
  PROXY_V1_MAX_LENGTH,
  PROXY_V2_MAX_LENGTH,
  type ProxyAddress,
  type ProxyHeader,
  ProxyHeaderError,
  type ProxyHeaderStep,
} from "./src/core/server/proxy/header.ts";
export { ProxyHeaderParser } from "./src/core/server/proxy/parser.ts";
export { DEFAULT_PROXY_HEADER_TIMEOUT, type ProxyProtocolOptions } from "./src/core/server/proxy/gate.ts";
export type { Connection } from "./src/core/connection/connection.ts";
export type { CallbackHandler } from "./src/core/connection/callbacks.ts";
export type { ConnectionEvent } from "./src/core/connection/events.ts";
export type { Handler, ServeOptions, Server } from "./src/core/server/server.ts";
export type { RoomOptions, Rooms } from "./src/core/server/rooms.ts";
export type { ShutdownOptions, ShutdownReport } from "./src/core/server/shutdown.ts";
export { serve } from "./src/core/server/serve.ts";
export type { Door, DoorContext, DoorListener } from "./src/core/server/door.ts";
export { connect, type ConnectOptions } from "./src/core/connect.ts";
export {
  isReconnecting,
  type ReconnectEvent,
  type ReconnectingConnection,
  type ReconnectState,
  type ReconnectStats,
  type SendOptions,
} from "./src/core/reconnect/reconnecting_connection.ts";
export {
  DEFAULT_BASE_DELAY,
  DEFAULT_MAX_DELAY,
  DEFAULT_MAX_RETRIES,
  DEFAULT_MAX_WAITING_BYTES,
  type ReconnectHook,
  type ReconnectInfo,
  type ReconnectOptions,
} from "./src/core/reconnect/reconnect_options.ts";
export { DisconnectedError, ReconnectFailedError } from "./src/core/reconnect/reconnect_errors.ts";
export {
  type Bus,
  type BusDelivery,
  type BusHandler,
  BusRequestError,
  type BusRequestFailure,
  type BusRequestOptions,
  type BusStats,
  DEFAULT_REQUEST_TIMEOUT,
} from "./src/core/cluster/bus.ts";
export { type Cluster, type ClusterOptions, joinCluster } from "./src/core/cluster/cluster.ts";
export type { ClusterBusStats } from "./src/core/cluster/bus_checks.ts";
export { NODE_ID_SPAN, nodeOfConnection } from "./src/core/cluster/node_ids.ts";
export { claimNode, type ClaimNodeOptions } from "./src/core/cluster/claim_node.ts";
export {
  DEFAULT_ENGINE_PENDING_BYTES,
  DEFAULT_MAX_MESSAGE_SIZE,
  type EngineBus,
  type EngineBusStats,
  EngineLink,
  type EngineLinkOptions,
  redactUrl,
} from "./src/core/cluster/engine_link.ts";
export { sumServerStats } from "./src/core/cluster/summed_stats.ts";
export {
  type ChannelPort,
  createPortHub,
  type PortHub,
  type PortHubMemberStats,
  type PortHubOptions,
} from "./src/core/cluster/port_hub.ts";
export { connectPortBus, type PortBusOptions, type PortLike } from "./src/core/cluster/port_bus.ts";
export type {
  Address,
  DialOptions,
  Listener,
  ListenOptions,
  RawSocket,
  TlsConnectOptions,
  TlsServeOptions,
  Transport,
} from "./src/transport/types.ts";
export {
  type MemorySocket,
  type MemoryTransport,
  memoryTransport,
  type MemoryTransportOptions,
} from "./src/transport/memory.ts";
