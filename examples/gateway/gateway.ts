/**
 * The gateway's handler module: one RPC handler over the game, its routes
 * loaded from a module that can be loaded again while players stay
 * connected (`loadRoutes()`), and the serve options a worker makes for
 * itself (whispers out of the mailbox; reloads told by the supervisor).
 * server.ts serves it in its own thread or from every worker.
 *
 * @module
 */
import process from "node:process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { type AdmissionExtension, type Connection, sessions } from "spawnkit";
import { rpcHandler } from "spawnkit/rpc";
import type { WorkerContext, WorkerServeOptions } from "spawnkit/workers";
import { Game, type RpcRoutes } from "./game.ts";

/** The routes module the gateway loads unless told another. */
export const DEFAULT_ROUTES = new URL("./routes.ts", import.meta.url).href;

/** What a routes module exports. */
export interface RoutesModule {
  readonly version: string;
  readonly routes: (game: Game) => RpcRoutes;
}

/** The players of this thread. */
export const game: Game = new Game();

/** The handler: no methods until `loadRoutes()` has loaded some. */
export const gateway = game.rpc = rpcHandler({});

/** The version of the routes serving now (undefined before the first load). */
export let loadedVersion: string | undefined;

let loads = 0;
const requireHere = createRequire(import.meta.url);

/**
 * Imports the routes module at `url` afresh (a query string makes it a new
 * module; Bun, which keys modules by path alone, also forgets it first) and
 * swaps the handler's routes for its own. Throws, the old routes kept, when
 * the module fails to load or its table cannot be served.
 */
export async function loadRoutes(url: string = DEFAULT_ROUTES): Promise<string> {
  const href = new URL(url, `file://${process.cwd()}/`).href;
  if (href.startsWith("file:") && process.versions.bun !== undefined) delete requireHere.cache[fileURLToPath(href)];
  const module = await import(`${href}?v=${++loads}`) as Partial<RoutesModule>;
  if (typeof module.routes !== "function") throw new TypeError(`Cannot load routes from ${url}: no routes() export`);
  if (typeof module.version !== "string") throw new TypeError(`Cannot load routes from ${url}: no version export`);
  gateway.reload(module.routes(game));
  loadedVersion = module.version;
  return module.version;
}

/**
 * `loadRoutes()`, logged: the version it loaded, or the error and the
 * version that goes on serving. Never throws.
 */
export async function reloadLogged(url: string, who = "gateway"): Promise<boolean> {
  const before = loadedVersion;
  try {
    const version = await loadRoutes(url);
    console.log(`${who}: routes version ${version} loaded from ${url}`);
    return true;
  } catch (error) {
    console.error(`${who}: cannot load routes from ${url}, keeping version ${before}: ${(error as Error).stack}`);
    return false;
  }
}

/** Seconds a player may say nothing, logged in or not yet (the web page waits for a name to be typed). */
export const IDLE_SECONDS = 600;

/**
 * The gateway's session layer: a session whose link dropped waits
 * `resumeWindow` seconds for its client (0: none does). A socket's first
 * bytes say whether it speaks the session wire; they may wait for a player
 * to type a name, so the wait is as long as a player may idle.
 */
export function gatewaySessions(resumeWindow: number): AdmissionExtension {
  return sessions({ resumeWindow, authTimeout: IDLE_SECONDS });
}

/** The last `seq` of each connection's whispers (gone with the connection). */
const whispers = new WeakMap<Connection, number>();

/** Delivers a whisper from the mailbox as a `whisper` notification, numbered per recipient (`seq`). */
export async function onMessage(conn: Connection, message: unknown): Promise<void> {
  const seq = (whispers.get(conn) ?? 0) + 1;
  whispers.set(conn, seq);
  await gateway.notify(conn, "whisper", { ...message as Record<string, unknown>, seq });
}

/** What `set.tell()` sends every worker: load the routes again from `routes`. */
export interface ReloadMessage {
  readonly type: "reload";
  readonly routes: string;
}

/** Each worker's options: loads its routes first, then listens for reloads; sessions resume as server.ts says. */
export async function serveOptions(context: WorkerContext): Promise<WorkerServeOptions> {
  const { routes, resumeWindow } = context.data as { routes: string; resumeWindow?: number };
  await loadRoutes(routes);
  console.log(`worker ${context.index}: routes version ${loadedVersion} loaded from ${routes}`);
  context.onTell((message) => {
    const reload = message as ReloadMessage;
    if (reload?.type === "reload") void reloadLogged(reload.routes, `worker ${context.index}`);
  });
  return { onMessage, sessions: gatewaySessions(resumeWindow ?? 0) };
}
