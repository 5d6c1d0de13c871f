/**
 * The JSON-RPC server bench/rpc.ts measures, on Deno, Bun and Node: one
 * method, `echo`, that returns its params, over `rpcHandler()` with the
 * codec named by the first argument (json or msgpack), silent logger.
 *
 *   deno run -A bench/servers/spawnkit_rpc.ts msgpack
 *   bun bench/servers/spawnkit_rpc.ts json
 *
 * @module
 */
import process from "node:process";
import { serve, silentLogger } from "../../mod.ts";
import { msgpackCodec } from "../../src/edges/msgpack/msgpack.ts";
import { jsonCodec, rpcHandler } from "../../src/edges/rpc/rpc.ts";

const codec = process.argv.includes("msgpack") ? msgpackCodec : jsonCodec;
const options = { port: 0, logger: silentLogger, codec };
const server = await serve(options, rpcHandler({ echo: (params) => params }, options));
console.log(`listening on 127.0.0.1:${server.addr.port} pid=${process.pid}`);
