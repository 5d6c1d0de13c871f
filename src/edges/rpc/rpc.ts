/**
 * JSON-RPC 2.0 over spawnkit's frames, an edge of spawnkit (`spawnkit/rpc`):
 * one message (or batch) per frame, a route table on the server, a client
 * with timeouts and typed errors, notifications both ways. It imports
 * nothing but the kit's mod.ts, so it runs from a URL like the core. A
 * MessagePack codec for the same messages is in `spawnkit/msgpack`.
 *
 * @example A server with two methods, a client, and each kind of answer
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, serve, silentLogger } from "spawnkit";
 * import { route, rpcClient, rpcHandler, RpcError } from "spawnkit/rpc";
 *
 * const isName = (p: unknown): p is { name: string } =>
 *   typeof p === "object" && p !== null && typeof (p as { name?: unknown }).name === "string";
 * const options = { port: 0, logger: silentLogger };
 * const rpc = rpcHandler({
 *   hello: route(isName, ({ name }) => `hello ${name}`),
 *   move: () => {
 *     throw new RpcError(4001, "not logged in");
 *   },
 * }, options);
 * await using server = await serve(options, rpc);
 * await using client = rpcClient(await connect({ port: server.addr.port }));
 *
 * assert.equal(await client.call("hello", { name: "ada" }), "hello ada");
 * await assert.rejects(client.call("hello", { name: 1 }), { code: -32602 });
 * await assert.rejects(client.call("move"), { code: 4001, message: "not logged in" });
 * await assert.rejects(client.call("fly"), { code: -32601 });
 * ```
 *
 * @module
 */
export * from "./rpc_error.ts";
export type { RpcCodec } from "./codec.ts";
export { jsonCodec } from "../../../mod.ts";
export {
  requestProblem,
  responseProblem,
  type RpcErrorObject,
  type RpcId,
  type RpcParams,
  type RpcRequest,
  type RpcResponse,
} from "./json_rpc.ts";
export { route, type RpcContext, type RpcMethod, type RpcRoute, type RpcRoutes } from "./routes.ts";
export {
  type CallOptions,
  DEFAULT_MAX_BATCH_SIZE,
  DEFAULT_MAX_CONCURRENCY,
  DEFAULT_MAX_DEPTH,
  type RpcClientOptions,
  type RpcHandlerOptions,
} from "./rpc_options.ts";
export type { RpcClientStats, RpcStats } from "./rpc_stats.ts";
export { type RpcHandler, rpcHandler } from "./rpc_handler.ts";
export { type RpcClient, rpcClient } from "./rpc_client.ts";
