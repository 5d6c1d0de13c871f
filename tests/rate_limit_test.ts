import assert from "node:assert/strict";
import { GuardError } from "../mod.ts";
import { RateLimits, rateLimitsOf, TokenBucket } from "../src/core/connection/rate_limit.ts";
import { test } from "./_harness.ts";
import { rawConnect, startServer, until } from "./_fixtures.ts";

test("TokenBucket starts full, and a refill never takes it past one second's budget", () => {
  const bucket = new TokenBucket(100);
  assert.equal(bucket.tokens, 100);
  bucket.refill(5);
  assert.equal(bucket.tokens, 100, "five idle seconds do not buy a bigger burst");
  assert.equal(bucket.spend(60), true);
  bucket.refill(0.25);
  assert.equal(bucket.tokens, 65);
  bucket.refill(1);
  assert.equal(bucket.tokens, 100);
});

test("TokenBucket goes below zero, and is over the limit until ticks refill it", () => {
  const bucket = new TokenBucket(10);
  assert.equal(bucket.spend(10), true, "the whole burst is allowed");
  assert.equal(bucket.over, false);
  assert.equal(bucket.spend(5), false);
  assert.equal(bucket.tokens, -5);
  assert.equal(bucket.over, true);
  bucket.refill(0.4); // +4
  assert.equal(bucket.over, true, "-1 is still over");
  bucket.refill(0.1);
  assert.equal(bucket.tokens, 0);
  assert.equal(bucket.over, false, "back to zero: within the limit");
});

test("TokenBucket sustains its rate: a unit a tick at rate ticks a second never goes over", () => {
  const bucket = new TokenBucket(20);
  for (let tick = 0; tick < 1000; tick++) {
    assert.equal(bucket.spend(1), true, `tick ${tick}`);
    bucket.refill(1 / 20);
  }
  assert.equal(bucket.tokens, 20);
});

test("RateLimits.charge charges bytes and frames, and closes with a GuardError naming the limit that tripped", () => {
  const frames = new RateLimits(undefined, 10, "close");
  assert.equal(frames.charge(1_000_000, 10), "ok", "no byte limit: bytes are free");
  const verdict = frames.charge(4, 2);
  assert.ok(verdict instanceof GuardError);
  assert.equal(verdict.code, "rate-limit");
  assert.equal(verdict.limit, 10);
  assert.match(verdict.message, /over 10 frames per second, 2 over budget/);
  const both = new RateLimits(100, 10, "close");
  const tripped = both.charge(150, 20);
  assert.ok(tripped instanceof GuardError);
  assert.match(tripped.message, /over 100 bytes per second, 50 over budget/, "bytes when both trip");
  assert.equal(tripped.limit, 100);
});

test("RateLimits: the pause policy pauses instead, and refill brings the budget back under the limit", () => {
  const limits = new RateLimits(100, undefined, "pause");
  assert.equal(limits.charge(100, 3), "ok");
  assert.equal(limits.over, false);
  assert.equal(limits.charge(30, 1), "pause");
  assert.equal(limits.over, true);
  limits.refill(0.2); // +20: still 10 over
  assert.equal(limits.over, true);
  limits.refill(0.1);
  assert.equal(limits.over, false);
});

test("rateLimitsOf: no plan without a limit, a budget of its own for each connection, options checked", () => {
  assert.equal(rateLimitsOf({}), undefined);
  assert.equal(rateLimitsOf({ rateLimitPolicy: "pause" }), undefined, "a policy alone limits nothing");
  const plan = rateLimitsOf({ maxFramesPerSecond: 2 })!;
  const first = plan.budget();
  const second = plan.budget();
  assert.ok(first.charge(0, 3) instanceof GuardError, "the default policy closes");
  assert.equal(second.charge(0, 2), "ok", "the other connection's budget is untouched");
  assert.throws(() => rateLimitsOf({ maxBytesPerSecond: 0 }), RangeError);
  assert.throws(() => rateLimitsOf({ maxFramesPerSecond: 1.5 }), RangeError);
  assert.throws(() => rateLimitsOf({ maxFramesPerSecond: 1, rateLimitPolicy: "slow" as "pause" }), TypeError);
});

// No tick refills a budget during these tests: every frame handled is one of the first second's budget.
const NO_REFILL = { tickInterval: 1000 };
// 65 536 empty frames, in one write.
const FLOOD = new Uint8Array(65_536 * 4);

test("maxFramesPerSecond holds within one read: 65 536 frames in one write make 10 handler calls, then rate-limit", async () => {
  let calls = 0;
  const { server, ends } = await startServer(async (conn) => {
    for await (const _ of conn) calls++;
  }, { ...NO_REFILL, maxFramesPerSecond: 10 });
  const flooder = await rawConnect(server);
  await flooder.write(FLOOD).catch(() => {});
  await until(() => ends.length === 1, "the flooder to end");
  assert.equal(ends[0]!.closeReason, "rate-limit");
  assert.equal(calls, 10);
  flooder.close();
  await server.shutdown();
});

test("maxFramesPerSecond holds within one read for a callback handler too", async () => {
  let calls = 0;
  const { server, ends } = await startServer(
    { frame: () => void calls++ } as unknown as Parameters<typeof startServer>[0],
    { ...NO_REFILL, maxFramesPerSecond: 10 },
  );
  const flooder = await rawConnect(server);
  await flooder.write(FLOOD).catch(() => {});
  await until(() => ends.length === 1, "the flooder to end");
  assert.equal(ends[0]!.closeReason, "rate-limit");
  assert.equal(calls, 10);
  flooder.close();
  await server.shutdown();
});

test("rateLimitPolicy pause holds within one read: 10 frames handled, the rest undecoded until a refill", async () => {
  let calls = 0;
  let callsAtMessage = -1;
  const { server, ends } = await startServer(async (conn) => {
    for await (const event of conn.events()) {
      if (event.type === "frame") calls++;
      else callsAtMessage = calls;
    }
  }, { ...NO_REFILL, maxFramesPerSecond: 10, rateLimitPolicy: "pause" });
  const flooder = await rawConnect(server);
  void flooder.write(FLOOD).catch(() => {});
  await until(() => calls === 10, "the budget's 10 frames");
  // A message is queued after every frame decoded so far: handled at once, it shows no frame was waiting.
  const [conn] = server.connections();
  assert.ok(server.post(conn!.id, "after"));
  await until(() => callsAtMessage >= 0, "the message");
  assert.equal(callsAtMessage, 10);
  assert.equal(calls, 10);
  assert.equal(ends.length, 0, "paused, not closed");
  flooder.close();
  await server.shutdown();
});

test("RateLimits.frameLimit: the frames left, and one more under close", () => {
  const close = new RateLimits(undefined, 10, "close");
  assert.equal(close.frameLimit, 11);
  close.charge(0, 7);
  assert.equal(close.frameLimit, 4);
  const pause = new RateLimits(undefined, 10, "pause");
  pause.charge(0, 10);
  assert.equal(pause.frameLimit, 0);
  pause.refill(0.25);
  assert.equal(pause.frameLimit, 2, "2.5 frames refilled: 2 whole ones");
  assert.equal(new RateLimits(100, undefined, "pause").frameLimit, Infinity);
});
