/**
 * spawnkit: the Erlang parallel server for Deno and Bun. Every accepted TCP
 * connection runs its own async loop over length-prefixed frames; the server
 * counts, broadcasts and posts to connections; an AbortController tree carries
 * shutdown from the server to every connection.
 *
 * @example An echo server
 * ```ts
 * import { connect, serve, silentLogger } from "./mod.ts";
 *
 * const server = await serve({ port: 0, logger: silentLogger }, async (conn) => {
 *   for await (const frame of conn) await conn.send(frame);
 * });
 * const client = await connect({ port: server.addr.port });
 * await client.send(new TextEncoder().encode("hello"));
 * for await (const reply of client) {
 *   if (new TextDecoder().decode(reply) !== "hello") throw new Error("no echo");
 *   break;
 * }
 * client.close();
 * await server.shutdown();
 * ```
 *
 * @module
 */
export {
  type CloseReason,
  ConnectionClosedError,
  FrameTooLargeError,
  GuardError,
  type GuardReason,
  type RefusalReason,
  ShutdownError,
  TruncatedFrameError,
} from "./src/errors.ts";
export {
  DEFAULT_MAX_FRAME_SIZE,
  encodeFrame,
  FrameDecoder,
  type FramingOptions,
  type PacketSize,
} from "./src/length_prefixed.ts";
export { FrameDecoderStream, FrameEncoderStream } from "./src/length_prefixed_stream.ts";
export * from "./src/logger.ts";
export { formatAddress } from "./src/address.ts";
export {
  checkNumber,
  DEFAULT_HIGH_WATER_MARK,
  DEFAULT_MAILBOX_CAPACITY,
  describeNumber,
  NUMBER_OPTIONS,
  type NumberOption,
  type NumberSpec,
  parseNumber,
} from "./src/options.ts";
export * from "./src/stats.ts";
export type { OutboxOptions } from "./src/outbox_options.ts";
export type { GuardOptions } from "./src/guard_options.ts";
export {
  PROXY_V1_MAX_LENGTH,
  PROXY_V2_MAX_LENGTH,
  type ProxyAddress,
  type ProxyHeader,
  ProxyHeaderError,
  ProxyHeaderParser,
  type ProxyHeaderStep,
} from "./src/core/server/proxy_header.ts";
export { DEFAULT_PROXY_HEADER_TIMEOUT, type ProxyProtocolOptions } from "./src/proxy_gate.ts";
export { Connection } from "./src/connection.ts";
export type { ConnectionEvent } from "./src/connection_events.ts";
export * from "./src/serve.ts";
export * from "./src/connect.ts";
export type { Address, RawSocket, TlsConnectOptions, TlsServeOptions, Transport } from "./src/transport/types.ts";
