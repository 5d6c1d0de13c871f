/**
 * spawnkit: the Erlang parallel server for Deno, Bun and Node. Every accepted
 * TCP connection runs its own async loop over length-prefixed frames; the
 * server counts, broadcasts and posts to connections; an AbortController tree
 * carries shutdown from the server to every connection.
 *
 * *The original*, in this code's comments, is the Erlang parallel server
 * spawnkit follows (a gen_server and its gen_tcp acceptor, `{packet, 4}`,
 * `{active, once}`), as DESIGN.md and the README describe it.
 *
 * This file is the table of contents: the public API by floor, from the
 * frames up. What the edges share with the core and users do not is in
 * `src/_internal.ts`, which is not an entry point.
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
// framing: bytes to frames and back
export {
  DEFAULT_MAX_FRAME_SIZE,
  encodeFrame,
  type Framing,
  type FramingOptions,
  type PacketSize,
} from "./src/core/framing/length_prefixed.ts";
export { FrameDecoder } from "./src/core/framing/frame_decoder.ts";
export { FrameDecoderStream, FrameEncoderStream } from "./src/core/framing/length_prefixed_stream.ts";
export type { WireDecoder, WireFormat } from "./src/core/framing/wire_format.ts";
export { lengthPrefixed, type LengthPrefixedOptions } from "./src/core/framing/length_prefixed_format.ts";
export { newlineDelimited, type NewlineDelimitedOptions } from "./src/core/framing/newline_delimited.ts";

// connection: one connection, the handle a handler holds
export type { Connection, RemoteConnection } from "./src/core/connection/connection.ts";
export type { ConnectionEvent } from "./src/core/connection/events.ts";
export type { ConnectionCallbacks } from "./src/core/connection/callbacks.ts";
export type { OutboxOptions } from "./src/core/connection/water_marks.ts";
export type { RateLimitOptions } from "./src/core/connection/rate_limit.ts";
export type { ConnectionStats, ServerStats } from "./src/core/stats.ts";

// server: serve() and what it gives handlers
export { serve } from "./src/core/server/serve.ts";
export type {
  CallbackHandler,
  Handler,
  Server,
  ServerExtension,
  ServerHooks,
  ServerSide,
} from "./src/core/server/server.ts";
export type { ServeOptions } from "./src/core/server/serve_options.ts";
export type { RoomOptions, Rooms } from "./src/core/server/rooms.ts";
export type { BroadcastTarget } from "./src/core/server/broadcast.ts";
export type { ShutdownOptions, ShutdownReport } from "./src/core/server/shutdown.ts";
export type { GuardOptions } from "./src/core/server/guards.ts";
export type {
  Admission,
  AdmissionContext,
  AdmissionExits,
  AdmissionExtension,
  AdmissionOptions,
} from "./src/core/server/admission.ts";
export type { AddressPrefix } from "./src/core/server/address_key.ts";
export type { ProxyProtocolOptions } from "./src/core/server/proxy/gate.ts";
export {
  PROXY_V1_MAX_LENGTH,
  PROXY_V2_MAX_LENGTH,
  type ProxyAddress,
  type ProxyHeader,
  type ProxyHeaderStep,
} from "./src/core/server/proxy/header.ts";
export { ProxyHeaderParser } from "./src/core/server/proxy/parser.ts";
export type { Door, DoorContext, DoorListener } from "./src/core/server/door.ts";

// session: authentication before the handler, heartbeats
export { type SessionOptions, sessions } from "./src/core/session/sessions.ts";
export type { HeartbeatOptions } from "./src/core/session/wire/client_heartbeat.ts";
export {
  type Authenticate,
  type AuthInfo,
  AuthRefusal,
  DEFAULT_AUTH_TIMEOUT,
  MAX_IDENTITY_LENGTH,
} from "./src/core/session/auth.ts";

// client: connect(), and the reconnecting client over it
export { connect, type ConnectOptions } from "./src/core/connect.ts";
export type { ClientOptions } from "./src/core/client/open_client.ts";
export {
  isReconnecting,
  type ReconnectEvent,
  type ReconnectHook,
  type ReconnectInfo,
  type ReconnectingConnection,
  type ReconnectState,
  type ReconnectStats,
  type SendOptions,
} from "./src/core/reconnect/reconnecting_connection.ts";
export type { ReconnectOptions } from "./src/core/reconnect/reconnect_options.ts";

// cluster: nodes over a bus
export { joinCluster } from "./src/core/cluster/join_cluster.ts";
export type { Cluster, ClusterOptions } from "./src/core/cluster/cluster_types.ts";
export type { ClusterBusStats } from "./src/core/cluster/bus_checks.ts";
export type { FetchConnectionsOptions, FetchedConnections } from "./src/core/cluster/fetch_connections.ts";
export type { Bus, BusDelivery, BusHandler, BusRequestOptions, BusStats } from "./src/core/cluster/bus.ts";
export { claimNode, type ClaimNodeOptions } from "./src/core/cluster/claim_node.ts";
export { NODE_ID_SPAN, nodeOfConnection } from "./src/core/cluster/node_ids.ts";
export type { MessageCodec } from "./src/core/codec.ts";
export { jsonCodec } from "./src/core/json_codec.ts";

// transport: the socket API the core runs on
export type {
  Address,
  DialOptions,
  Listener,
  ListenOptions,
  RawSocket,
  ReadHolds,
  SessionCounts,
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

// errors: what callers catch, and the reasons a connection closes
export {
  CLOSE_REASONS,
  type CloseReason,
  ConnectionClosedError,
  ConnectTimeoutError,
  FrameTooLargeError,
  GuardError,
  type GuardReason,
  type RefusalReason,
  SessionError,
  ShutdownError,
  TruncatedFrameError,
} from "./src/core/errors.ts";
export { DisconnectedError, ReconnectFailedError } from "./src/core/reconnect/reconnect_errors.ts";
export { ProxyHeaderError } from "./src/core/server/proxy/header.ts";
export { BusRequestError, type BusRequestFailure } from "./src/core/cluster/bus.ts";

// logging: where the kit writes, with a peer's bytes escaped and its lines limited
export { consoleWarnLogger, escapingLogger, type Logger, type LogProperties, silentLogger } from "./src/core/logger.ts";
export { escapeControlCharacters, escapeLogValue } from "./src/core/log_escape.ts";
export { type LogLevel, LogLimiter, type LogLimiterOptions } from "./src/core/log_limiter.ts";
export { redactUrl } from "./src/core/cluster/engine_state.ts";
