/**
 * What the session wire costs on the echo path: one echo server without
 * `sessions()` and one with, a client each (the second with `heartbeat`),
 * over loopback TCP in one process. Each client sends FRAMES frames of SIZE
 * bytes with WINDOW in flight and reads every echo; the two take turns,
 * ROUNDS times, and each figure is the median. Prints frames per second and
 * the ratio.
 *
 *   deno run -A bench/micro/session_wire.ts     bun bench/micro/session_wire.ts
 *   node --import tsx bench/micro/session_wire.ts
 *
 * @module
 */
import process from "node:process";
import { type CallbackHandler, connect, type Connection, serve, sessions, silentLogger } from "../../mod.ts";

const FRAMES = Number(process.env.FRAMES ?? 100_000);
const SIZE = Number(process.env.SIZE ?? 64);
const WINDOW = Number(process.env.WINDOW ?? 64);
const ROUNDS = Number(process.env.ROUNDS ?? 5);

const echo: CallbackHandler = { frame: (conn, frame) => conn.send(frame) };
const plainServer = await serve({ logger: silentLogger }, echo);
const wireServer = await serve({ logger: silentLogger, sessions: sessions() }, echo);

async function framesPerSecond(conn: Connection): Promise<number> {
  const payload = new Uint8Array(SIZE).fill(7);
  const start = performance.now();
  let sent = 0;
  let received = 0;
  while (sent < Math.min(WINDOW, FRAMES)) {
    void conn.send(payload);
    sent++;
  }
  for await (const _ of conn) {
    received++;
    if (sent < FRAMES) {
      void conn.send(payload);
      sent++;
    }
    if (received === FRAMES) break;
  }
  return FRAMES / ((performance.now() - start) / 1000);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const plain = await connect({ port: plainServer.addr.port, logger: silentLogger });
const wire = await connect({ port: wireServer.addr.port, logger: silentLogger, heartbeat: true });
await framesPerSecond(plain); // warm-up
await framesPerSecond(wire);
const a: number[] = [];
const b: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  a.push(await framesPerSecond(plain));
  b.push(await framesPerSecond(wire));
}
const [p, w] = [median(a), median(b)];
console.log(
  `${FRAMES} frames of ${SIZE} bytes, ${WINDOW} in flight, median of ${ROUNDS}: plain ${Math.round(p)} frames/s, ` +
    `session wire ${Math.round(w)} frames/s, ratio ${(w / p).toFixed(3)}`,
);
plain.close();
wire.close();
await plainServer.shutdown();
await wireServer.shutdown();
