/**
 * maxPendingSendBytes: sends that wait for room are bounded per connection. A
 * handler that does not await its sends (an echo that fires and forgets)
 * against a peer that sends and never reads would otherwise hold every frame
 * the peer sent while reading goes on; past the bound the connection closes as
 * `slow-consumer`, its waiting sends rejected. A handler that awaits its sends
 * never reaches it.
 */
import assert from "node:assert/strict";
import { type Connection, ConnectionClosedError, serve, silentLogger } from "../mod.ts";
import { test } from "./_harness.ts";
import { rawConnect, startServer, until } from "./_fixtures.ts";

const FRAME = 16 * 1024;

/** A {packet,4} frame of FRAME bytes. */
function frame(): Uint8Array {
  const bytes = new Uint8Array(4 + FRAME).fill(1);
  new DataView(bytes.buffer).setUint32(0, FRAME);
  return bytes;
}

/**
 * Writes frames to `peer` until the server ends the connection (its write then fails) or 2000 were written (32 MB:
 * far past the socket buffers). A write blocks while the server does not read.
 */
async function flood(peer: { write(bytes: Uint8Array): Promise<unknown> }, ends: readonly unknown[]): Promise<void> {
  const bytes = frame();
  for (let i = 0; i < 2000 && ends.length === 0; i++) {
    try {
      await peer.write(bytes);
    } catch {
      return; // the server closed it
    }
  }
}

/** An echo that does not await its sends; the sends it saw refused are counted. */
function fireAndForget(refused: { count: number; other: unknown[] }): (conn: Connection) => Promise<void> {
  return async (conn) => {
    for await (const payload of conn) {
      conn.send(payload).catch((error) => {
        if (error instanceof ConnectionClosedError) refused.count++;
        else refused.other.push(error);
      });
    }
  };
}

test("maxPendingSendBytes: sends a handler does not await, to a peer that never reads, close it as slow-consumer", async () => {
  const refused = { count: 0, other: [] as unknown[] };
  const limit = 256 * 1024;
  const { server, ends } = await startServer(fireAndForget(refused), { maxPendingSendBytes: limit });
  await using _ = server;
  const peer = await rawConnect(server);
  try {
    // The peer never reads a byte.
    const flooding = flood(peer, ends);
    await until(() => ends.length === 1, "the connection to end");
    await flooding;
  } finally {
    peer.close();
  }
  const stats = ends[0]!;
  assert.equal(stats.closeReason, "slow-consumer");
  assert.ok(stats.framesIn > 0, "it read frames before it closed");
  await until(() => refused.count > 0, "the waiting sends to be refused");
  assert.deepEqual(refused.other, [], "no send failed otherwise");
  assert.equal(server.stats.closedByReason["slow-consumer"], 1);
});

test("maxPendingSendBytes: a handler that awaits its sends never reaches it (sendTimeout ends it instead)", async () => {
  const { server, ends } = await startServer(async (conn) => {
    for await (const payload of conn) await conn.send(payload);
  }, { maxPendingSendBytes: 4 + FRAME, sendTimeout: 0.3, tickInterval: 0.1 });
  await using _ = server;
  const peer = await rawConnect(server);
  try {
    const flooding = flood(peer, ends);
    await until(() => ends.length === 1, "the connection to end");
    await flooding;
  } finally {
    peer.close();
  }
  assert.equal(ends[0]!.closeReason, "send-timeout");
});

test("maxPendingSendBytes: a value that is not a non-negative integer is a RangeError naming it", async () => {
  for (const value of [-1, 1.5, Number.NaN]) {
    await assert.rejects(serve({ port: 0, logger: silentLogger, maxPendingSendBytes: value }, async () => {}), {
      name: "RangeError",
      message: new RegExp(`^Cannot use maxPendingSendBytes ${value}`),
    });
  }
});
