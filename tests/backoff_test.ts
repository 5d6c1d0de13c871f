import assert from "node:assert/strict";
import { backoffDelay, sleep } from "../src/core/reconnect/backoff.ts";
import { test } from "./_harness.ts";

test("backoffDelay doubles its ceiling per retry and stops at maxDelay", () => {
  const backoff = { baseDelay: 0.1, maxDelay: 1 };
  const top = () => 1;
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((retry) => backoffDelay(retry, backoff, top)), [0.1, 0.2, 0.4, 0.8, 1, 1]);
  // A retry count past any exponent still gives the cap, not Infinity or NaN.
  assert.equal(backoffDelay(5000, backoff, top), 1);
});

test("backoffDelay is full jitter: the random number scales the whole range", () => {
  const backoff = { baseDelay: 2, maxDelay: 60 };
  assert.equal(backoffDelay(3, backoff, () => 0), 0);
  assert.equal(backoffDelay(3, backoff, () => 0.25), 4);
  assert.equal(backoffDelay(3, backoff, () => 0.75), 12);
});

test("sleep is true when its time is up and false at once when its signal aborts", async () => {
  const controller = new AbortController();
  assert.equal(await sleep(0.001, controller.signal), true);
  // An hour: the test would hang (and Deno's sanitizer would see the timer) if the abort did not clear it.
  const waiting = sleep(3600, controller.signal);
  controller.abort();
  assert.equal(await waiting, false);
  assert.equal(await sleep(3600, controller.signal), false, "an aborted signal does not arm a timer");
});
