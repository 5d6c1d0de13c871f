/**
 * The server of the soak (bench/soak.ts): the README's echo handler with the
 * guards a public server would set (an idle timeout), on Deno, Bun or Node.
 * After its ready line it prints, once a second, one JSON line of its own
 * figures: `server.stats` (accept errors and pauses too), the event-loop delay of the last second (timer
 * drift, see _loop_delay.ts), the JS heap in use and how many lines the kit logged by level.
 * RSS and open descriptors are read from /proc by the soak itself.
 *
 *   deno run -A bench/servers/soak_server.ts --idle-timeout 5
 *   bun bench/servers/soak_server.ts
 *   node --import tsx bench/servers/soak_server.ts
 *
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { type Logger, serve } from "../../mod.ts";
import { probeLoopDelay } from "./_loop_delay.ts";

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: { "idle-timeout": { type: "string", default: "5" } },
  strict: true,
});
const idleTimeout = Number(flags["idle-timeout"]);
if (!(idleTimeout > 0)) {
  console.error(`soak_server: --idle-timeout must be a positive number of seconds, got "${flags["idle-timeout"]}"`);
  process.exit(2);
}

// Peer faults are normal during a soak: count what the kit logs instead of printing it.
const logged = { debug: 0, info: 0, warn: 0, error: 0 };
let lastError: string | undefined;
const countingLogger: Logger = {
  debug: () => void logged.debug++,
  info: () => void logged.info++,
  warn: () => void logged.warn++,
  error: (message) => {
    logged.error++;
    lastError = message;
  },
};

const server = await serve({ port: 0, logger: countingLogger, idleTimeout }, async (conn) => {
  for await (const frame of conn) await conn.send(frame);
});
console.log(`listening on 127.0.0.1:${server.addr.port} pid=${process.pid}`);

const loop = probeLoopDelay();
const started = performance.now();
setInterval(() => {
  const { active, accepted, refused, closedByReason, acceptErrors, acceptPauses } = server.stats;
  const line = {
    t: Math.round(performance.now() - started),
    active,
    accepted,
    refused,
    closed: closedByReason,
    acceptErrors,
    acceptPauses,
    loop: loop.take(),
    heapUsedKb: Math.round(process.memoryUsage().heapUsed / 1024),
    logged,
    lastError,
  };
  console.log(JSON.stringify(line));
}, 1000);
