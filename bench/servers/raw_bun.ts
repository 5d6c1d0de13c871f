/**
 * The raw Bun baseline: Bun.listen with a `data` callback and framing by
 * hand. Each chunk's complete frames go back in one `socket.write`, as the
 * bytes came; a partial frame is kept for the next chunk; what the socket did
 * not take is written on `drain`, and reading pauses until it is. It understands the bench control frames
 * (`~gc`, `~broadcast`, `~shutdown`, see bench/README.md).
 *
 *   bun bench/servers/raw_bun.ts
 *
 * @module
 */
import process from "node:process";
import { collectGarbage } from "./_gc.ts";

interface State {
  partial: Uint8Array | undefined;
  pending: Uint8Array | undefined;
}
interface Socket {
  data: State;
  write(bytes: Uint8Array): number;
  end(): void;
  pause(): void;
  resume(): void;
  setNoDelay(on: boolean): boolean;
}
interface BunListen {
  listen(options: {
    hostname: string;
    port: number;
    socket: {
      open(s: Socket): void;
      data(s: Socket, chunk: Uint8Array): void;
      drain(s: Socket): void;
      close(s: Socket): void;
      error(s: Socket, error: Error): void;
    };
  }): { port: number; stop(closeActive?: boolean): void };
}

const TILDE = 0x7e;
const bun = (globalThis as unknown as { Bun: BunListen }).Bun;
const sockets = new Set<Socket>();
let stopping: { started: number } | undefined;

function send(s: Socket, bytes: Uint8Array): void {
  const state = s.data;
  if (state.pending !== undefined) {
    const joined = new Uint8Array(state.pending.length + bytes.length);
    joined.set(state.pending);
    joined.set(bytes, state.pending.length);
    state.pending = joined;
    return;
  }
  const written = s.write(bytes);
  if (written < bytes.length) {
    state.pending = bytes.slice(Math.max(written, 0));
    // Backpressure, as the raw Deno server's awaited write: read no more until the peer takes the echoes.
    s.pause();
  }
}

function control(s: Socket, frame: Uint8Array): void {
  const name = new TextDecoder().decode(frame.subarray(4));
  if (name === "~gc") {
    collectGarbage();
    send(s, frame);
  } else if (name === "~broadcast") {
    for (const other of sockets) send(other, frame);
  } else if (name === "~shutdown") {
    stopping = { started: performance.now() };
    server.stop(false);
    for (const other of sockets) other.end();
  }
}

function finishShutdown(): void {
  if (stopping === undefined || sockets.size > 0) return;
  console.log(`shutdown_ms=${(performance.now() - stopping.started).toFixed(3)}`);
  process.exit(0);
}

const server = bun.listen({
  hostname: "127.0.0.1",
  port: 0,
  socket: {
    open(s) {
      s.data = { partial: undefined, pending: undefined };
      s.setNoDelay(true);
      sockets.add(s);
    },
    data(s, chunk) {
      const state = s.data;
      let bytes = chunk;
      if (state.partial !== undefined) {
        bytes = new Uint8Array(state.partial.length + chunk.length);
        bytes.set(state.partial);
        bytes.set(chunk, state.partial.length);
      }
      let at = 0;
      let from = 0;
      while (bytes.length - at >= 4) {
        const size = ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
        if (bytes.length - at - 4 < size) break;
        if (size < 16 && bytes[at + 4] === TILDE) {
          if (at > from) send(s, bytes.subarray(from, at));
          control(s, bytes.slice(at, at + 4 + size));
          from = at + 4 + size;
        }
        at += 4 + size;
      }
      if (at > from) send(s, bytes.subarray(from, at));
      // The chunk's memory is Bun's: a partial frame is copied out.
      state.partial = at < bytes.length ? bytes.slice(at) : undefined;
    },
    drain(s) {
      const pending = s.data.pending;
      if (pending === undefined) return;
      s.data.pending = undefined;
      send(s, pending);
      if (s.data.pending === undefined) s.resume();
    },
    close(s) {
      sockets.delete(s);
      finishShutdown();
    },
    error(s) {
      sockets.delete(s);
      finishShutdown();
    },
  },
});
console.log(`listening on 127.0.0.1:${server.port} pid=${process.pid}`);
