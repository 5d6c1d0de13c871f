/**
 * What the stream subprotocol and resume cost over WebSocket, in one run, on
 * one echo server with a WebSocket door (the runtime's own: Deno.serve,
 * Bun.serve, ws on Node): the platform's `WebSocket` sending one frame per
 * message (frame mode, the baseline), `connectWebSocket()` without the
 * session wire (stream mode), and `connectWebSocket({ resume })` against a
 * second server with `sessions({ resumeWindow })`. Each sends FRAMES frames
 * of SIZE bytes with WINDOW in flight and reads every echo; they take turns,
 * ROUNDS times, and each figure is the median. Then the time from a reset
 * link (a relay on loopback) to a resumed session over WebSocket.
 *
 *   deno run -A bench/micro/ws_stream.ts     bun bench/micro/ws_stream.ts
 *   node --import tsx bench/micro/ws_stream.ts
 *
 * @module
 */
import net from "node:net";
import process from "node:process";
import { type CallbackHandler, type Connection, serve, sessions, silentLogger } from "../../mod.ts";
import { connectWebSocket } from "../../src/browser.ts";
import { webSocketDoor } from "../../src/edges/websocket/websocket.ts";
import { echoRate, median } from "./_echo_rate.ts";

const FRAMES = Number(process.env.FRAMES ?? 50_000);
const SIZE = Number(process.env.SIZE ?? 64);
const WINDOW = Number(process.env.WINDOW ?? 64);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const RESETS = Number(process.env.RESETS ?? 21);

const echo: CallbackHandler = { frame: (conn, frame) => conn.send(frame) };
const plainDoor = webSocketDoor({ pingInterval: 0 });
const plainServer = await serve({ logger: silentLogger, doors: [plainDoor] }, echo);
const resumeDoor = webSocketDoor({ pingInterval: 0 });
const resumeServer = await serve({
  logger: silentLogger,
  doors: [resumeDoor],
  sessions: sessions({ resumeWindow: 30 }),
}, echo);
const url = (port: number) => `ws://127.0.0.1:${port}/`;

/** The platform's WebSocket, one frame per message: frames per second. */
async function frameMode(ws: WebSocket): Promise<number> {
  const payload = new Uint8Array(SIZE).fill(7);
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    let received = 0;
    ws.onmessage = () => {
      received++;
      if (sent < FRAMES) {
        ws.send(payload);
        sent++;
      }
      if (received === FRAMES) resolve();
    };
    while (sent < Math.min(WINDOW, FRAMES)) {
      ws.send(payload);
      sent++;
    }
  });
  return FRAMES / ((performance.now() - start) / 1000);
}

const streamMode = (conn: Connection) => echoRate(conn, SIZE, WINDOW, FRAMES);

const ws = new WebSocket(url(plainDoor.addr.port));
ws.binaryType = "arraybuffer";
await new Promise((resolve) => ws.onopen = resolve);
const stream = await connectWebSocket({ url: url(plainDoor.addr.port), logger: silentLogger });
const resume = await connectWebSocket({ url: url(resumeDoor.addr.port), logger: silentLogger, resume: true });
const runs = { frame: () => frameMode(ws), stream: () => streamMode(stream), resume: () => streamMode(resume) };
const figures: Record<keyof typeof runs, number[]> = { frame: [], stream: [], resume: [] };
for (const run of Object.values(runs)) await run(); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(runs)) figures[name as keyof typeof runs].push(await run());
}
const [f, s, r] = [median(figures.frame), median(figures.stream), median(figures.resume)];
console.log(
  `${FRAMES} frames of ${SIZE} bytes, ${WINDOW} in flight, median of ${ROUNDS}: frame mode ${
    Math.round(f)
  } frames/s, ` +
    `stream ${Math.round(s)} (${(s / f).toFixed(3)}), stream with resume ${Math.round(r)} (${(r / f).toFixed(3)})`,
);
ws.close();
stream.close();
resume.close();

// Time from a reset link to a resumed session, over WebSocket.
const links = new Set<net.Socket>();
const relay = net.createServer((client) => {
  const upstream = net.connect({ host: "127.0.0.1", port: resumeDoor.addr.port });
  links.add(client).add(upstream);
  client.on("data", (chunk) => upstream.write(chunk));
  upstream.on("data", (chunk) => client.write(chunk));
  for (const socket of [client, upstream]) socket.on("error", () => {}).on("close", () => links.delete(socket));
});
await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
const conn = await connectWebSocket({
  url: url((relay.address() as net.AddressInfo).port),
  logger: silentLogger,
  resume: true,
  heartbeat: { interval: 1 },
});
const times: number[] = [];
for (let round = 1; round <= RESETS; round++) {
  await conn.send(new Uint8Array([round]));
  await conn.receive();
  const start = performance.now();
  for (const socket of links) socket.resetAndDestroy?.() ?? socket.destroy();
  for (let i = 0; i < 10_000 && conn.stats.session!.resumes < round; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
console.log(
  `a reset link to a resumed session over WebSocket: median ${times[Math.floor(RESETS / 2)]!.toFixed(1)} ms, ` +
    `largest ${times[RESETS - 1]!.toFixed(1)} ms (${RESETS} resets)`,
);
conn.close();
relay.close();
await plainServer.shutdown();
await resumeServer.shutdown();
process.exit(0);
