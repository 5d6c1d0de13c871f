import assert from "node:assert/strict";
import { RestartPolicy } from "../src/edges/workers/restart_policy.ts";
import { test } from "./_harness.ts";

test("RestartPolicy allows maxRestarts within the period and stops at one more", () => {
  const policy = new RestartPolicy(3, 10, 0.1);
  for (let i = 0; i < 3; i++) assert.equal(policy.died(1, 1000 * i).restart, true);
  assert.deepEqual(policy.died(2, 3000), { restart: false, restarts: 4 });
});

test("RestartPolicy forgets restarts older than the period", () => {
  const policy = new RestartPolicy(1, 10, 0.1);
  assert.equal(policy.died(1, 0).restart, true);
  assert.equal(policy.died(1, 10_001).restart, true, "the first is out of the period");
  assert.equal(policy.died(1, 10_002).restart, false);
});

test("RestartPolicy doubles a worker's back-off within the period, up to period / (maxRestarts + 1)", () => {
  const policy = new RestartPolicy(5, 6, 0.1);
  const delays = [0, 1, 2, 3, 4].map((i) => policy.died(1, i) as { delayMs: number });
  assert.deepEqual(delays.map((verdict) => verdict.delayMs), [100, 200, 400, 800, 1000]);
  assert.equal((new RestartPolicy(5, 6, 0.1).died(2, 0) as { delayMs: number }).delayMs, 100, "per worker");
});
