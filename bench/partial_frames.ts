/**
 * Memory per peer that announces a big frame and sends almost nothing of it
 * (issue 18's hostile shape): PEERS connections each send a header announcing
 * a 262 144-byte frame, then 2 bytes in two reads, 300 ms apart. The server's
 * RSS (from /proc, after a full collection) is read before any peer connects,
 * with the peers idle, and with their partial frames; the script prints kB
 * per peer for the partial frames (over the idle peers) and in all (over the
 * empty server), for the current tree and for the tree at BASELINE (a git
 * revision), on each runtime, in one run on one machine.
 *
 *   deno run -A bench/partial_frames.ts [--peers 1000] [--baseline 86faf88] [--runtimes deno,bun,node]
 *
 * @module
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { readProc } from "./_soak_sample.ts";

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : fallback;
};
const PEERS = Number(flag("peers", "1000"));
const BASELINE = flag("baseline", "86faf88");
const RUNTIMES = flag("runtimes", "deno,bun,node").split(",");
const root = fileURLToPath(new URL("../", import.meta.url));
const server = join(root, "bench/servers/partial_frames_server.ts");

const commands: Record<string, string[]> = {
  deno: [join(root, "node_modules/.bin/deno"), "run", "-A", "--v8-flags=--expose-gc", server],
  bun: [join(root, "node_modules/.bin/bun"), server],
  node: [join(root, "node_modules/node24/bin/node"), "--expose-gc", "--import", "tsx", server],
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A running server child: its pid, and a way to send a command and wait for the line that answers it. */
async function start(runtime: string, tree: string) {
  const [command, ...rest] = commands[runtime]!;
  const child = spawn(command!, [...rest, join(tree, "mod.ts")], { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (prefix: string): Promise<string> => {
    for (let i = 0; i < 100; i++) {
      const { value, done } = await lines.next();
      if (done) throw new Error(`${runtime}: the server ended`);
      if (value.startsWith(prefix)) return value;
    }
    throw new Error(`${runtime}: no ${prefix} line`);
  };
  const port = Number((await next("port=")).slice(5));
  return {
    pid: child.pid!,
    port,
    ask: async (command: string, prefix: string) => {
      child.stdin!.write(`${command}\n`);
      return await next(prefix);
    },
    stop: async () => {
      child.stdin!.write("exit\n");
      await new Promise((resolve) => child.once("exit", resolve));
    },
  };
}

async function rssAfterGc(target: Awaited<ReturnType<typeof start>>): Promise<number> {
  await target.ask("gc", "gc");
  await sleep(100);
  await target.ask("gc", "gc");
  return readProc(target.pid).rssKb;
}

async function connectAll(port: number): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  // In batches, so that the accept backlog never overflows.
  for (let at = 0; at < PEERS; at += 100) {
    const batch = Array.from({ length: Math.min(100, PEERS - at) }, () =>
      new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect({ host: "127.0.0.1", port, noDelay: true }, () => resolve(socket));
        socket.once("error", reject);
      }));
    sockets.push(...await Promise.all(batch));
  }
  return sockets;
}

/** kB per peer: [partial frames over idle peers, in all over the empty server]. */
async function measure(runtime: string, tree: string): Promise<[number, number]> {
  const target = await start(runtime, tree);
  try {
    const empty = await rssAfterGc(target);
    const sockets = await connectAll(target.port);
    for (let i = 0; i < 200 && Number((await target.ask("size", "size=")).slice(5)) < PEERS; i++) await sleep(50);
    const idle = await rssAfterGc(target);
    for (const part of [Uint8Array.of(0, 4, 0, 0), Uint8Array.of(1), Uint8Array.of(2)]) {
      for (const socket of sockets) socket.write(part);
      await sleep(300);
    }
    const partial = await rssAfterGc(target);
    for (const socket of sockets) socket.destroy();
    return [(partial - idle) / PEERS, (partial - empty) / PEERS];
  } finally {
    await target.stop();
  }
}

const before = mkdtempSync(join(tmpdir(), "spawnkit-baseline-"));
try {
  execFileSync("sh", ["-c", `git archive ${BASELINE} | tar -x -C ${before}`], { cwd: root });
  const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root }).toString().trim();
  console.log(`${PEERS} peers, each: a header announcing 262144 bytes, then 2 bytes in two reads, 300 ms apart`);
  console.log(`server RSS in kB per peer after a full GC: partial frames (over idle peers) / in all (over no peers)`);
  console.log(`runtime   before (${BASELINE})      after (${head}, working tree)`);
  for (const runtime of RUNTIMES) {
    const [b, bAll] = await measure(runtime, before);
    const [a, aAll] = await measure(runtime, root);
    const cell = (x: number, all: number) => `${x.toFixed(1).padStart(7)} / ${all.toFixed(1).padStart(6)}`;
    console.log(`${runtime.padEnd(8)} ${cell(b, bAll)}      ${cell(a, aAll)}`);
  }
} finally {
  rmSync(before, { recursive: true, force: true });
}
