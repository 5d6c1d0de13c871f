/**
 * A microbenchmark of one connection's hot path without sockets: a fake
 * socket hands out chunks of `FRAMES` frames of `SIZE` bytes, the README's echo
 * handler sends each back, and the fake socket's writes settle at once. It
 * prints nanoseconds of CPU time per frame for the whole pipeline (decode, iterate, send,
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
import type { CallbackHandler } from "../../src/core/server/server.ts";
import type { Connection } from "../../src/core/connection/connection.ts";
import type { Server } from "../../src/core/server/server.ts";
import { FramedConnection } from "../../src/core/connection/framed_connection.ts";
import { waterMarksOf } from "../../src/core/connection/water_marks.ts";
import { framingOf } from "../../src/core/framing/length_prefixed.ts";
import type { RawSocket } from "../../src/transport/types.ts";

const FRAMES = Number(process.env.FRAMES ?? 16);
/** CPU time this process used, in milliseconds: time spent descheduled (a busy machine) does not count. */
const cpuNow = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const SIZE = 64;
const READS = Number(process.env.READS ?? 200_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const ONLY = process.env.ONLY;

function chunkOf(frames: number, size: number): Uint8Array {
  const chunk = new Uint8Array(frames * (4 + size));
  for (let i = 0; i < frames; i++) {
    const at = i * (4 + size);
    chunk[at + 3] = size;
    chunk.fill(i + 1, at + 4, at + 4 + size);
  }
  return chunk;
}

// Chunks are views into the free end of a buffer of this many chunks, as the Deno adapter reads.
const CHUNKS_PER_BUFFER = 64;

class FakeSocket implements RawSocket {
  readonly localAddr = { hostname: "127.0.0.1", port: 1 };
  readonly remoteAddr = { hostname: "127.0.0.1", port: 2 };
  reads = 0;
  written = 0;
  done!: () => void;
  #buffer: Uint8Array;
  constructor(readonly chunk: Uint8Array) {
    this.#buffer = new Uint8Array(chunk.length * CHUNKS_PER_BUFFER);
    for (let i = 0; i < CHUNKS_PER_BUFFER; i++) this.#buffer.set(chunk, i * chunk.length);
  }
  read(): Promise<Uint8Array | null> {
    const chunk = this.next();
    return chunk === undefined ? new Promise(() => {}) : Promise.resolve(chunk);
  }
  /** The next chunk; undefined (and done) after the last. */
  next(): Uint8Array | undefined {
    if (this.reads++ === READS) {
      this.done();
      return undefined;
    }
    // A view the kit keeps (the decoder's frames are views into it): the next chunk is the next bytes, and a new
    // buffer (a copy, allocated) when this one is used up.
    const at = (this.reads % CHUNKS_PER_BUFFER) * this.chunk.length;
    if (at === 0) this.#buffer = this.#buffer.slice();
    return this.#buffer.subarray(at, at + this.chunk.length);
  }
  write(data: Uint8Array): Promise<void> {
    this.written += data.length;
    return Promise.resolve();
  }
  close(): void {}
}

/** The same chunks through `pull()`, as the Bun and Node adapters read: no promise per read (PULL=1). */
class PullSocket extends FakeSocket {
  #onChunk: ((chunk: Uint8Array | null) => void) | undefined;
  readonly #deliver = () => {
    const chunk = this.next();
    if (chunk !== undefined) this.#onChunk!(chunk);
  };
  pull(onChunk: (chunk: Uint8Array | null) => void): void {
    this.#onChunk = onChunk;
    queueMicrotask(this.#deliver);
  }
}

type Handler = ((c: Connection) => Promise<void>) | CallbackHandler;
const HANDLERS: Record<string, Handler> = {
  "batches (send)": async (c) => {
    for await (const frames of c.batches()) for (const frame of frames) void c.send(frame);
  },
  "batches (await send)": async (c) => {
    for await (const frames of c.batches()) for (const frame of frames) await c.send(frame);
  },
  "callbacks (return send)": { frame: (c, frame) => c.send(frame) },
  "callbacks (return sendOwned)": { frame: (c, frame) => c.sendOwned(frame) },
  "batches (sendOwned)": async (c) => {
    for await (const frames of c.batches()) for (const frame of frames) void c.sendOwned(frame);
  },
  "readable.pipeTo(writable)": (c) => c.readable.pipeTo(c.writable),
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
  const socket = process.env.PULL === "1" ? new PullSocket(chunk) : new FakeSocket(chunk);
  const finished = new Promise<void>((resolve) => socket.done = resolve);
  const conn = new FramedConnection(socket, {
    framing: framingOf({}),
    waterMarks: waterMarksOf({}),
    mailboxCapacity: 1024,
    closeTimeout: 5,
  }, 1);
  const started = cpuNow();
  if (typeof handler === "function") void conn.run(handler, undefined);
  else conn.runCallbacks({ current: handler }, undefined as unknown as Server);
  await finished;
  const ns = (cpuNow() - started) * 1e6 / (READS * FRAMES);

  conn.abort(new Error("done"));
  return ns;
}

async function raw(chunk: Uint8Array): Promise<number> {
  const socket = new FakeSocket(chunk);
  const started = cpuNow();
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
  return (cpuNow() - started) * 1e6 / (READS * FRAMES);
}

const chunk = chunkOf(FRAMES, SIZE);
// The fastest of the rounds is the figure: the one least disturbed by whatever else ran on the machine.
const best = new Map<string, number>();
for (let round = 0; round < ROUNDS; round++) {
  const parts = [];
  const measured: Array<[string, number]> = [];
  if (ONLY === undefined || ONLY === "raw") measured.push(["raw", await raw(chunk)]);
  for (const [name, handler] of Object.entries(HANDLERS)) {
    if (ONLY !== undefined && ONLY !== name) continue;
    measured.push([name, await kit(chunk, handler)]);
  }
  for (const [name, ns] of measured) {
    best.set(name, Math.min(best.get(name) ?? Infinity, ns));
    parts.push(`${name} ${ns.toFixed(1)}`);
  }
  console.log(`round ${round} (ns/frame): ${parts.join(", ")}`);
}
console.log(`best of ${ROUNDS} (ns/frame): ${[...best].map(([name, ns]) => `${name} ${ns.toFixed(1)}`).join(", ")}`);
