/**
 * The gateway's bots under chaos (examples/gateway/bots.ts --chaos): the
 * push-sequence checker on its own, then the real gateway and the real bots
 * as children, their links reset and stalled by the bots' relays. With
 * resume on, the sessions resume and nothing is lost or seen twice; with it
 * off, the same run fails, so the checks cannot pass without the resume.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BotsSummary } from "../examples/gateway/bots.ts";
import { callFaultsOf, chatCallOf, PushSequences, streamOf } from "../examples/gateway/push_sequences.ts";
import { type Ran, runToEnd, startChild } from "./_child.ts";
import { test } from "./_harness.ts";

test("push sequences: the first number is taken as it comes, the next is fine, a gap counts the numbers lost", () => {
  const seqs = new PushSequences();
  assert.equal(seqs.see("a", 7), "first", "a reader joins a stream in the middle");
  assert.equal(seqs.see("a", 8), "next");
  assert.equal(seqs.see("a", 12), "gap");
  assert.deepEqual([seqs.lost, seqs.gaps, seqs.duplicated], [3, 1, 0], "9, 10 and 11 lost in one gap");
  assert.equal(seqs.see("a", 13), "next", "the stream goes on from the number after the gap");
  assert.equal(seqs.see("b", 1), "first", "each stream on its own");
  assert.equal(seqs.see("b", 2), "next");
  assert.equal(seqs.streams, 2);
  assert.deepEqual([seqs.lost, seqs.duplicated], [3, 0]);
});

test("push sequences: a number seen again, or going back, is a duplicate and moves nothing", () => {
  const seqs = new PushSequences();
  seqs.see("a", 1);
  seqs.see("a", 2);
  assert.equal(seqs.see("a", 2), "repeat");
  assert.equal(seqs.see("a", 1), "repeat", "going back");
  assert.equal(seqs.see("a", 3), "next", "the last number stays the highest");
  assert.deepEqual([seqs.lost, seqs.duplicated], [0, 2]);
});

test("call numbers: a call handled twice or not at all moves the sender's number against its pushes' seq", () => {
  const seqs = new PushSequences();
  seqs.seeCall("chat 7", 10, 1);
  seqs.seeCall("chat 7", 11, 2);
  seqs.seeCall("chat 7", 13, 4); // push 12 (call 3's) lost: both moved, nothing here
  assert.deepEqual([seqs.duplicatedCalls, seqs.lostCalls], [0, 0]);
  seqs.seeCall("chat 7", 14, 4); // call 4 handled again
  assert.deepEqual([seqs.duplicatedCalls, seqs.lostCalls], [1, 0]);
  seqs.seeCall("chat 7", 15, 6); // call 5 answered, never handled
  assert.deepEqual([seqs.duplicatedCalls, seqs.lostCalls], [1, 1]);
  seqs.seeCall("chat 8", 1, 40); // another sender, its own distance
  assert.deepEqual([seqs.duplicatedCalls, seqs.lostCalls], [1, 1]);
  const other = new PushSequences();
  other.seeCall("chat 7", 13, 4);
  other.seeCall("chat 7", 14, 4);
  assert.deepEqual(
    callFaultsOf([seqs, other]),
    { duplicated: 1, lost: 1 },
    "one sender's call seen by two readers once",
  );
  assert.equal(chatCallOf("bot 3 chat 17"), 17);
  assert.equal(chatCallOf("bot 3 says 17"), undefined);
  assert.equal(chatCallOf(17), undefined);
});

test("push sequences: a push without a positive integer seq is refused with a TypeError", () => {
  const seqs = new PushSequences();
  for (const bad of [undefined, 0, -1, 1.5, "2", Number.MAX_SAFE_INTEGER + 1]) {
    assert.throws(() => seqs.see("a", bad), TypeError, String(bad));
  }
  assert.equal(seqs.streams, 0);
});

test("push sequences: streams are a room's positions per node, a sender's chats, the reader's whispers", () => {
  const players = (id: number) => ({ room: "r", players: [{ id, name: "p", x: 0, y: 0 }], seq: 1 });
  assert.equal(streamOf("positions", players(3)), "positions r 0");
  assert.equal(streamOf("positions", players(20000000003)), "positions r 2", "another node numbers its own");
  assert.equal(streamOf("chat", { room: "r", from: 4, name: "p", text: "hi", seq: 1 }), "chat 4");
  assert.equal(streamOf("whisper", { from: 4, name: "p", text: "psst", seq: 1 }), "whisper");
  assert.equal(streamOf("other", {}), undefined);
});

/** Runs 8 bots for 4 seconds under `--chaos 0.6` against a gateway started with `serverArgs`. */
async function chaosRun(
  serverArgs: string[],
  chaosArgs = ["--chaos", "0.6"],
): Promise<{ code: number | string; out: string; summary: BotsSummary }> {
  const dir = mkdtempSync(join(tmpdir(), "spawnkit-chaos-"));
  const gateway = await startChild("examples/gateway/server.ts", ["--port", "0", ...serverArgs]);
  let ran: Ran;
  try {
    ran = await runToEnd("examples/gateway/bots.ts", [
      ...["--port", String(gateway.port), "--bots", "8", "--seconds", "4", "--rate", "10"],
      ...chaosArgs,
      ...["--chart", join(dir, "bots.svg")],
    ]);
  } finally {
    gateway.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(await gateway.exited, 0, gateway.output());
  const out = ran.stdout + ran.stderr;
  const line = ran.stdout.split("\n").find((l) => l.startsWith("summary "));
  assert.ok(line !== undefined, out);
  return { code: ran.code, out, summary: JSON.parse(line.slice("summary ".length)) as BotsSummary };
}

test("gateway bots under chaos: links reset and stalled, sessions resumed, no push lost or twice, no call failed", async () => {
  const { code, out, summary } = await chaosRun([]);
  assert.equal(code, 0, out);
  assert.equal(summary.chaos, 0.6);
  // About 4 rolls per bot, 6 in 10 a drop, half of them each kind: none of a kind happens once in 10^5 runs.
  assert.ok(summary.drops.resets > 0 && summary.drops.stalls > 0, JSON.stringify(summary.drops));
  assert.ok(summary.resumed > 0, out);
  assert.equal(summary.lostPushes, 0);
  assert.equal(summary.duplicatePushes, 0);
  assert.equal(summary.duplicateCalls, 0);
  assert.equal(summary.lostCalls, 0);
  assert.ok((summary.pushesByMethod.chat ?? 0) > 0, "chats were read, so calls were checked");
  assert.equal(summary.unexpectedErrors, 0, JSON.stringify(summary.errors));
  // Every call made was answered (a whisper to a bot that has just left aside), and pushes flowed throughout.
  assert.equal(summary.calls + (summary.errors["4004"] ?? 0), summary.sent);
  assert.ok(summary.pushesPerBot.min > 0 && (summary.pushesByMethod.positions ?? 0) > 0);
  assert.doesNotMatch(out, /^FAILED/m);
});

test("gateway bots under chaos fail against a gateway that does not resume (--resume-window 0)", async () => {
  const { code, out, summary } = await chaosRun(["--resume-window", "0"]);
  assert.equal(code, 1, out);
  assert.equal(summary.resumed, 0);
  assert.ok(summary.drops.resets + summary.drops.stalls > 0);
  assert.ok(summary.unexpectedErrors + summary.lostPushes > 0, JSON.stringify(summary));
  assert.match(out, /^FAILED: .*(unexpected errors|pushes lost)/m);
});

test("gateway bots fail against a gateway that handles every chat call twice (its pushes numbered as it should)", async () => {
  const routes = new URL("./fixtures/twice_chat_routes.ts", import.meta.url).pathname;
  const { code, out, summary } = await chaosRun(["--routes", routes], ["--chaos", "0"]);
  assert.equal(code, 1, out);
  assert.equal(summary.lostPushes + summary.duplicatePushes, 0, "each push numbered in turn: only the calls show");
  assert.ok(summary.duplicateCalls > 0, JSON.stringify(summary));
  assert.match(out, /^FAILED: .*calls handled twice/m);
});

test("gateway bots refuse a --chaos that is not a probability, and the gateway a --resume-window past an hour", async () => {
  for (const chaos of ["1.5", "-0.1", "x", ""]) {
    const ran = await runToEnd("examples/gateway/bots.ts", ["--port", "1", "--chaos", chaos]);
    assert.equal(ran.code, 2, ran.stdout + ran.stderr);
    assert.match(ran.stderr, /--chaos must be a probability from 0 to 1/);
  }
  for (const window of ["3601", "-1"]) {
    const ran = await runToEnd("examples/gateway/server.ts", ["--port", "0", "--resume-window", window]);
    assert.equal(ran.code, 2, ran.stdout + ran.stderr);
    assert.match(ran.stderr, /--resume-window must be/);
  }
});
