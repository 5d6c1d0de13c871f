import assert from "node:assert/strict";
import { crossingOptions, handlerOf, serveOptionsOf } from "../src/edges/workers/worker_module.ts";
import { serveWorkers } from "../src/edges/workers/workers.ts";
import { connect, silentLogger } from "../mod.ts";
import { decoder, text } from "./_fixtures.ts";
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
    message: 'Cannot serve m.ts: its export "default" is a string, not a function or an object of callbacks',
  });
  const callbacks = { frame() {} };
  assert.equal(handlerOf({ default: callbacks }, "m.ts"), callbacks, "an object of callbacks");
});

test("serveWorkers serves a module that exports an object of callbacks, frames lent and echoed from the read buffer", async () => {
  await using set = await serveWorkers({
    module: new URL("./fixtures/callback_echo.ts", import.meta.url),
    workers: 1,
    port: 0,
    logger: silentLogger,
  });
  await using conn = await connect({ port: set.addr.port, logger: silentLogger });
  const payloads = [text("one"), new Uint8Array(70_000).fill(7), text("two")];
  for (const payload of payloads) void conn.send(payload);
  for (const payload of payloads) assert.deepEqual(await conn.receive(), payload);
  await conn.send(text("count"));
  assert.equal(decoder.decode((await conn.receive())!), "4", "the callbacks' state counted every frame");
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
