/**
 * The raw Node baseline: node:net with a `data` listener and framing by hand.
 * Each chunk's complete frames go back in one `socket.write`, as the bytes
 * came; a partial frame is kept for the next chunk; while Node holds writes it
 * could not pass to the kernel, reading pauses until `drain`. It understands
 * the bench control frames (`~gc`, `~broadcast`, `~shutdown`, see
 * bench/README.md).
 *
 *   node --expose-gc --import tsx bench/servers/raw_node.ts
 *
 * @module
 */
import * as net from "node:net";
import process from "node:process";
import { collectGarbage } from "./_gc.ts";

const TILDE = 0x7e;
const sockets = new Set<net.Socket>();
let stopping: { started: number } | undefined;

function send(socket: net.Socket, bytes: Uint8Array): void {
  // Backpressure, as the raw Deno server's awaited write: read no more until the peer takes the echoes.
  if (!socket.write(bytes)) socket.pause();
}

function control(socket: net.Socket, frame: Uint8Array): void {
  const name = new TextDecoder().decode(frame.subarray(4));
  if (name === "~gc") {
    collectGarbage();
    send(socket, frame);
  } else if (name === "~broadcast") {
    for (const other of sockets) send(other, frame);
  } else if (name === "~shutdown") {
    stopping = { started: performance.now() };
    server.close();
    for (const other of sockets) other.end();
  }
}

function finishShutdown(): void {
  if (stopping === undefined || sockets.size > 0) return;
  console.log(`shutdown_ms=${(performance.now() - stopping.started).toFixed(3)}`);
  process.exit(0);
}

const server = net.createServer({ noDelay: true }, (socket) => {
  sockets.add(socket);
  let partial: Uint8Array | undefined;
  socket.on("data", (chunk: Uint8Array) => {
    let bytes = chunk;
    if (partial !== undefined) {
      bytes = new Uint8Array(partial.length + chunk.length);
      bytes.set(partial);
      bytes.set(chunk, partial.length);
    }
    let at = 0;
    let from = 0;
    while (bytes.length - at >= 4) {
      const size = ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
      if (bytes.length - at - 4 < size) break;
      if (size < 16 && bytes[at + 4] === TILDE) {
        if (at > from) send(socket, bytes.subarray(from, at));
        control(socket, bytes.slice(at, at + 4 + size));
        from = at + 4 + size;
      }
      at += 4 + size;
    }
    // Node keeps a reference to what it could not write yet: the chunk is not reused, so views are safe.
    if (at > from) send(socket, bytes.subarray(from, at));
    partial = at < bytes.length ? bytes.slice(at) : undefined;
  });
  socket.on("drain", () => socket.resume());
  socket.on("error", () => {});
  socket.on("close", () => {
    sockets.delete(socket);
    finishShutdown();
  });
});
server.listen({ host: "127.0.0.1", port: 0 }, () => {
  const { port } = server.address() as net.AddressInfo;
  console.log(`listening on 127.0.0.1:${port} pid=${process.pid}`);
});
