/**
 * The example echo server: every frame comes back unchanged.
 *
 *   deno run -A examples/echo_server.ts --port 7000
 *   bun examples/echo_server.ts --port 7000
 *   deno run -A examples/echo_server.ts --framing lines   # then: nc 127.0.0.1 7000
 *
 * Flags: --port (default 7000; 0 picks a free one), --host (default 127.0.0.1),
 * --framing length|lines (default length: length-prefixed frames; lines: each
 * line is a frame, so `nc` is a client), --packet 1|2|4 (default 4; length
 * only), --max-frame-size BYTES (default 262144; with lines, the longest line).
 * Guards (all off by default): --idle-timeout SECONDS, --first-frame-timeout SECONDS,
 * --max-bytes-per-sec N, --max-frames-per-sec N, --max-connections N,
 * --max-connections-per-address N, --outbox-high-water BYTES (default 65536).
 * Shutdown: --shutdown-timeout SECONDS (default 5), --quiet-period SECONDS
 * (default 0.25: frames still arriving are echoed until a connection has been
 * quiet this long).
 * Edges: --config servers.csv --server-id ID (this server's row of the table;
 * flags override it), --records FILE (a CSV row per ended connection),
 * --stats FILE --stats-every SECONDS (a CSV row of server figures, default
 * every 10 s), --log-level trace|debug|info|warning|error|fatal (default info),
 * --log-format pretty|json (default pretty), --metrics-port N (Prometheus
 * metrics at http://HOST:N/metrics while the server runs; with workers, the
 * sum over every worker).
 * WebSocket: --ws-port N (also echo every binary message at ws://HOST:N/, the
 * same handler and guards; 0 picks a free one; not with --workers or
 * --framing lines), --ws-origin ORIGINS (allow only these Origins, comma-separated).
 * Workers: --workers N (N threads on one port, each with its own loop; 0 is
 * one per core; see spawnkit/workers). Without the flag, one server, whose
 * handler is the echo as callbacks (echo.ts's `echoCallbacks`, the shape for
 * throughput); each worker runs the `for await` loop (a worker module's
 * handler is a function).
 * A bad flag value prints one line and exits with code 2. SIGINT or SIGTERM
 * closes every connection (on every worker) and exits 0; a set of workers
 * that kept dying prints why and exits 1.
 *
 * @module
 */
import process from "node:process";
import {
  DEFAULT_MAX_FRAME_SIZE,
  type GuardOptions,
  newlineDelimited,
  type OutboxOptions,
  type PacketSize,
  serve,
  type Server,
} from "spawnkit";
import { serveWorkers } from "spawnkit/workers";
import { choiceFlag, optionFlag, parseFlags, runCli, UsageError } from "./_flags.ts";
import { defined, EDGE_FLAGS, openEdges, tableFromFlags } from "./_edges.ts";
import { echoCallbacks, type WorkerFlags } from "./echo.ts";
import { openConnectionRecords } from "spawnkit/records";
import { webSocketDoor } from "spawnkit/websocket";

await runCli("echo_server", async () => {
  const flags = parseFlags(process.argv.slice(2), {
    port: { type: "string" },
    host: { type: "string" },
    framing: { type: "string" },
    packet: { type: "string" },
    "max-frame-size": { type: "string" },
    "idle-timeout": { type: "string" },
    "first-frame-timeout": { type: "string" },
    "max-bytes-per-sec": { type: "string" },
    "max-frames-per-sec": { type: "string" },
    "max-connections": { type: "string" },
    "max-connections-per-address": { type: "string" },
    "outbox-high-water": { type: "string" },
    "shutdown-timeout": { type: "string" },
    "quiet-period": { type: "string" },
    workers: { type: "string" },
    "ws-port": { type: "string" },
    "ws-origin": { type: "string" },
    ...EDGE_FLAGS,
  });
  const table = await tableFromFlags(flags);
  const port = optionFlag("port", "port", flags.port) ?? table.port ?? 7000;
  const lines = choiceFlag("framing", flags.framing, ["length", "lines"]) === "lines";
  if (lines && flags.packet !== undefined) throw new UsageError("--packet applies to --framing length only");
  const packet = Number(choiceFlag("packet", flags.packet, ["1", "2", "4"]) ?? table.packet ?? 4) as PacketSize;
  const maxFrameSize = optionFlag("max-frame-size", "maxFrameSize", flags["max-frame-size"]) ?? table.maxFrameSize ??
    DEFAULT_MAX_FRAME_SIZE;
  const guards: GuardOptions & OutboxOptions = {
    idleTimeout: optionFlag("idle-timeout", "idleTimeout", flags["idle-timeout"]),
    firstFrameTimeout: optionFlag("first-frame-timeout", "firstFrameTimeout", flags["first-frame-timeout"]),
    maxBytesPerSecond: optionFlag("max-bytes-per-sec", "maxBytesPerSecond", flags["max-bytes-per-sec"]),
    maxFramesPerSecond: optionFlag("max-frames-per-sec", "maxFramesPerSecond", flags["max-frames-per-sec"]),
    maxConnections: optionFlag("max-connections", "maxConnections", flags["max-connections"]),
    maxConnectionsPerAddress: optionFlag(
      "max-connections-per-address",
      "maxConnectionsPerAddress",
      flags["max-connections-per-address"],
    ),
    highWaterMark: optionFlag("outbox-high-water", "highWaterMark", flags["outbox-high-water"]),
  };
  const shutdownOptions = {
    timeout: optionFlag("shutdown-timeout", "timeout", flags["shutdown-timeout"]) ?? 5,
    quietPeriod: optionFlag("quiet-period", "quietPeriod", flags["quiet-period"]),
  };

  const workers = optionFlag("workers", "workers", flags.workers);
  const hostname = flags.host ?? table.hostname ?? "127.0.0.1";
  const wsPort = optionFlag("ws-port", "port", flags["ws-port"]);
  if (wsPort !== undefined && (workers !== undefined || lines)) {
    throw new UsageError("--ws-port applies to one server with --framing length only");
  }
  // One binary WebSocket message is one frame: the same echo answers both doors.
  const door = wsPort === undefined
    ? undefined
    : webSocketDoor({ port: wsPort, hostname, origins: flags["ws-origin"]?.split(",") });
  const edges = await openEdges(flags, hostname);
  // A wire format sets its own limits: lines take the frame size as their longest line, and no packet size.
  const { packet: _packet, maxFrameSize: _maxFrameSize, ...rest } = table;
  const framing = lines ? { framing: newlineDelimited({ maxLineLength: maxFrameSize }) } : { packet, maxFrameSize };
  const options = {
    ...rest,
    port,
    hostname,
    ...framing,
    ...defined(guards),
  };
  // One server, or a set of workers: either listens on one address, counts, and shuts down.
  let server: Pick<Server, "addr" | "size" | "shutdown">;
  if (workers === undefined) {
    const single = server = await serve(
      { ...options, logger: edges.logger, onConnectionEnd: edges.onConnectionEnd, doors: door && [door] },
      echoCallbacks,
    );
    edges.watch(single);
  } else {
    // Each worker appends to the records file itself; made here first, so that its header is written once.
    if (flags.records !== undefined) openConnectionRecords(flags.records).close();
    const data: WorkerFlags = {
      "log-level": flags["log-level"],
      "log-format": flags["log-format"],
      records: flags.records,
      // A wire format cannot cross to a thread: each worker makes its own from these.
      "max-line-length": lines ? String(maxFrameSize) : undefined,
    };
    const module = new URL("./echo.ts", import.meta.url);
    const { framing: _framing, ...threadOptions } = options as typeof options & { framing?: unknown };
    const set = server = await serveWorkers({ ...threadOptions, module, workers, data, logger: edges.logger });
    edges.watch(set);
    set.finished.catch(async (error) => {
      console.error(`echo_server: ${(error as Error).message}`);
      await edges.close();
      process.exit(1);
    });
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing ${server.size} connections`);
    await server.shutdown(shutdownOptions);
    await edges.close();
    process.exit(0);
  };
  // `on`, not `once`: on Deno, removing the last listener restores the default action mid-shutdown.
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  // The line scripts and tests wait for: the real port, once connections are accepted and signals handled.
  if (door !== undefined) console.log(`websocket on ws://${door.addr.hostname}:${door.addr.port}/`);
  console.log(`listening on ${server.addr.hostname}:${server.addr.port}`);
});
