/**
 * The WebSocket load generator of bench/websocket.ts: a Node 24 script (run
 * as plain TypeScript, type stripping) over Node's own `WebSocket` client
 * (undici's), which is neither `ws` nor any server's code. C connections each
 * keep D messages of S bytes in flight for T seconds after a warm-up, check
 * every echo's length and first bytes, and print one JSON line.
 *
 *   node bench/_ws_load.ts --url ws://127.0.0.1:PORT/ --connections 20 --depth 8 --size 64 --seconds 2
 *
 * @module
 */
import process from "node:process";

const arg = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : process.argv[at + 1]!;
};
const url = arg("url", "ws://127.0.0.1:7080/");
const connections = Number(arg("connections", "20"));
const depth = Number(arg("depth", "8"));
const size = Number(arg("size", "64"));
const seconds = Number(arg("seconds", "2"));
const warmup = 0.5;

let counting = false;
let echoes = 0;
let bad = 0;
const sockets: WebSocket[] = [];

await Promise.all(Array.from({ length: connections }, (_, index) =>
  new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    const payload = new Uint8Array(size);
    for (let i = 0; i < size; i++) payload[i] = (i * 31 + index) & 0xff;
    ws.onopen = () => {
      for (let i = 0; i < depth; i++) ws.send(payload);
      resolve();
    };
    ws.onerror = () => reject(new Error(`Cannot connect to ${url}`));
    ws.onmessage = (event) => {
      const echo = new Uint8Array(event.data as ArrayBuffer);
      if (echo.length !== size || (size > 0 && echo[0] !== payload[0]) || echo[size - 1] !== payload[size - 1]) bad++;
      if (counting) echoes++;
      ws.send(payload);
    };
    sockets.push(ws);
  })));

await new Promise((resolve) => setTimeout(resolve, warmup * 1000));
const cpuBefore = process.cpuUsage();
counting = true;
const started = performance.now();
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
counting = false;
const elapsed = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
for (const ws of sockets) ws.close();
console.log(JSON.stringify({
  size,
  connections,
  depth,
  messagesPerSecond: Math.round(echoes / elapsed),
  mibPerSecond: Number((echoes * size / elapsed / 1_048_576).toFixed(1)),
  loadCpu: Number(((cpu.user + cpu.system) / 1e6 / elapsed).toFixed(2)),
  bad,
}));
process.exit(0);
