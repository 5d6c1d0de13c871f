/**
 * The examples' two doors: `--port` and `--ws-port`, one handler.
 *
 * @module
 */
import assert from "node:assert/strict";
import { connect, silentLogger } from "../mod.ts";
import { test } from "./_harness.ts";
import { startChild } from "./_child.ts";
import { decoder, take, text } from "./_fixtures.ts";
import { wsOpen } from "./_ws.ts";

test("echo_server --ws-port echoes binary messages beside TCP, and closes them with 1001 on SIGTERM", async () => {
  const child = await startChild("examples/echo_server.ts", ["--port", "0", "--ws-port", "0"]);
  const url = /websocket on (ws:\/\/\S+)/.exec(child.output())?.[1];
  assert.ok(url !== undefined, child.output());
  const ws = await wsOpen(url);
  const tcp = await connect({ port: child.port, logger: silentLogger });
  ws.send(text("over ws"));
  await tcp.send(text("over tcp"));
  assert.equal(decoder.decode(await ws.message()), "over ws");
  assert.equal(decoder.decode((await take(tcp, 1))[0]), "over tcp");
  child.kill("SIGTERM");
  assert.equal((await ws.closed()).code, 1001);
  assert.equal(await child.exited, 0, child.output());
  assert.match(child.output(), /SIGTERM: closing 2 connections/);
});

test("chat_server --ws-port puts TCP and WebSocket clients in the same chat", async () => {
  const child = await startChild("examples/chat_server.ts", ["--port", "0", "--ws-port", "0"]);
  try {
    const url = /websocket on (ws:\/\/\S+)/.exec(child.output())?.[1];
    assert.ok(url !== undefined, child.output());
    const tcp = await connect({ port: child.port, logger: silentLogger });
    await tcp.send(text("/who"));
    assert.match(decoder.decode((await take(tcp, 1))[0]), /^online: 1, here: \d+$/);
    const ws = await wsOpen(url);
    assert.match(decoder.decode((await take(tcp, 1))[0]), /^\d+ joined$/);
    ws.send(text("hello from a browser"));
    assert.match(decoder.decode((await take(tcp, 1))[0]), /^\d+: hello from a browser$/);
    await tcp.send(text("hello from tcp"));
    assert.match(decoder.decode(await ws.message()), /^\d+: hello from tcp$/);
    ws.close();
    tcp.close();
  } finally {
    child.kill("SIGTERM");
    assert.equal(await child.exited, 0, child.output());
  }
});
