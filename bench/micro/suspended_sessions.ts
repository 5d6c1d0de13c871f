/**
 * What a suspended session holds, and how long a dropped link takes to come
 * back as a resumed session.
 *
 * Memory: N raw clients say HELLO (resume) to a server with
 * `sessions({ resumeWindow })`, get their WELCOME, send one frame, then drop
 * their links without a BYE: N sessions wait. The heap after the drop, less
 * the heap once the window has passed and every session ended, over N, is the
 * memory per suspended session (run Node with --expose-gc, Deno with
 * --v8-flags=--expose-gc, so that garbage is collected before each reading).
 *
 * Time: a `connect({ resume })` client through a relay; the relay resets the
 * link and the time until the client's session has resumed (its counter) is
 * taken, ROUNDS times; the median and the largest are printed.
 *
 *   node --expose-gc --import tsx bench/micro/suspended_sessions.ts
 *   deno run -A --v8-flags=--expose-gc bench/micro/suspended_sessions.ts     bun bench/micro/suspended_sessions.ts
 *
 * @module
 */
import net from "node:net";
import process from "node:process";
import { type CallbackHandler, connect, serve, sessions, silentLogger } from "../../mod.ts";
import { defaultTransport } from "../../src/transport/select.ts";
import { controlRecord, HELLO, HELLO_RESUME_BODY } from "../../src/core/session/wire/session_wire.ts";

const N = Number(process.env.SESSIONS ?? 2000);
const ROUNDS = Number(process.env.ROUNDS ?? 21);
const WINDOW = 3;

const gc = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
const collect = async () => {
  for (let i = 0; i < 3; i++) {
    gc.gc?.();
    gc.Bun?.gc(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
const heap = async () => {
  await collect();
  return process.memoryUsage().heapUsed;
};
// Polled every millisecond: the time measured below is read through it.
const until = async (done: () => boolean) => {
  for (let i = 0; i < 30_000 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
};

const echo: CallbackHandler<{ frames: number }> = {
  open: () => ({ frames: 0 }),
  frame: (conn, frame, state) => (state.frames++, conn.send(frame)),
};
const ends: string[] = [];
const server = await serve({
  logger: silentLogger,
  tickInterval: 0.1,
  maxConnections: N + 10,
  sessions: sessions({ resumeWindow: WINDOW }),
  onConnectionEnd: (stats) => void ends.push(stats.closeReason ?? ""),
}, echo);

// Memory.
const transport = await defaultTransport();
const sockets = [];
for (let i = 0; i < N; i++) {
  const socket = await transport.connect({ hostname: "127.0.0.1", port: server.addr.port });
  await socket.write(controlRecord(HELLO, 4, HELLO_RESUME_BODY));
  await socket.write(new Uint8Array([0, 0, 0, 4, 1, 2, 3, 4]));
  sockets.push(socket);
}
for (const socket of sockets) await socket.read(); // the WELCOME (and the echo, at most)
for (const socket of sockets) socket.close();
sockets.length = 0;
await until(() => server.size === N);
const suspended = await heap();
await until(() => ends.length === N);
const ended = await heap();
console.log(
  `${N} suspended sessions: ${Math.round((suspended - ended) / N)} bytes of heap each ` +
    `(heap ${Math.round(suspended / 1e6)} MB with them, ${Math.round(ended / 1e6)} MB after the window)`,
);

// Time from a dropped link to a resumed session.
const links = new Set<net.Socket>();
const relay = net.createServer((client) => {
  const upstream = net.connect({ host: "127.0.0.1", port: server.addr.port });
  links.add(client).add(upstream);
  client.on("data", (chunk) => upstream.write(chunk));
  upstream.on("data", (chunk) => client.write(chunk));
  for (const socket of [client, upstream]) socket.on("error", () => {}).on("close", () => links.delete(socket));
});
await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
const conn = await connect({
  port: (relay.address() as net.AddressInfo).port,
  logger: silentLogger,
  resume: true,
  heartbeat: { interval: 1 },
});
const times: number[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  await conn.send(new Uint8Array([round]));
  await conn.receive();
  const start = performance.now();
  for (const socket of links) socket.resetAndDestroy?.() ?? socket.destroy();
  await until(() => conn.stats.session!.resumes === round);
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
console.log(
  `a reset link to a resumed session over loopback: median ${times[Math.floor(ROUNDS / 2)]!.toFixed(1)} ms, ` +
    `largest ${times[ROUNDS - 1]!.toFixed(1)} ms (${ROUNDS} rounds)`,
);
conn.close();
relay.close();
await server.shutdown();
process.exit(0);
