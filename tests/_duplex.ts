/**
 * One connection driven from two tasks at once, against a peer that echoes:
 * a writer sends frames of seeded sizes from 0 to the frame limit in bursts
 * (at most `maxInFlight` bytes sent and not yet echoed, `flush()` after each
 * burst), and a reader iterates the connection and checks every frame that
 * comes back. Past the socket buffers, an echo peer whose own writes are
 * blocked stops reading: the client's reader must keep asking, and getting,
 * frames while its writer waits.
 *
 * The echo servers here do not use the kit: node:net (which Deno and Bun run
 * too) piping each socket into itself, with its own backpressure, and, where
 * `escript` is installed, the Erlang original's `gen_tcp` `{packet, 4}`,
 * `{active, once}` echo (tests/fixtures/packet4_echo.erl).
 *
 * @module
 */
import { existsSync } from "node:fs";
import { createServer, type Server as NetServer } from "node:net";
import process from "node:process";
import type { Connection, ConnectionStats } from "../mod.ts";
import { type Spawned, spawnProgram } from "./_child.ts";

/** A frame limit's worth, the kit's default `maxFrameSize`. */
export const FRAME_LIMIT = 262_144;

/** A deterministic generator of numbers in [0, 1) (mulberry32). */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Frame sizes for one seed: the edges (0, 1, 3, 4, the limit) often, the rest spread up to the limit. */
export function sizesOf(seed: number, count: number, limit = FRAME_LIMIT): number[] {
  const random = seeded(seed);
  const edges = [0, 1, 3, 4, limit - 1, limit];
  return Array.from({ length: count }, () => {
    const pick = random();
    if (pick < 0.15) return edges[Math.floor(random() * edges.length)]!;
    if (pick < 0.4) return Math.floor(random() * 256);
    return Math.floor(random() * (limit + 1));
  });
}

/** Frame `index` of `size` bytes: its index in the first four bytes (when they fit), then a pattern. */
export function frameOf(index: number, size: number): Uint8Array {
  const frame = new Uint8Array(size);
  for (let i = 997; i < size; i += 997) frame[i] = (index + i) & 255;
  if (size > 0) frame[size - 1] = index & 255;
  if (size >= 4) new DataView(frame.buffer).setUint32(0, index);
  return frame;
}

/** Why `frame` is not frame `index` of `size` bytes, or undefined when it is. */
export function frameProblem(frame: Uint8Array, index: number, size: number): string | undefined {
  if (frame.length !== size) return `frame ${index}: ${frame.length} bytes, not ${size}`;
  if (size >= 4 && new DataView(frame.buffer, frame.byteOffset, 4).getUint32(0) !== index) {
    return `frame ${index}: carries index ${new DataView(frame.buffer, frame.byteOffset, 4).getUint32(0)}`;
  }
  for (let i = 997; i < size - 1; i += 997) {
    if (frame[i] !== ((index + i) & 255)) return `frame ${index}: byte ${i} is ${frame[i]}`;
  }
  if (size > 0 && frame[size - 1] !== (index & 255)) return `frame ${index}: last byte is ${frame[size - 1]}`;
  return undefined;
}

/** The shape of one run. */
export interface DuplexPlan {
  readonly seed: number;
  /** Frames to send and get back. */
  readonly frames: number;
  /** Bytes sent and not yet echoed, at most. @default 8 MiB */
  readonly maxInFlight?: number;
  /** Frames in a burst, at most (each burst ends with `flush()`). @default 32 */
  readonly maxBurst?: number;
}

/** Where a run got to: the two tasks' counts. */
export interface DuplexProgress {
  sent: number;
  received: number;
  sentBytes: number;
  receivedBytes: number;
}

/**
 * Sends `plan.frames` frames from one task and reads them back from another,
 * in order, each checked. Settles once every frame came back; rejects with
 * where it stopped when nothing moved over `stallChecks` looks at the
 * counters (`describe` adds the connection's own stats to the message). The
 * looks are a deadlock detector, not a speed limit: an echo over loopback
 * moves between any two of them.
 */
export async function runDuplex(
  conn: Connection,
  plan: DuplexPlan,
  describe: () => unknown = () => countersOf(conn.stats),
  stallChecks = 40,
): Promise<DuplexProgress> {
  const sizes = sizesOf(plan.seed, plan.frames);
  const random = seeded(plan.seed ^ 0x5bd1e995);
  const maxInFlight = plan.maxInFlight ?? 8 * 1024 * 1024;
  const maxBurst = plan.maxBurst ?? 32;
  const progress: DuplexProgress = { sent: 0, received: 0, sentBytes: 0, receivedBytes: 0 };
  let onFrame: (() => void) | undefined;

  const reader = (async () => {
    if (plan.frames === 0) return;
    for await (const frame of conn) {
      const index = progress.received;
      const problem = frameProblem(frame, index, sizes[index]!);
      if (problem !== undefined) throw new Error(`seed ${plan.seed}: ${problem}`);
      progress.received++;
      progress.receivedBytes += frame.length + 4;
      const wake = onFrame;
      onFrame = undefined;
      wake?.();
      if (progress.received === plan.frames) return;
    }
    throw new Error(`seed ${plan.seed}: the connection ended after ${progress.received} of ${plan.frames} frames`);
  })();

  const writer = (async () => {
    while (progress.sent < plan.frames) {
      const burst = 1 + Math.floor(random() * maxBurst);
      for (let i = 0; i < burst && progress.sent < plan.frames; i++) {
        const size = sizes[progress.sent]!;
        // The writer's own bound: what it sent and has not seen come back yet.
        while (progress.sentBytes - progress.receivedBytes + size + 4 > maxInFlight) {
          await new Promise<void>((resolve) => onFrame = resolve);
        }
        await conn.send(frameOf(progress.sent, size));
        progress.sent++;
        progress.sentBytes += size + 4;
      }
      await conn.flush();
    }
  })();

  let stop: (() => void) | undefined;
  const stalled = new Promise<never>((_, reject) => {
    let last = "";
    let still = 0;
    const timer = setInterval(() => {
      let stats: unknown;
      try {
        stats = describe();
      } catch (error) {
        stats = String(error);
      }
      const now = JSON.stringify({ progress, stats });
      still = now === last ? still + 1 : 0;
      last = now;
      if (still < stallChecks) return;
      clearInterval(timer);
      reject(new Error(`seed ${plan.seed}: the echo stopped: ${now}`));
    }, 250);
    stop = () => clearInterval(timer);
  });
  try {
    await Promise.race([Promise.all([reader, writer]), stalled]);
  } finally {
    stop!();
  }
  return progress;
}

/** The counters of a connection's stats (its duration runs on, so it is left out). */
export function countersOf(stats: ConnectionStats): Partial<ConnectionStats> {
  const { bytesIn, bytesOut, framesIn, framesOut, outboxBytes, closeReason } = stats;
  return { bytesIn, bytesOut, framesIn, framesOut, outboxBytes, closeReason };
}

/** A running echo server that is not the kit. */
export interface EchoPeer {
  readonly port: number;
  close(): Promise<void>;
}

/** A byte echo over node:net: each socket piped into itself (a write it cannot pass on pauses its reading). */
export function startNetEcho(): Promise<EchoPeer> {
  const sockets = new Set<import("node:net").Socket>();
  const server: NetServer = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    socket.pipe(socket);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** The `escript` program, or undefined when Erlang is not installed. */
export function escriptProgram(): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/bin", "/usr/local/bin"];
  return dirs.map((dir) => `${dir}/escript`).find((path) => existsSync(path));
}

/** Why the Erlang echo cannot run here, or undefined when it can. */
export function erlangMissing(): string | undefined {
  if (escriptProgram() !== undefined) return undefined;
  return "escript is not installed (Debian's erlang-base: apt-get install -y erlang-base)";
}

/** Starts the Erlang `{packet, 4}` echo; stopped by its PID with `close()`. */
export async function startErlangEcho(): Promise<EchoPeer> {
  const program = escriptProgram();
  if (program === undefined) throw new Error(erlangMissing());
  let output = "";
  let child: Spawned | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    const onText = (text: string) => {
      output += text;
      const found = /listening on 127\.0\.0\.1:(\d+)/.exec(output);
      if (found !== null) resolve(Number(found[1]));
    };
    child = spawnProgram(program, ["tests/fixtures/packet4_echo.erl"], onText, onText);
    void child.exited.then((code) => reject(new Error(`the Erlang echo exited (${code}): ${output}`)));
  });
  return {
    port,
    async close() {
      child!.kill("SIGKILL");
      await child!.exited;
    },
  };
}
