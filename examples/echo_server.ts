/**
 * The example echo server: every frame comes back unchanged.
 *
 *   deno run -A examples/echo_server.ts --port 7000
 *   bun examples/echo_server.ts --port 7000
 *
 * Flags: --port (default 7000; 0 picks a free one), --host (default 127.0.0.1),
 * --packet 1|2|4 (default 4), --max-frame-size BYTES (default 262144).
 * Guards (all off by default): --idle-timeout SECONDS, --first-frame-timeout SECONDS,
 * --max-bytes-per-sec N, --max-frames-per-sec N, --max-connections N,
 * --max-connections-per-address N, --outbox-high-water BYTES (default 65536).
 * Edges: --config servers.csv --server-id ID (this server's row of the table;
 * flags override it), --records FILE (a CSV row per ended connection),
 * --stats FILE --stats-every SECONDS (a CSV row of server figures, default
 * every 10 s), --log-level trace|debug|info|warning|error|fatal (default info),
 * --log-format pretty|json (default pretty).
 * A bad flag value prints one line and exits with code 2. SIGINT or SIGTERM
 * closes every connection and exits 0.
 *
 * @module
 */
import process from "node:process";
import {
  type Connection,
  DEFAULT_MAX_FRAME_SIZE,
  type GuardOptions,
  type OutboxOptions,
  type PacketSize,
  serve,
} from "../mod.ts";
import { choiceFlag, intFlag, parseFlags, positiveFlag, runCli } from "./_flags.ts";
import { defined, EDGE_FLAGS, openEdges, tableFromFlags } from "./_edges.ts";

async function echo(conn: Connection): Promise<void> {
  for await (const frame of conn) await conn.send(frame);
}

await runCli("echo_server", async () => {
  const flags = parseFlags(process.argv.slice(2), {
    port: { type: "string" },
    host: { type: "string" },
    packet: { type: "string" },
    "max-frame-size": { type: "string" },
    "idle-timeout": { type: "string" },
    "first-frame-timeout": { type: "string" },
    "max-bytes-per-sec": { type: "string" },
    "max-frames-per-sec": { type: "string" },
    "max-connections": { type: "string" },
    "max-connections-per-address": { type: "string" },
    "outbox-high-water": { type: "string" },
    ...EDGE_FLAGS,
  });
  const table = await tableFromFlags(flags);
  const port = intFlag("port", flags.port, 0, 65535) ?? table.port ?? 7000;
  const packet = Number(choiceFlag("packet", flags.packet, ["1", "2", "4"]) ?? table.packet ?? 4) as PacketSize;
  const maxFrameSize = intFlag("max-frame-size", flags["max-frame-size"], 0, 0xffff_ffff) ?? table.maxFrameSize ??
    DEFAULT_MAX_FRAME_SIZE;
  const guards: GuardOptions & OutboxOptions = {
    idleTimeout: positiveFlag("idle-timeout", flags["idle-timeout"]),
    firstFrameTimeout: positiveFlag("first-frame-timeout", flags["first-frame-timeout"]),
    maxBytesPerSecond: intFlag("max-bytes-per-sec", flags["max-bytes-per-sec"], 1, Number.MAX_SAFE_INTEGER),
    maxFramesPerSecond: intFlag("max-frames-per-sec", flags["max-frames-per-sec"], 1, Number.MAX_SAFE_INTEGER),
    maxConnections: intFlag("max-connections", flags["max-connections"], 1, Number.MAX_SAFE_INTEGER),
    maxConnectionsPerAddress: intFlag(
      "max-connections-per-address",
      flags["max-connections-per-address"],
      1,
      Number.MAX_SAFE_INTEGER,
    ),
    highWaterMark: intFlag("outbox-high-water", flags["outbox-high-water"], 1, Number.MAX_SAFE_INTEGER),
  };

  const edges = await openEdges(flags);
  const server = await serve({
    ...table,
    port,
    hostname: flags.host ?? table.hostname ?? "127.0.0.1",
    packet,
    maxFrameSize,
    ...defined(guards),
    logger: edges.logger,
    onConnectionEnd: edges.onConnectionEnd,
  }, echo);
  edges.watch(server);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing ${server.size} connections`);
    await server.shutdown({ timeout: 5 });
    edges.close();
    process.exit(0);
  };
  // `on`, not `once`: on Deno, removing the last listener restores the default action mid-shutdown.
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  // The line scripts and tests wait for: the real port, once connections are accepted and signals handled.
  console.log(`listening on ${server.addr.hostname}:${server.addr.port}`);
});
