/**
 * A microbenchmark of one connection's hot path without sockets: a fake
 * socket hands out chunks of `FRAMES` frames of `SIZE` bytes, the README's echo
 * handler sends each back, and the fake socket's writes settle at once. It
 * prints nanoseconds per frame for the whole pipeline (decode, iterate, send,
 * coalesce, write) against a hand-written loop over the same chunks, for three
 * handlers (the README's echo, echo without awaiting send, iterating only), on
 * whichever runtime runs it. FRAMES (default 16) sets the frames per chunk:
 * FRAMES=1 shows the cost per read, FRAMES=128 the cost per frame.
 *
 *   deno run -A bench/micro/pipeline.ts     FRAMES=1 bun bench/micro/pipeline.ts
 *
 * @module
 */
import process from "node:process";
import type { Connection } from "../../src/core/connection/connection.ts";
import { FramedConnection } from "../../src/core/connection/framed_connection.ts";
import { waterMarksOf } from "../../src/core/connection/water_marks.ts";
import { framingOf } from "../../src/core/framing/length_prefixed.ts";
import type { RawSocket } from "../../src/transport/types.ts";

const FRAMES = Number(process.env.FRAMES ?? 16);
const SIZE = 64;
const READS = 200_000;

function chunkOf(frames: number, size: number): Uint8Array {
  const chunk = new Uint8Array(frames * (4 + size));
  for (let i = 0; i < frames; i++) {
    const at = i * (4 + size);
    chunk[at + 3] = size;
    chunk.fill(i + 1, at + 4, at + 4 + size);
  }
  return chunk;
}

class FakeSocket implements RawSocket {
  readonly localAddr = { hostname: "127.0.0.1", port: 1 };
  readonly remoteAddr = { hostname: "127.0.0.1", port: 2 };
  reads = 0;
  written = 0;
  done!: () => void;
  constructor(readonly chunk: Uint8Array) {}
  read(): Promise<Uint8Array | null> {
    if (this.reads++ === READS) {
      this.done();
      return new Promise(() => {});
    }
    // A fresh copy, as a runtime hands out: the decoder keeps views into it.
    return Promise.resolve(this.chunk.slice());
  }
  write(data: Uint8Array): Promise<void> {
    this.written += data.length;
    return Promise.resolve();
  }
  close(): void {}
}

type Handler = (c: Connection) => Promise<void>;
const HANDLERS: Record<string, Handler> = {
  "echo (await send)": async (c) => {
    for await (const frame of c) await c.send(frame);
  },
  "echo (send, no await)": async (c) => {
    for await (const frame of c) void c.send(frame);
  },
  "iterate only, one send per chunk": async (c) => {
    let n = 0;
    for await (const frame of c) {
      if (++n % FRAMES === 0) void c.send(frame);
    }
  },
};

async function kit(chunk: Uint8Array, handler: Handler): Promise<number> {
  const socket = new FakeSocket(chunk);
  const finished = new Promise<void>((resolve) => socket.done = resolve);
  const conn = new FramedConnection(socket, {
    framing: framingOf({}),
    waterMarks: waterMarksOf({}),
    mailboxCapacity: 1024,
    closeTimeout: 5,
  }, 1);
  const started = performance.now();
  void conn.run(handler, undefined);
  await finished;
  const ns = (performance.now() - started) * 1e6 / (READS * FRAMES);

  conn.abort(new Error("done"));
  return ns;
}

async function raw(chunk: Uint8Array): Promise<number> {
  const socket = new FakeSocket(chunk);
  const started = performance.now();
  for (let i = 0; i < READS; i++) {
    const bytes = (await socket.read())!;
    let at = 0;
    while (bytes.length - at >= 4) {
      const size = ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
      if (bytes.length - at - 4 < size) break;
      at += 4 + size;
    }
    await socket.write(bytes.subarray(0, at));
  }
  return (performance.now() - started) * 1e6 / (READS * FRAMES);
}

const chunk = chunkOf(FRAMES, SIZE);
for (let round = 0; round < 3; round++) {
  const r = await raw(chunk);
  const parts = [`raw ${r.toFixed(1)}`];
  for (const [name, handler] of Object.entries(HANDLERS)) {
    parts.push(`${name} ${(await kit(chunk, handler)).toFixed(1)}`);
  }
  console.log(`round ${round} (ns/frame): ${parts.join(", ")}`);
}
