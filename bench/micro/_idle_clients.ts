/**
 * The peers of idle_heap.ts, in a process of their own: N connections to
 * 127.0.0.1:PORT, each sends one 8-byte frame and reads its echo, then all
 * stay open and quiet until stdin closes. Prints `ready` once every echo came.
 *
 * @module
 */
import * as net from "node:net";
import process from "node:process";

const port = Number(process.argv[2]);
const count = Number(process.argv[3]);
const frame = new Uint8Array([0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]);
const sockets: net.Socket[] = [];
let echoed = 0;
const open = (): Promise<void> =>
  new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1" }, () => socket.write(frame));
    let got = 0;
    socket.on("data", (data) => {
      got += data.length;
      if (got === frame.length) {
        echoed++;
        resolve();
      }
    });
    socket.on("error", reject);
    sockets.push(socket);
  });
// 100 at a time: no accept queue overflow.
for (let i = 0; i < count; i += 100) await Promise.all(Array.from({ length: Math.min(100, count - i) }, open));
console.log(echoed === count ? "ready" : `only ${echoed} echoed`);
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
