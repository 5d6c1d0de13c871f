/**
 * The chat server: serves the handler of examples/chat.ts, with a guard
 * against peers that stop reading.
 *
 *   deno run -A examples/chat_server.ts --port 7001
 *   bun examples/chat_server.ts --port 7001
 *
 * Flags: --port (default 7001), --host (default 127.0.0.1), --metrics-port N
 * (Prometheus metrics at http://HOST:N/metrics while the server runs).
 *
 * @module
 */
import process from "node:process";
import { consoleWarnLogger, serve, silentLogger } from "../mod.ts";
import { chat } from "./chat.ts";
import { optionFlag, parseFlags, runCli } from "./_flags.ts";
import { openMetrics } from "./_edges.ts";

await runCli("chat_server", async () => {
  const flags = parseFlags(process.argv.slice(2), {
    port: { type: "string" },
    host: { type: "string" },
    "metrics-port": { type: "string" },
  });
  const port = optionFlag("port", "port", flags.port) ?? 7001;
  const hostname = flags.host ?? "127.0.0.1";
  const metrics = await openMetrics(flags["metrics-port"], hostname, consoleWarnLogger);
  const server = await serve(
    // A chat peer that stops reading is dropped rather than allowed to hold the room's memory.
    { port, hostname, logger: silentLogger, slowConsumer: "disconnect", idleTimeout: 600 },
    chat,
  );
  metrics.watch(server);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.shutdown({ timeout: 5 });
    await metrics.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
  console.log(`listening on ${server.addr.hostname}:${server.addr.port}`);
});
