import assert from "node:assert/strict";
import { type ConnectionStats, ShutdownError } from "../mod.ts";
import { Lifecycle } from "../src/core/connection/lifecycle.ts";
import { test } from "./_harness.ts";

const final = { id: 1, closeReason: "peer-closed" } as ConnectionStats;

test("Lifecycle reports the first close reason recorded, with its error", () => {
  const life = new Lifecycle();
  assert.equal(life.reason, undefined);
  const reset = new Error("reset");
  life.ended("socket-error", reset);
  life.ended("closed");
  assert.equal(life.reason, "socket-error");
  assert.equal(life.error, reset);
  const error = life.closedError();
  assert.equal(error.reason, "socket-error");
  assert.equal(error.cause, reset);
});

test("Lifecycle.signal aborts once, at the end of input, with its error or a ConnectionClosedError", () => {
  const life = new Lifecycle();
  const signal = life.signal;
  assert.equal(signal.aborted, false);
  let aborts = 0;
  signal.addEventListener("abort", () => aborts++);
  life.ended("idle-timeout");
  life.ended("closed");
  assert.equal(aborts, 1);
  assert.equal(signal.reason.name, "ConnectionClosedError");
  assert.equal(signal.reason.reason, "idle-timeout");
});

test("Lifecycle.signal aborts when shutdown begins, though input goes on; a signal made after is born aborted", () => {
  const early = new Lifecycle();
  const signal = early.signal;
  const shutdown = new ShutdownError();
  early.shuttingDown(shutdown);
  assert.equal(signal.reason, shutdown);
  assert.equal(early.reason, undefined, "input has not ended");
  early.ended("shutdown", shutdown);
  assert.equal(signal.reason, shutdown, "aborted once");

  const late = new Lifecycle();
  late.shuttingDown(shutdown);
  assert.equal(late.signal.aborted, true);
  assert.equal(late.signal.reason, shutdown);
  const ended = new Lifecycle();
  const error = new Error("handler failed");
  ended.ended("handler-error", error);
  assert.equal(ended.signal.reason, error, "made after the end: aborted with the end's error");
});

test("Lifecycle.finished settles once with the final stats, whether made before or after the end", async () => {
  const before = new Lifecycle();
  const finished = before.finished;
  assert.equal(before.finished, finished, "one promise");
  before.settle(final);
  assert.equal(await finished, final);
  const after = new Lifecycle();
  after.settle(final);
  assert.equal(await after.finished, final);
});
