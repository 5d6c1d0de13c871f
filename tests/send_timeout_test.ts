/**
 * sendTimeout (ranch's send_timeout with send_timeout_close): a handler whose
 * send waits for a peer that takes nothing is closed with `send-timeout`,
 * counted; with 0 it waits as long as the peer makes it. The waits are
 * counted in the server's own ticks, never on a wall clock.
 */
import assert from "node:assert/strict";
import { type Connection, ConnectionClosedError, GuardError, serve, silentLogger } from "../mod.ts";
import { guardsOf } from "../src/core/server/guards.ts";
import { SendWaits } from "../src/core/connection/send_waits.ts";
import { Timeouts } from "../src/core/connection/timeouts.ts";
import { test } from "./_harness.ts";
import { rawConnect, startServer, until } from "./_fixtures.ts";

const FRAME = new Uint8Array(65_536).fill(7);
// 25 MB: far more than the socket buffers hold for a peer that reads nothing.
const FRAMES = 400;

/** What the handler below saw: frames sent, ticks its writer spent stuck, how its writer ended. */
interface Seen {
  sent: number;
  stuckTicks: number;
  writer?: unknown;
  stuck: Promise<void>;
}

/**
 * A handler whose writer task sends FRAMES frames while its loop reads events
 * with ticks, counting the ticks in a row at which the writer's send has not
 * moved; `stuck` settles once that reaches `ticks`.
 */
function stallingHandler(seen: Seen[], ticks: number): (conn: Connection) => Promise<void> {
  return async (conn) => {
    let reached!: () => void;
    const entry: Seen = { sent: 0, stuckTicks: 0, stuck: new Promise((resolve) => reached = resolve) };
    seen.push(entry);
    let waiting = false;
    const writer = (async () => {
      for (let i = 0; i < FRAMES; i++) {
        waiting = true;
        await conn.send(FRAME);
        waiting = false;
        entry.sent++;
      }
    })().then(() => entry.writer = "done", (error) => entry.writer = error);
    let sentAtTick = -1;
    for await (const event of conn.events({ ticks: true })) {
      if (event.type !== "tick") continue;
      entry.stuckTicks = waiting && entry.sent === sentAtTick ? entry.stuckTicks + 1 : 0;
      sentAtTick = entry.sent;
      if (entry.stuckTicks === ticks) reached();
    }
    await writer;
  };
}

test("sendTimeout: a send waiting on a peer that reads nothing closes the connection with send-timeout, counted", async () => {
  const seen: Seen[] = [];
  const { server, ends } = await startServer(stallingHandler(seen, Infinity), { sendTimeout: 0.3, tickInterval: 0.1 });
  await using _ = server;
  const peer = await rawConnect(server); // connects and never reads
  try {
    await until(() => ends.length === 1, "the stalled connection to end", 20_000);
    assert.equal(ends[0]!.closeReason, "send-timeout");
    assert.ok(ends[0]!.error instanceof GuardError);
    assert.equal((ends[0]!.error as GuardError).limit, 0.3);
    assert.equal(server.stats.closedByReason["send-timeout"], 1);
    assert.ok(seen[0]!.sent < FRAMES, `the peer took only part: ${seen[0]!.sent} frames`);
    assert.ok(seen[0]!.writer instanceof ConnectionClosedError, `the waiting send rejected: ${seen[0]!.writer}`);
  } finally {
    peer.close();
  }
});

test("sendTimeout: 0 turns it off: a send stuck for many ticks waits, and goes on once the peer reads", async () => {
  const seen: Seen[] = [];
  // 10 ticks of 0.1 s stuck: over three times what sendTimeout 0.3 allows (the test above).
  const { server, ends } = await startServer(stallingHandler(seen, 10), { sendTimeout: 0, tickInterval: 0.1 });
  await using _ = server;
  const peer = await rawConnect(server);
  try {
    await until(() => seen.length === 1, "the handler to start");
    const entry = seen[0]!;
    const finished = until(() => entry.writer !== undefined, "the writer to end", 25_000).then(() => "writer ended");
    const stuck = await Promise.race([entry.stuck.then(() => "stuck"), finished]);
    assert.equal(stuck, "stuck", `the writer never waited: ${entry.writer}, ${entry.sent} frames sent`);
    assert.equal(ends.length, 0, "still open after 10 ticks stuck");
    // Now the peer reads everything: every frame goes out on the same connection.
    const total = FRAMES * (4 + FRAME.length);
    let read = 0;
    while (read < total) {
      const chunk = await peer.read();
      assert.ok(chunk !== null, `the server closed after ${read} of ${total} bytes`);
      read += chunk.length;
    }
    assert.equal(read, total);
    await until(() => entry.writer !== undefined, "the writer to end");
    assert.equal(entry.writer, "done");
    assert.equal(ends.length, 0);
    assert.equal(server.stats.closedByReason["send-timeout"] ?? 0, 0);
  } finally {
    peer.close();
  }
});

test("sendTimeout: 30 seconds by default; 0 is off; a negative, NaN or a string is refused", async () => {
  assert.equal(guardsOf({}).sendTimeout, 30);
  assert.equal(guardsOf({ sendTimeout: 0 }).sendTimeout, undefined);
  assert.equal(guardsOf({ sendTimeout: 0.5 }).sendTimeout, 0.5);
  for (const bad of [-1, Number.NaN, Infinity]) {
    await assert.rejects(serve({ port: 0, logger: silentLogger, sendTimeout: bad }, () => {}), RangeError);
  }
  await assert.rejects(
    serve({ port: 0, logger: silentLogger, sendTimeout: "5" as unknown as number }, () => {}),
    { name: "RangeError", message: /^Cannot use sendTimeout 5: must be a non-negative number of seconds/ },
  );
});

test("SendWaits counts whole ticks of the oldest waiting send; Timeouts turns them into send-timeout", () => {
  const waits = new SendWaits();
  assert.equal(waits.tick(), 0, "nothing waits");
  const first = waits.begin();
  waits.tick();
  const second = waits.begin();
  assert.equal(waits.tick(), 1, "the first has waited one whole tick");
  waits.end(first);
  assert.equal(waits.tick(), 1, "now the second is the oldest");
  waits.end(second);
  assert.equal(waits.tick(), 0);

  const timeouts = new Timeouts({ sendTimeout: 0.3 });
  assert.equal(timeouts.tick(0.1, false, 1, 0, false, 2), undefined, "two ticks of 0.1 s: not yet");
  const verdict = timeouts.tick(0.1, false, 1, 0, false, 3);
  assert.ok(verdict instanceof GuardError);
  assert.equal(verdict.code, "send-timeout");
  assert.equal(new Timeouts({}).tick(0.1, false, 1, 0, false, 1000), undefined, "off when undefined");
  assert.equal(timeouts.tick(0.1, true, 1, 0, false, 1000), undefined, "once input ended only closeTimeout counts");
});
