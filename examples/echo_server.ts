/**
 * The example echo server: every frame comes back unchanged.
 *
 *   deno run -A examples/echo_server.ts --port 7000
 *   bun examples/echo_server.ts --port 7000
 *
 * Flags: --port (default 7000; 0 picks a free one), --host (default 127.0.0.1),
 * --packet 1|2|4 (default 4), --max-frame-size BYTES (default 262144).
 * A bad flag value prints one line and exits with code 2. SIGINT or SIGTERM
 * closes every connection and exits 0.
 *
 * @module
 */
import process from "node:process";
import { configure, getConsoleSink, getLogger } from "@logtape/logtape";
import { type Connection, DEFAULT_MAX_FRAME_SIZE, type PacketSize, serve } from "../mod.ts";
import { choiceFlag, intFlag, parseFlags, runCli } from "./_flags.ts";

async function echo(conn: Connection): Promise<void> {
  for await (const frame of conn) await conn.send(frame);
}

await runCli("echo_server", async () => {
  const flags = parseFlags(process.argv.slice(2), {
    port: { type: "string" },
    host: { type: "string" },
    packet: { type: "string" },
    "max-frame-size": { type: "string" },
  });
  const port = intFlag("port", flags.port, 0, 65535) ?? 7000;
  const packet = Number(choiceFlag("packet", flags.packet, ["1", "2", "4"]) ?? 4) as PacketSize;
  const maxFrameSize = intFlag("max-frame-size", flags["max-frame-size"], 0, 0xffff_ffff) ?? DEFAULT_MAX_FRAME_SIZE;

  await configure({
    sinks: { console: getConsoleSink() },
    loggers: [
      { category: ["spawnkit"], lowestLevel: "info", sinks: ["console"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["console"] },
    ],
  });
  const server = await serve(
    { port, hostname: flags.host ?? "127.0.0.1", packet, maxFrameSize, logger: getLogger(["spawnkit"]) },
    echo,
  );
  // The line scripts and tests wait for: the real port, once connections are accepted.
  console.log(`listening on ${server.addr.hostname}:${server.addr.port}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing ${server.size} connections`);
    await server.shutdown({ timeout: 5 });
    process.exit(0);
  };
  // `on`, not `once`: on Deno, removing the last listener restores the default action mid-shutdown.
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
});
