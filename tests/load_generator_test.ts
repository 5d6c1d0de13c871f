/**
 * A smoke test of the bench's load generator (bench/load, C++): it must pass
 * an honest echo server and catch servers that damage, reorder or shorten
 * frames. Built with g++ on first use; skipped, with the reason, where g++ is
 * missing. The bench itself is not part of the test suite.
 *
 * @module
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { type Connection, serve, silentLogger } from "../mod.ts";
import { buildLoadGenerator } from "../bench/_prepare.ts";
import { run } from "../bench/_processes.ts";
import { skip, test } from "./_harness.ts";
import { until } from "./_fixtures.ts";

type ErrorKinds = Record<"connect" | "length" | "order" | "content" | "closed" | "lost" | "timeout", number>;

/** The server's byte counts once the load generator is done. */
interface Served {
  readonly bytesIn: number;
  readonly bytesOut: number;
}

/** Runs the load generator in echo mode against a server with `handler` and returns its JSON. */
async function loadAgainst(
  handler: (conn: Connection) => Promise<void>,
  served?: (counts: Served) => void,
): Promise<Record<string, unknown>> {
  const binary = await buildLoadGenerator();
  await using server = await serve({ port: 0, logger: silentLogger }, handler);
  const args = ["--port", `${server.addr.port}`, "--mode", "echo", "--conns", "4", "--depth", "8", "--size", "100"];
  args.push("--warmup", "0", "--seconds", "0.3", "--timeout", "10", "--no-progress");
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout!.on("data", (chunk: Uint8Array) => out += new TextDecoder().decode(chunk));
  await new Promise((resolve) => child.on("exit", resolve));
  // Its connections closed when it exited: the server's totals are final once it has seen every close.
  await until(() => server.size === 0, "the load generator's connections to close");
  served?.({ bytesIn: server.stats.bytesIn, bytesOut: server.stats.bytesOut });
  return JSON.parse(out.trim());
}

const kinds = (result: Record<string, unknown>) => result.error_kinds as ErrorKinds;

const hasCompiler = (await run("g++", ["--version"])).code === 0;
const register = hasCompiler ? test : (name: string) => skip(name, "g++ is not installed");

register("load generator passes an echo server and counts its frames", async () => {
  let received = 0;
  let echoed = 0;
  let counts: Served | undefined;
  const result = await loadAgainst(async (conn) => {
    for await (const frame of conn) {
      received++;
      await conn.send(frame);
      echoed++;
    }
  }, (served) => counts = served);
  assert.equal(result.errors, 0, JSON.stringify(result));
  assert.equal(kinds(result).lost, 0, "every frame sent came back before it stopped");
  // Its count is of the measured part of what the server answered. Every frame is 100 bytes and a 4-byte header.
  assert.ok((result.frames as number) > 0);
  assert.equal(echoed, received, "the server answered every frame it read");
  assert.ok((result.frames as number) <= echoed, `${result.frames} counted, ${echoed} echoed`);
  assert.deepEqual(counts, { bytesIn: received * 104, bytesOut: echoed * 104 });
});

register("load generator catches a damaged byte", async () => {
  let n = 0;
  const result = await loadAgainst(async (conn) => {
    for await (const frame of conn) {
      const copy = frame.slice();
      if (n++ % 10 === 5) copy[copy.length - 1]! ^= 0xff;
      await conn.send(copy);
    }
  });
  assert.ok(kinds(result).content > 0, JSON.stringify(result));
  assert.equal(kinds(result).order, 0);
});

register("load generator catches frames out of order", async () => {
  const result = await loadAgainst(async (conn) => {
    let held: Uint8Array | undefined;
    for await (const frame of conn) {
      if (held === undefined) {
        held = frame.slice();
        continue;
      }
      await conn.send(frame);
      await conn.send(held);
      held = undefined;
    }
  });
  assert.ok(kinds(result).order > 0, JSON.stringify(result));
  assert.equal(kinds(result).content, 0);
});

register("load generator catches a frame of the wrong length", async () => {
  let n = 0;
  const result = await loadAgainst(async (conn) => {
    for await (const frame of conn) await conn.send(n++ % 10 === 5 ? frame.subarray(1) : frame);
  });
  assert.ok(kinds(result).length > 0, JSON.stringify(result));
});

register(
  "load generator stall mode: peers write until the kernel takes no more, never read, and are counted",
  async () => {
    const binary = await buildLoadGenerator();
    await using server = await serve({ port: 0, logger: silentLogger }, async (conn) => {
      for await (const frame of conn) await conn.send(frame);
    });
    const args = ["--port", `${server.addr.port}`, "--mode", "stall", "--conns", "2", "--size", "65536"];
    args.push("--frames", "64", "--quiet", "0.3", "--idle", "0.1", "--timeout", "20", "--no-progress");
    args.push("--server-pid", `${process.pid}`);
    const child = spawn(binary, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout!.on("data", (chunk: Uint8Array) => out += new TextDecoder().decode(chunk));
    await new Promise((resolve) => child.on("exit", resolve));
    const result = JSON.parse(out.trim());
    assert.equal(result.errors, 0, JSON.stringify(result));
    assert.equal(result.stalled, 2);
    // The server echoed until the peers' receive buffers were full: they wrote more than they could have read.
    assert.ok((result.sent_bytes_per_conn as number) > 65536, JSON.stringify(result));
    assert.equal(typeof result.bytes_per_conn, "number");
    assert.ok((result.rss_after_kb as number) > 0);
  },
);
