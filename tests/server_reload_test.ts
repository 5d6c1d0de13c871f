/**
 * `server.reload(handler)`: a callback handler's functions swapped for the
 * connections a server has, at their next event, their state kept; a loop
 * handler refused.
 */
import assert from "node:assert/strict";
import { type CallbackHandler, connect, serve, silentLogger } from "../mod.ts";
import { test } from "./_harness.ts";
import { decoder, text } from "./_fixtures.ts";

type Count = { frames: number };
const counting = (version: string): CallbackHandler<Count> => ({
  open: () => ({ frames: 0 }),
  frame: (conn, _frame, state) => conn.send(text(`${version}:${++state.frames}`)),
});

test("Server reload() answers the next frame of an open connection with the new callbacks, its state kept", async () => {
  await using server = await serve({ port: 0, logger: silentLogger }, counting("v1"));
  await using before = await connect({ port: server.addr.port, logger: silentLogger });
  await before.send(text("a"));
  assert.equal(decoder.decode(await before.receive()), "v1:1");
  await before.send(text("b"));
  assert.equal(decoder.decode(await before.receive()), "v1:2");
  server.reload(counting("v2"));
  await before.send(text("c"));
  assert.equal(decoder.decode(await before.receive()), "v2:3", "the same connection, the new code, its count");
  await using after = await connect({ port: server.addr.port, logger: silentLogger });
  await after.send(text("a"));
  assert.equal(decoder.decode(await after.receive()), "v2:1", "a new connection opens with the new open()");
  // What cannot replace callbacks is refused, and the callbacks serving go on.
  assert.throws(() => server.reload((() => {}) as unknown as CallbackHandler), {
    name: "TypeError",
    message: /^Cannot reload the handler: a loop handler/,
  });
  assert.throws(() => server.reload({} as CallbackHandler), TypeError);
  await before.send(text("d"));
  assert.equal(decoder.decode(await before.receive()), "v2:4");
});

test("Server reload() refuses a server whose handler is a loop: it cannot be swapped mid-loop", async () => {
  await using server = await serve({ port: 0, logger: silentLogger }, async (conn) => {
    for await (const frame of conn) await conn.send(frame);
  });
  assert.throws(() => server.reload(counting("v2")), {
    name: "TypeError",
    message:
      "Cannot reload the handler: this server runs a loop handler (a function), which cannot be swapped mid-loop",
  });
  await using client = await connect({ port: server.addr.port, logger: silentLogger });
  await client.send(text("still"));
  assert.equal(decoder.decode(await client.receive()), "still");
});
