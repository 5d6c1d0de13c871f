/**
 * The frame decoder alone, against an earlier version of itself in the same
 * run: the version at `BASELINE` (a git revision, default the commit before
 * the decoder learned to accumulate only what arrived) is taken out of git
 * into a temporary folder and loaded next to the current one. Both decode the
 * same chunks, in alternating rounds, and the script prints nanoseconds of CPU
 * time per frame for each shape and their ratio:
 *
 * - `small-in-one`: 64 frames of 64 bytes in one chunk (views, the common case);
 * - `two-reads`: a 40 KiB frame over two reads from different buffers (Node's reads);
 * - `big-over-64k`: a 256 KiB frame over 64 KiB reads from different buffers;
 * - `in-place`: a 40 KiB frame over two reads of one buffer (Deno's reads).
 *
 *   deno run -A bench/micro/frame_decoder.ts     BASELINE=HEAD~3 bun bench/micro/frame_decoder.ts
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { FrameDecoder } from "../../src/core/framing/frame_decoder.ts";
import { encodeFrame } from "../../src/core/framing/length_prefixed.ts";

const BASELINE = process.env.BASELINE ?? "86faf88";
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const root = fileURLToPath(new URL("../../", import.meta.url));

interface Decoder {
  decode(chunk: Uint8Array, out: Uint8Array[]): number;
}
type DecoderClass = new () => Decoder;

/** The decoder at `revision`, its relative imports pointed at today's files. */
async function baseline(revision: string): Promise<DecoderClass> {
  const source = execFileSync("git", ["show", `${revision}:src/core/framing/frame_decoder.ts`], { cwd: root })
    .toString()
    // Every relative import (errors, the header format, the assembly buffer) from today's files.
    .replace(
      /"(\.\.?\/[\w/]+\.ts)"/g,
      (_, path: string) => JSON.stringify(pathToFileURL(join(root, "src/core/framing", path)).href),
    );
  const dir = mkdtempSync(join(tmpdir(), "spawnkit-decoder-"));
  try {
    const file = join(dir, "frame_decoder.ts");
    writeFileSync(file, source);
    return (await import(pathToFileURL(file).href)).FrameDecoder as DecoderClass;
  } finally {
    // Loaded: the module stays in memory.
    if (!("Bun" in globalThis)) rmSync(dir, { recursive: true, force: true });
  }
}

/** A shape: its chunks (each made once, reused every pass) and the frames one pass yields. */
interface Shape {
  readonly name: string;
  readonly chunks: Uint8Array[];
  readonly frames: number;
  readonly passes: number;
}

function fresh(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [0, ...cuts, bytes.length];
  return points.slice(1).map((to, i) => bytes.slice(points[i], to));
}

function shapes(): Shape[] {
  const small = new Uint8Array(64 * 68);
  for (let i = 0; i < 64; i++) small.set(encodeFrame(new Uint8Array(64).fill(i)), i * 68);
  const mid = encodeFrame(new Uint8Array(40_960).fill(7));
  const big = encodeFrame(new Uint8Array(262_144).fill(9), { maxFrameSize: 262_144 });
  const bigCuts = [65_536, 131_072, 196_608, 262_144];
  return [
    { name: "small-in-one", chunks: [small], frames: 64, passes: 40_000 },
    { name: "two-reads", chunks: fresh(mid, [20_000]), frames: 1, passes: 20_000 },
    { name: "big-over-64k", chunks: fresh(big, bigCuts), frames: 1, passes: 2_000 },
    { name: "in-place", chunks: [mid.subarray(0, 20_000), mid.subarray(20_000)], frames: 1, passes: 200_000 },
  ];
}

const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** Nanoseconds of CPU per frame for `shape` through a fresh decoder of `Class`. */
function measure(Class: DecoderClass, shape: Shape): number {
  const decoder = new Class();
  const out: Uint8Array[] = [];
  const start = cpuMs();
  for (let pass = 0; pass < shape.passes; pass++) {
    for (const chunk of shape.chunks) decoder.decode(chunk, out);
    if (out.length !== shape.frames) throw new Error(`${shape.name}: ${out.length} frames, not ${shape.frames}`);
    out.length = 0;
  }
  return ((cpuMs() - start) * 1e6) / (shape.passes * shape.frames);
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;

const Before = await baseline(BASELINE);
const After = FrameDecoder as unknown as DecoderClass;
const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : `node ${process.versions.node}`;
console.log(
  `frame decoder, ${runtime}: ns of CPU per frame, median of ${ROUNDS} alternating rounds; before = ${BASELINE}`,
);
console.log("shape          before     after   after/before");
for (const shape of shapes()) {
  measure(Before, shape); // warm-up
  measure(After, shape);
  const before: number[] = [];
  const after: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    before.push(measure(Before, shape));
    after.push(measure(After, shape));
  }
  const b = median(before);
  const a = median(after);
  console.log(
    `${shape.name.padEnd(13)} ${b.toFixed(1).padStart(8)} ${a.toFixed(1).padStart(9)} ${
      (a / b).toFixed(2).padStart(8)
    }`,
  );
}
