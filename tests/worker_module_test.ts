import assert from "node:assert/strict";
import { crossingOptions, handlerOf, serveOptionsOf } from "../src/edges/workers/worker_module.ts";
import { serveWorkers } from "../src/edges/workers/workers.ts";
import { silentLogger } from "../mod.ts";
import { test } from "./_harness.ts";

const handler = () => {};

test("handlerOf takes the default export, then handler, or the export named", () => {
  assert.equal(handlerOf({ default: handler }, "m.ts"), handler);
  assert.equal(handlerOf({ handler }, "m.ts"), handler);
  assert.equal(handlerOf({ chat: handler, default: 1 }, "m.ts", "chat"), handler);
  assert.throws(() => handlerOf({}, "m.ts"), {
    name: "TypeError",
    message: 'Cannot serve m.ts: it has no "default" or "handler" export',
  });
  assert.throws(() => handlerOf({ default: "x" }, "m.ts"), {
    message: 'Cannot serve m.ts: its export "default" is a string, not a function',
  });
});

test("serveOptionsOf takes an object or a function of the worker's context", async () => {
  const context = {
    index: 1,
    node: 3,
    restarts: 0,
    data: { n: 7 },
    signal: new AbortController().signal,
    onTell: () => () => {},
  };
  assert.deepEqual(await serveOptionsOf({ serveOptions: { idleTimeout: 5 } }, context), { idleTimeout: 5 });
  assert.deepEqual(
    await serveOptionsOf({ serveOptions: (c) => ({ idleTimeout: (c.data as { n: number }).n }) }, context),
    {
      idleTimeout: 7,
    },
  );
  assert.deepEqual(await serveOptionsOf({}, context), {});
});

test("serveWorkers refuses, before any thread starts, an option that cannot cross to a thread", async () => {
  assert.throws(() => crossingOptions({ onConnectionEnd: () => {} }), {
    name: "TypeError",
    message:
      "Cannot give onConnectionEnd to serveWorkers(): it cannot cross to a thread; export it from the module's serveOptions",
  });
  await assert.rejects(
    serveWorkers({ module: "x.ts", logger: silentLogger, ...{ onMessage: () => {} } }),
    { name: "TypeError" },
  );
  await assert.rejects(serveWorkers({ module: "x.ts", workers: -1, logger: silentLogger }), { name: "RangeError" });
});
