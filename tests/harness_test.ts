import assert from "node:assert/strict";
import process from "node:process";
import { test, withTimeout } from "./_harness.ts";

/** Timers this process holds open (Deno and Node tell; Bun lists none). */
const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length;

test("withTimeout fails a body that does not settle in time, naming the test", async () => {
  await assert.rejects(withTimeout("hangs", () => new Promise(() => {}), 20), {
    message: 'Test "hangs" timed out after 20 ms',
  });
});

test("withTimeout passes a body's result and errors through, and clears its timer", async () => {
  const before = timers();
  let ran = false;
  await withTimeout("quick", () => {
    ran = true;
  }, 60_000);
  assert.equal(ran, true);
  await assert.rejects(withTimeout("rejects", () => Promise.reject(new TypeError("its own")), 60_000), TypeError);
  await assert.rejects(
    withTimeout("throws", () => {
      throw new RangeError("synchronous");
    }, 60_000),
    RangeError,
  );
  assert.equal(timers(), before, "no 60 s timer is left running");
});
