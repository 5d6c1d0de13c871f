/**
 * What the session wire costs on the echo path, in one run: an echo server
 * without `sessions()` and a client without a heartbeat (plain); a server
 * with `sessions()` and a client with `heartbeat` (the wire); a server with
 * `sessions({ resumeWindow })` and a client with `resume` (the wire with its
 * bytes numbered, logged and acknowledged). Loopback TCP, one process. Each
 * client sends FRAMES frames of SIZE bytes with WINDOW in flight and reads
 * every echo; the three take turns, ROUNDS times, and each figure is the
 * median. Prints frames per second and the ratios to plain.
 *
 *   deno run -A bench/micro/session_wire.ts     bun bench/micro/session_wire.ts
 *   node --import tsx bench/micro/session_wire.ts
 *
 * @module
 */
import process from "node:process";
import { type CallbackHandler, connect, type Connection, serve, sessions, silentLogger } from "../../mod.ts";
import { echoRate, median } from "./_echo_rate.ts";

const FRAMES = Number(process.env.FRAMES ?? 100_000);
const SIZE = Number(process.env.SIZE ?? 64);
const WINDOW = Number(process.env.WINDOW ?? 64);
const ROUNDS = Number(process.env.ROUNDS ?? 5);

const echo: CallbackHandler = { frame: (conn, frame) => conn.send(frame) };
const plainServer = await serve({ logger: silentLogger }, echo);
const wireServer = await serve({ logger: silentLogger, sessions: sessions() }, echo);
const resumeServer = await serve({ logger: silentLogger, sessions: sessions({ resumeWindow: 30 }) }, echo);

const framesPerSecond = (conn: Connection) => echoRate(conn, SIZE, WINDOW, FRAMES);

const clients = {
  plain: await connect({ port: plainServer.addr.port, logger: silentLogger }),
  wire: await connect({ port: wireServer.addr.port, logger: silentLogger, heartbeat: true }),
  resume: await connect({ port: resumeServer.addr.port, logger: silentLogger, resume: true }),
};
const figures: Record<keyof typeof clients, number[]> = { plain: [], wire: [], resume: [] };
for (const conn of Object.values(clients)) await framesPerSecond(conn); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, conn] of Object.entries(clients)) {
    figures[name as keyof typeof clients].push(await framesPerSecond(conn));
  }
}
const [p, w, r] = [median(figures.plain), median(figures.wire), median(figures.resume)];
console.log(
  `${FRAMES} frames of ${SIZE} bytes, ${WINDOW} in flight, median of ${ROUNDS}: plain ${Math.round(p)} frames/s, ` +
    `session wire ${Math.round(w)} (${(w / p).toFixed(3)}), with resume ${Math.round(r)} (${(r / p).toFixed(3)})`,
);
for (const conn of Object.values(clients)) conn.close();
for (const server of [plainServer, wireServer, resumeServer]) await server.shutdown();
