import assert from "node:assert/strict";
import { encodeFrame } from "../mod.ts";
import type { Connection } from "../src/core/connection/connection.ts";
import { DeferredFlush } from "../src/core/connection/deferred_flush.ts";
import { test } from "./_harness.ts";
import { text } from "./_fixtures.ts";
import { framedConnection, settle } from "./_memory.ts";

/** An outbox stand-in that counts its flushes. */
const counting = () => ({
  deferred: false,
  flushes: 0,
  flush() {
    this.flushes++;
  },
});

test("DeferredFlush flushes each outbox added in one turn once, in one macrotask, not synchronously", async () => {
  const flush = new DeferredFlush();
  const a = counting();
  const b = counting();
  flush.add(a);
  flush.add(b);
  flush.add(a);
  await Promise.resolve();
  assert.deepEqual([a.flushes, b.flushes, flush.runs], [0, 0, 0], "not in the microtasks of the turn that sent");
  for (let i = 0; i < 50 && flush.runs === 0; i++) await settle();
  assert.deepEqual([a.flushes, b.flushes, flush.runs], [1, 1, 1]);
  assert.equal(a.deferred, false, "it can wait again");
  flush.add(a);
  for (let i = 0; i < 50 && flush.runs === 1; i++) await settle();
  assert.deepEqual([a.flushes, b.flushes, flush.runs], [2, 1, 2]);
});

test("DeferredFlush sends the reply of a handler that awaits slow work before it asks for its next frame", async () => {
  const flush = new DeferredFlush();
  const { conn, peer } = await framedConnection(1, { deferredFlush: flush });
  let finishWork!: () => void;
  const work = new Promise<void>((resolve) => finishWork = resolve);
  let replied = false;
  void conn.run(async (c: Connection) => {
    for await (const frame of c) {
      await c.send(frame);
      // Slow work (a database call): no flush point comes until it is done.
      await work;
      replied = true;
    }
  }, undefined);
  await peer.write(encodeFrame(text("ping")));
  // The reply arrives while the handler still waits for its work: no tick runs here, only the deferred flush.
  const reply = await peer.read();
  assert.deepEqual(reply, encodeFrame(text("ping")));
  assert.equal(replied, false, "the handler is still busy");
  assert.ok(flush.runs >= 1, `the deferred flush ran (${flush.runs})`);
  finishWork();
  peer.close();
  await conn.finished;
});
