import assert from "node:assert/strict";
import { encodeFrame } from "../mod.ts";
import type { Connection } from "../src/core/connection/connection.ts";
import { FramedConnection } from "../src/core/connection/framed_connection.ts";
import { test } from "./_harness.ts";
import { concat, decoder, text } from "./_fixtures.ts";
import { ScriptedSocket, settingsOf, settle } from "./_memory.ts";

test("batchIterator hands out every frame of one read as one array; a posted message between runs goes to onMessage", async () => {
  const socket = new ScriptedSocket();
  const seen: string[] = [];
  const conn = new FramedConnection(
    socket,
    settingsOf({ onMessage: (_c, message) => void seen.push(`message ${String(message)}`) }),
    1,
  );
  let release!: () => void;
  const held = new Promise<void>((resolve) => release = resolve);
  void conn.run(async (c: Connection) => {
    for await (const frames of c.batches()) {
      seen.push(frames.map((f) => decoder.decode(f)).join(","));
      if (frames.length === 3) await held; // busy: what comes meanwhile queues behind
    }
  }, undefined);
  await settle();
  socket.deliver(concat(["a", "b", "c"].map((s) => encodeFrame(text(s)))));
  await settle();
  assert.deepEqual(seen, ["a,b,c"], "one array for the read");
  assert.equal(socket.readPending, false, "nothing more is read while the loop is busy");
  conn.deliver("m");
  release();
  await settle();
  assert.deepEqual(seen, ["a,b,c", "message m"]);
  socket.deliver(concat(["d", "e"].map((s) => encodeFrame(text(s)))));
  await settle();
  assert.deepEqual(seen, ["a,b,c", "message m", "d,e"]);
  assert.equal(conn.stats.framesIn, 5);
  socket.deliver(null);
  await conn.finished;
});
