/**
 * The game gateway: JSON-RPC 2.0 over frames (spawnkit/rpc). Players log in
 * with a name, join a room, move (the positions that changed are pushed to
 * the room on the game's tick), chat in the room, whisper to one player (a
 * post into its mailbox, on whichever worker or node it is) and leave. The
 * methods and their errors are in the README ("The game gateway").
 *
 *   deno run -A examples/gateway/server.ts --port 7100 [--workers 2]
 *   bun examples/gateway/server.ts --port 7100 --nats nats://127.0.0.1:4222
 *
 * The routes live in a module of their own (routes.ts, or --routes PATH).
 * On SIGHUP the server imports it afresh and swaps the routes of every
 * connection, without closing any and keeping each one's login and room;
 * it logs the version it loaded, or the error and the version it keeps.
 * With --workers, every worker reloads and logs.
 *
 * Flags: --port (default 7100; 0 picks a free one), --host (default
 * 127.0.0.1), --workers N (0: one per core), --nats URL, --redis URL (with
 * --workers, each worker a node of the engine's cluster; credentials and
 * TLS as in examples/_bus.ts: --nats-user, --nats-creds, --nats-ca,
 * --redis-user, --redis-ca, passwords from the environment), --routes PATH.
 * --resume-window S (default 60; 0: off) keeps the session of a player whose
 * link dropped for S seconds, for a client that resumes (docs/sessions.md).
 * Browsers: --ws-port N serves the same JSON-RPC over WebSocket (one
 * JSON-RPC message per binary WebSocket message, or the kit's byte stream
 * with the spawnkit.stream subprotocol, which the page uses) at
 * ws://HOST:N/, with sessions that resume as on TCP, and
 * --web-port M serves the web page (web/) at http://HOST:M/, the only Origin
 * the WebSocket port then takes (both not with --workers).
 * SIGINT or SIGTERM closes every connection and exits 0.
 *
 * @module
 */
import process from "node:process";
import { claimNode, type Cluster, consoleWarnLogger, joinCluster, serve, type Server } from "spawnkit";
import { serveWorkers, type WorkerSet } from "spawnkit/workers";
import { BUS_FLAGS, openBus, workersEngine } from "../_bus.ts";
import { optionFlag, parseFlags, runCli, UsageError } from "../_flags.ts";
import { DEFAULT_ROUTES, gateway, gatewaySessions, IDLE_SECONDS } from "./gateway.ts";
import { loadedVersion, loadRoutes, onMessage, reloadLogged } from "./gateway.ts";
import type { ReloadMessage } from "./gateway.ts";
import { webSocketDoor } from "spawnkit/websocket";
import { serveWebPage } from "./web_server.ts";

/** A mobile player's lost link: a minute to come back before its session ends (Socket.IO allows two). */
const RESUME_WINDOW = 60;

await runCli("gateway", async () => {
  const flags = parseFlags(process.argv.slice(2), {
    port: { type: "string" },
    host: { type: "string" },
    workers: { type: "string" },
    ...BUS_FLAGS,
    routes: { type: "string" },
    "ws-port": { type: "string" },
    "web-port": { type: "string" },
    "resume-window": { type: "string" },
  });
  const port = optionFlag("port", "port", flags.port) ?? 7100;
  const hostname = flags.host ?? "127.0.0.1";
  const workers = optionFlag("workers", "workers", flags.workers);
  const wsPort = optionFlag("ws-port", "port", flags["ws-port"]);
  const webPort = optionFlag("web-port", "port", flags["web-port"]);
  const resumeWindow = optionFlag("resume-window", "resumeWindow", flags["resume-window"]) ?? RESUME_WINDOW;
  if (resumeWindow > 3600) throw new UsageError(`--resume-window must be at most 3600 seconds`);
  if ((wsPort !== undefined || webPort !== undefined) && workers !== undefined) {
    throw new UsageError("--ws-port and --web-port do not go with --workers");
  }
  if (webPort !== undefined && wsPort === undefined) throw new UsageError("--web-port needs --ws-port");
  // The page's own origin is the only one the WebSocket port takes: another site cannot open it in a player's name.
  const web = webPort === undefined ? undefined : await serveWebPage(hostname, webPort);
  const door = wsPort === undefined
    ? undefined
    : webSocketDoor({ port: wsPort, hostname, origins: web === undefined ? undefined : [web.origin] });
  const routes = flags.routes === undefined ? DEFAULT_ROUTES : new URL(flags.routes, `file://${process.cwd()}/`).href;
  // A player that stops reading is dropped rather than allowed to hold its room's pushes. The idle and send
  // timeouts stay above the resume window: a suspended session is idle and its sends wait (docs/sessions.md).
  const options = {
    port,
    hostname,
    slowConsumer: "disconnect",
    idleTimeout: IDLE_SECONDS + resumeWindow,
    sendTimeout: 30 + resumeWindow,
    logger: consoleWarnLogger,
  } as const;
  let server: Pick<Server, "addr" | "shutdown">;
  let reload: () => Promise<unknown>;
  const engine = await openBus(flags);
  // With workers, each worker connects its own bus and is a node of the engine's cluster: this one only checked it.
  if (workers !== undefined) await engine?.bus.close();
  const bus = workers === undefined ? engine?.bus : undefined;
  if (workers === undefined) {
    try {
      await loadRoutes(routes);
    } catch (error) {
      throw new UsageError(`cannot load routes from ${routes}: ${(error as Error).message}`);
    }
    console.log(`gateway: routes version ${loadedVersion} loaded from ${routes}`);
    let cluster: Cluster | undefined;
    if (bus !== undefined) {
      const node = await claimNode(bus);
      cluster = joinCluster({ bus, node, logger: consoleWarnLogger });
      console.log(`node ${node} of the cluster on ${engine!.address}`);
    }
    server = await serve(
      { ...options, cluster, onMessage, doors: door && [door], sessions: gatewaySessions(resumeWindow) },
      gateway,
    );
    if (door !== undefined) {
      const url = `ws://${door.addr.hostname}:${door.addr.port}/`;
      web?.setWebSocket(url);
      console.log(`websocket on ${url}`);
    }
    if (web !== undefined) console.log(`web page on ${web.origin}/`);
    reload = () => reloadLogged(routes);
  } else {
    const module = new URL("./gateway.ts", import.meta.url);
    const onEngine = engine === undefined ? {} : { engine: workersEngine(flags) };
    const set: WorkerSet = await serveWorkers({
      ...options,
      ...onEngine,
      module,
      exportName: "gateway",
      workers,
      data: { routes, resumeWindow },
    });
    if (engine !== undefined) console.log(`${set.workers} workers, each a node of the cluster on ${engine.address}`);
    set.finished.catch((error) => {
      console.error(`gateway: ${(error as Error).message}`);
      process.exit(1);
    });
    server = set;
    reload = () => {
      const told = set.tell({ type: "reload", routes } satisfies ReloadMessage);
      console.log(`gateway: told ${told} workers to load routes from ${routes}`);
      return Promise.resolve();
    };
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.shutdown({ timeout: 5 });
    await web?.close();
    await bus?.close();
    process.exit(0);
  };
  // One reload at a time: a SIGHUP during one waits for it.
  let reloading: Promise<unknown> = Promise.resolve();
  process.on("SIGHUP", () => void (reloading = reloading.then(reload)));
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
  console.log(`listening on ${server.addr.hostname}:${server.addr.port}`);
});
