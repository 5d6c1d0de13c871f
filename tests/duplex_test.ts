/**
 * One connection read by one task and written by another at once, past the
 * socket buffers, against peers that echo and stop reading while their own
 * writes are blocked: the kit's client (plain, reconnecting, RPC) and a
 * server handler that pushes from another task must keep reading while a
 * send waits, or both ends wait for each other for good.
 */
import assert from "node:assert/strict";
import { connect as netConnect, type Socket } from "node:net";
import process from "node:process";
import { connect, type Connection, type ConnectionStats, serve, silentLogger } from "../mod.ts";
import { rpcClient, rpcHandler } from "../src/edges/rpc/rpc.ts";
import { skip, test } from "./_harness.ts";
import {
  countersOf,
  type EchoPeer,
  erlangMissing,
  FRAME_LIMIT,
  runDuplex,
  seeded,
  startErlangEcho,
  startNetEcho,
} from "./_duplex.ts";

// Enough seeds that a deadlock met in most of them cannot pass by luck, few enough for every runtime in one run.
const SEEDS = [1, 2, 3, 4, 5, 6];
// About 25 MB each way per seed, and no bound of the writer's own below it: more than loopback's buffers take
// (Linux grows a receive buffer up to tcp_rmem's maximum, 32 MiB on many machines), or they would absorb a
// deadlock and the run would pass by luck.
const FRAMES = 200;
const IN_FLIGHT = 64 * 1024 * 1024;

async function eachSeed(peer: EchoPeer, open: () => Promise<Connection>): Promise<void> {
  try {
    for (const seed of SEEDS) {
      const conn = await open();
      let ok = false;
      try {
        const progress = await runDuplex(conn, { seed, frames: FRAMES, maxInFlight: IN_FLIGHT });
        assert.equal(progress.received, FRAMES);
        assert.equal(conn.stats.framesIn, FRAMES, "the kit counted every frame that came back");
        assert.equal(conn.stats.framesOut, FRAMES);
        ok = true;
      } finally {
        conn.close();
        // After a deadlock, what is queued never drains: the failure is reported, not a hang in the close.
        if (ok) await conn.finished;
      }
    }
  } finally {
    await peer.close();
  }
}

test("connect(): a reader task and a writer task at once against a node:net echo, frames 0 to the limit, every seed completes", async () => {
  const peer = await startNetEcho();
  await eachSeed(peer, () => connect({ port: peer.port, logger: silentLogger }));
});

const ERLANG =
  "connect(): a reader task and a writer task at once against Erlang's gen_tcp {packet,4} {active,once} echo";
const erlang = erlangMissing();
if (erlang === undefined) {
  test(ERLANG, async () => {
    const peer = await startErlangEcho();
    await eachSeed(peer, () => connect({ port: peer.port, logger: silentLogger }));
  });
} else if (process.env.CI === "true") {
  // In CI a missing engine is a failure, not a skip.
  test(ERLANG, () => assert.fail(erlang));
} else skip(ERLANG, erlang);

test("connect() with reconnect: a reader task and a writer task at once against a node:net echo, every seed completes", async () => {
  const peer = await startNetEcho();
  await eachSeed(
    peer,
    () => connect({ port: peer.port, logger: silentLogger, reconnect: { maxRetries: 0 } }),
  );
});

test("rpcClient: calls of 0 to almost the frame limit in bursts, answered while more are sent, every seed completes", async () => {
  await using server = await serve(
    { port: 0, logger: silentLogger },
    rpcHandler({ echo: (params: unknown) => params }),
  );
  for (const seed of SEEDS.slice(0, 3)) {
    const conn = await connect({ port: server.addr.port, logger: silentLogger });
    const client = rpcClient(conn, { timeout: 60 });
    const random = seeded(seed);
    let answered = 0;
    let calls = 0;
    const run = async () => {
      while (calls < 200) {
        // A burst of up to 200 calls of up to ~256 KiB: up to about 50 MB asked for at once (see FRAMES).
        const burst = Array.from({ length: 1 + Math.floor(random() * 200) }, () => {
          const size = random() < 0.2 ? 0 : Math.floor(random() * (FRAME_LIMIT - 100));
          const id = calls++;
          const text = String(id).padEnd(size, "x");
          return client.call("echo", [text]).then((answer) => {
            assert.equal((answer as string[])[0], text, `seed ${seed}: call ${id}`);
            answered++;
          });
        });
        await Promise.all(burst);
      }
    };
    try {
      await stallGuard(run(), () => ({ answered, calls, client: client.stats, conn: countersOf(conn.stats) }), seed);
    } catch (error) {
      conn.close(); // after a deadlock nothing drains: report it rather than wait in the close
      throw error;
    }
    assert.equal(answered, calls);
    await client[Symbol.asyncDispose]();
  }
});

test("serve(): a handler whose loop reads while another task pushes, against a client that echoes, every seed completes", async () => {
  const done: Array<{ seed: number; error?: unknown; stats: ConnectionStats }> = [];
  await using server = await serve({ port: 0, logger: silentLogger }, async (conn) => {
    const seed = done.length + 1;
    try {
      await runDuplex(conn, { seed, frames: FRAMES, maxInFlight: IN_FLIGHT });
      done.push({ seed, stats: conn.stats });
    } catch (error) {
      done.push({ seed, error, stats: conn.stats });
    }
  });
  for (const _ of SEEDS.slice(0, 4)) {
    // The client is not the kit: a node:net socket piped into itself echoes every frame back to the handler.
    const socket: Socket = netConnect({ port: server.addr.port, host: "127.0.0.1" });
    socket.on("error", () => {});
    const before = done.length;
    socket.pipe(socket);
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (done.length > before) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });
    socket.destroy();
    const result = done[done.length - 1]!;
    if (result.error !== undefined) throw result.error;
    assert.equal(result.stats.framesIn, FRAMES);
  }
});

/** Settles as `work` does, or rejects with where it stopped once nothing moved for 40 looks (a deadlock). */
async function stallGuard(work: Promise<void>, describe: () => unknown, seed: number): Promise<void> {
  let stop: (() => void) | undefined;
  const stalled = new Promise<never>((_, reject) => {
    let last = "";
    let still = 0;
    const timer = setInterval(() => {
      const now = JSON.stringify(describe());
      still = now === last ? still + 1 : 0;
      last = now;
      if (still >= 40) {
        clearInterval(timer);
        reject(new Error(`seed ${seed}: the calls stopped: ${now}`));
      }
    }, 250);
    stop = () => clearInterval(timer);
  });
  try {
    await Promise.race([work, stalled]);
  } finally {
    stop!();
  }
}
