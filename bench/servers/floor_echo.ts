/**
 * The floor of spawnkit's handler shape, for the bench's echo scenarios: the
 * runtime's native socket, a view per frame, and the README's loop
 * `for await (const frame of conn) await conn.send(frame)` over the thinnest
 * async iterator that can serve it (one promise per frame, a copy per reply,
 * one write per read), with no guards, stats or water marks. What it costs
 * over the raw server is what the API shape itself costs; spawnkit cannot do
 * better than this server with that handler. Small frames only (a frame split
 * across reads is not reassembled): the latency and small scenarios, opt-in:
 * `--servers raw-bun,floor-bun,spawnkit-bun --scenarios latency,small`.
 *
 *   deno run -A bench/servers/floor_echo.ts     bun bench/servers/floor_echo.ts
 *
 * @module
 */
import process from "node:process";

const RESOLVED = Promise.resolve();

class FloorConn implements AsyncIterable<Uint8Array> {
  #queue: Uint8Array[] = [];
  #head = 0;
  #waiter: ((result: IteratorResult<Uint8Array>) => void) | undefined;
  #out = new Uint8Array(65_536);
  #outLength = 0;

  constructor(readonly write: (bytes: Uint8Array) => void) {}

  /** Bytes from the socket: whole frames queued as views (a partial frame is not handled: small frames only). */
  push(chunk: Uint8Array): void {
    let at = 0;
    while (chunk.length - at >= 4) {
      const length = ((chunk[at]! << 24) | (chunk[at + 1]! << 16) | (chunk[at + 2]! << 8) | chunk[at + 3]!) >>> 0;
      if (chunk.length - at - 4 < length) break;
      this.#queue.push(chunk.subarray(at + 4, at + 4 + length));
      at += 4 + length;
    }
    const waiter = this.#waiter;
    if (waiter !== undefined && this.#head < this.#queue.length) {
      this.#waiter = undefined;
      waiter({ done: false, value: this.#take() });
    }
  }

  send(frame: Uint8Array): Promise<void> {
    const at = this.#outLength;
    const n = frame.length;
    const out = this.#out;
    out[at] = n >>> 24;
    out[at + 1] = (n >>> 16) & 0xff;
    out[at + 2] = (n >>> 8) & 0xff;
    out[at + 3] = n & 0xff;
    out.set(frame, at + 4);
    this.#outLength = at + 4 + n;
    return RESOLVED;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => {
        if (this.#head < this.#queue.length) return Promise.resolve({ done: false, value: this.#take() });
        if (this.#outLength > 0) {
          this.write(this.#out.subarray(0, this.#outLength));
          this.#outLength = 0;
        }
        return new Promise((resolve) => this.#waiter = resolve);
      },
    };
  }

  #take(): Uint8Array {
    const frame = this.#queue[this.#head++]!;
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    }
    return frame;
  }
}

async function echo(conn: FloorConn): Promise<void> {
  for await (const frame of conn) {
    if (frame.length < 16 && frame[0] === 0x7e) process.exit(0); // any control frame ends it
    await conn.send(frame);
  }
}

interface BunSocket {
  data: FloorConn;
  write(bytes: Uint8Array): number;
  setNoDelay(on: boolean): boolean;
}
interface DenoConn {
  read(buffer: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  setNoDelay(on: boolean): void;
}
const runtime = globalThis as unknown as {
  Bun?: {
    listen(options: Record<string, unknown>): { port: number };
  };
  Deno?: {
    listen(options: { hostname: string; port: number }): AsyncIterable<DenoConn> & { addr: { port: number } };
  };
};

if (runtime.Bun !== undefined) {
  const server = runtime.Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      binaryType: "uint8array",
      open(socket: BunSocket) {
        socket.setNoDelay(true);
        // A short write would be lost: fine for small frames, whose replies fit the socket buffer.
        socket.data = new FloorConn((bytes) => socket.write(bytes));
        void echo(socket.data);
      },
      data(socket: BunSocket, chunk: Uint8Array) {
        socket.data.push(chunk);
      },
      close() {},
      drain() {},
    },
  });
  console.log(`listening on 127.0.0.1:${server.port} pid=${process.pid}`);
} else {
  const listener = runtime.Deno!.listen({ hostname: "127.0.0.1", port: 0 });
  console.log(`listening on 127.0.0.1:${listener.addr.port} pid=${process.pid}`);
  for await (const socket of listener) {
    socket.setNoDelay(true);
    // The copy keeps the write's bytes while the reply buffer is reused.
    const conn = new FloorConn((bytes) => void socket.write(bytes.slice()).catch(() => {}));
    void echo(conn);
    (async () => {
      const buffer = new Uint8Array(4096);
      while (true) {
        const n = await socket.read(buffer).catch(() => null);
        if (n === null) return;
        conn.push(buffer.slice(0, n));
      }
    })();
  }
}
