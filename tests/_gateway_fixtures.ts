/**
 * Helpers for the gateway tests: a player (an RPC client that keeps every
 * push it gets), and copies of the routes module in a directory of their
 * own, to load or to SIGHUP a gateway with, so that no test edits the
 * example's own file.
 *
 * @module
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { connect, type ReconnectOptions, silentLogger } from "../mod.ts";
import { type RpcClient, rpcClient } from "../src/edges/rpc/rpc.ts";

/** A push as a player got it. */
export interface Push {
  readonly method: string;
  readonly params: Record<string, unknown>;
}

/** A connected player: its client and its pushes, in order. */
export interface Player {
  readonly rpc: RpcClient;
  readonly pushes: Push[];
  close(): Promise<void>;
}

/** Connects a player to the gateway on `port` (reconnecting when `reconnect` is given). */
export async function player(port: number, reconnect?: ReconnectOptions): Promise<Player> {
  const pushes: Push[] = [];
  const conn = await connect({ port, logger: silentLogger, reconnect });
  const rpc = rpcClient(conn, {
    timeout: 10,
    onNotification: (method, params) => void pushes.push({ method, params: params as Record<string, unknown> }),
  });
  return { rpc, pushes, close: async () => await rpc[Symbol.asyncDispose]() };
}

const SOURCE = new URL("../examples/gateway/routes.ts", import.meta.url);
const GAME = new URL("../examples/gateway/game.ts", import.meta.url).href;

/** A directory of routes modules: `write(name, version)` copies the example's with another version. */
export interface RoutesDir extends Disposable {
  /** Writes `name` (a .ts file): the example's routes at `version`, with `extra` source appended. */
  write(name: string, version: string, extra?: string): string;
  /** Writes `name` with `source` as it is. */
  source(name: string, source: string): string;
}

/** A temporary directory for routes modules; removed at dispose. */
export function routesDir(): RoutesDir {
  const dir = mkdtempSync(join(tmpdir(), "spawnkit-gateway-"));
  // Node's loader reads a .ts file outside every package as CommonJS unless told.
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  const original = readFileSync(SOURCE, "utf8");
  return {
    write(name, version, extra = "") {
      const path = join(dir, name);
      const source = original
        .replace('from "./game.ts"', `from ${JSON.stringify(GAME)}`)
        .replace(/export const version = "[^"]*";/, `export const version = ${JSON.stringify(version)};`);
      writeFileSync(path, source + extra);
      return pathToFileURL(path).href;
    },
    source(name, source) {
      const path = join(dir, name);
      writeFileSync(path, source);
      return pathToFileURL(path).href;
    },
    [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }),
  };
}
