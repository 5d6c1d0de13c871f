/**
 * The chat server: serves the handler of examples/chat.ts, with a guard
 * against peers that stop reading. With --workers N (0: one per core), N
 * threads serve one port, and the same handler, unchanged, reaches every
 * client of every worker: a line goes to all of them, `/who` lists all of
 * them, `/to ID` reaches a connection on another worker.
 *
 * With --nats URL or --redis URL, the server is one node of a cluster over
 * that engine: start several (on other ports or machines, under any
 * runtime), and the same handler reaches every client of every node.
 *
 *   deno run -A examples/chat_server.ts --port 7001 [--workers 4]
 *   bun examples/chat_server.ts --port 7001
 *   deno run -A examples/chat_server.ts --port 7001 --nats nats://127.0.0.1:4222
 *   bun examples/chat_server.ts --port 7002 --nats nats://127.0.0.1:4222
 *   NATS_PASSWORD=... bun examples/chat_server.ts --nats nats://127.0.0.1:4222 --nats-user spawn
 *
 * Flags: --port (default 7001), --host (default 127.0.0.1), --workers N,
 * --nats URL, --redis URL (with --workers, each worker a node of the
 * engine's cluster; credentials and TLS: --nats-user, --nats-creds, --nats-ca,
 * --redis-user, --redis-ca, and the passwords from NATS_PASSWORD,
 * NATS_TOKEN, REDIS_PASSWORD in the environment, see examples/_bus.ts),
 * --ws-port N (browsers too: WebSocket clients at ws://HOST:N/ join the same
 * chat, one binary message per line; not with --workers),
 * --metrics-port N (Prometheus metrics at
 * http://HOST:N/metrics while the server runs; with workers, the sum over
 * every worker).
 *
 * @module
 */
import process from "node:process";
import {
  claimNode,
  type Cluster,
  consoleWarnLogger,
  joinCluster,
  serve,
  type ServeOptions,
  type Server,
  silentLogger,
} from "spawnkit";
import { serveWorkers } from "spawnkit/workers";
import { chat } from "./chat.ts";
import { optionFlag, parseFlags, runCli, UsageError } from "./_flags.ts";
import { openMetrics } from "./_edges.ts";
import { BUS_FLAGS, openBus, workersEngine } from "./_bus.ts";
import { webSocketDoor } from "spawnkit/websocket";

await runCli("chat_server", async () => {
  const flags = parseFlags(process.argv.slice(2), {
    port: { type: "string" },
    host: { type: "string" },
    workers: { type: "string" },
    "ws-port": { type: "string" },
    ...BUS_FLAGS,
    "metrics-port": { type: "string" },
  });
  const port = optionFlag("port", "port", flags.port) ?? 7001;
  const hostname = flags.host ?? "127.0.0.1";
  const workers = optionFlag("workers", "workers", flags.workers);
  const wsPort = optionFlag("ws-port", "port", flags["ws-port"]);
  if (wsPort !== undefined && workers !== undefined) throw new UsageError("--ws-port does not go with --workers");
  // TCP and WebSocket clients in one chat: the same handler, registry and broadcast.
  const door = wsPort === undefined ? undefined : webSocketDoor({ port: wsPort, hostname });
  const engine = await openBus(flags);
  // With workers, each worker connects its own bus and is a node of the engine's cluster: this one only checked it.
  if (workers !== undefined) await engine?.bus.close();
  const bus = workers === undefined ? engine?.bus : undefined;
  const metrics = await openMetrics(flags["metrics-port"], hostname, consoleWarnLogger);
  // A chat peer that stops reading is dropped rather than allowed to hold the room's memory.
  const options: ServeOptions = { port, hostname, slowConsumer: "disconnect", idleTimeout: 600 };
  let server: Pick<Server, "addr" | "stats" | "shutdown">;
  if (workers === undefined) {
    let cluster: Cluster | undefined;
    if (bus !== undefined) {
      const node = await claimNode(bus);
      // The bus logs its outages (once each) to the console; the server stays quiet.
      cluster = joinCluster({ bus, node, logger: consoleWarnLogger });
      console.log(`node ${node} of the cluster on ${engine!.address}`);
    }
    server = await serve({ ...options, logger: silentLogger, cluster, doors: door && [door] }, chat);
  } else {
    const module = new URL("./chat.ts", import.meta.url);
    const onEngine = engine === undefined ? {} : { engine: workersEngine(flags) };
    const set = server = await serveWorkers({
      ...options,
      ...onEngine,
      module,
      exportName: "chat",
      workers,
      logger: silentLogger,
    });
    if (engine !== undefined) console.log(`${set.workers} workers, each a node of the cluster on ${engine.address}`);
    set.finished.catch((error) => {
      console.error(`chat_server: ${(error as Error).message}`);
      process.exit(1);
    });
  }
  metrics.watch(server);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.shutdown({ timeout: 5 });
    await bus?.close();
    await metrics.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
  if (door !== undefined) console.log(`websocket on ws://${door.addr.hostname}:${door.addr.port}/`);
  console.log(`listening on ${server.addr.hostname}:${server.addr.port}`);
});
