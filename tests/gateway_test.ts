/**
 * The game gateway (examples/gateway): its errors over a real socket, room
 * pushes that reach the room only, a whisper that reaches one player, hot
 * reload in process (`loadRoutes()`) and by SIGHUP (one process and two
 * workers), and a reconnecting player that rejoins after a restart.
 *
 * The generic codes (-32700 for a frame that is not JSON, -32600 for an
 * invalid request, the batch rules) are the RPC edge's and are tested over
 * real sockets in rpc_errors_test.ts and rpc_bad_input_test.ts; here, the
 * codes of the gateway's own methods.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { nodeOfConnection, serve, type Server, silentLogger } from "../mod.ts";
import { INVALID_PARAMS, METHOD_NOT_FOUND, RpcError } from "../src/edges/rpc/rpc.ts";
import { ALREADY_LOGGED_IN, NO_SUCH_PLAYER, NOT_IN_A_ROOM, NOT_LOGGED_IN } from "../examples/gateway/game.ts";
import { DEFAULT_ROUTES, gateway, loadedVersion, loadRoutes, onMessage } from "../examples/gateway/gateway.ts";
import { type Child, startChild } from "./_child.ts";
import { type Player, player, routesDir } from "./_gateway_fixtures.ts";
import { test } from "./_harness.ts";
import { until } from "./_fixtures.ts";

const SERVER = "examples/gateway/server.ts";
// A routes module whose table cannot be served: "rpc." names are the specification's.
const RESERVED = 'export const version = "4";\nexport const routes = () => ({ "rpc.x": () => 0 });\n';

async function inProcess(): Promise<Server> {
  await loadRoutes(DEFAULT_ROUTES);
  return serve({ port: 0, logger: silentLogger, onMessage }, gateway);
}

async function rejects(call: Promise<unknown>, code: number): Promise<void> {
  await assert.rejects(call, (error) => error instanceof RpcError && error.code === code);
}

test("gateway answers its methods' errors by code: -32601 and -32602 for anyone, its own past them", async () => {
  await using server = await inProcess();
  const ada = await player(server.addr.port);
  // The specification's codes hold logged in or not: an unknown method is -32601, bad params -32602.
  await rejects(ada.rpc.call("fly"), METHOD_NOT_FOUND);
  await rejects(ada.rpc.call("login", { name: "" }), INVALID_PARAMS);
  await rejects(ada.rpc.call("login", ["ada"]), INVALID_PARAMS);
  await rejects(ada.rpc.call("join", { room: 7 }), INVALID_PARAMS);
  await rejects(ada.rpc.call("join", { room: "é".repeat(33) }), INVALID_PARAMS); // 66 bytes: over 64
  await rejects(ada.rpc.call("join", { room: "\ud800" }), INVALID_PARAMS); // not well-formed
  await rejects(ada.rpc.call("move", { x: "1", y: 2 }), INVALID_PARAMS);
  await rejects(ada.rpc.call("chat", { text: "x".repeat(501) }), INVALID_PARAMS);
  await rejects(ada.rpc.call("whisper", { to: 1.5, text: "hi" }), INVALID_PARAMS);
  // Known methods that need a login answer the gateway's own code.
  for (const [method, params] of [["join", { room: "r" }], ["move", { x: 1, y: 2 }], ["chat", { text: "hi" }]]) {
    await rejects(ada.rpc.call(method as string, params as Record<string, unknown>), NOT_LOGGED_IN);
  }
  await rejects(ada.rpc.call("whisper", { to: 1, text: "hi" }), NOT_LOGGED_IN);
  await rejects(ada.rpc.call("leave"), NOT_LOGGED_IN);
  const me = await ada.rpc.call<{ id: number; name: string }>("login", { name: "ada" });
  assert.equal(me.name, "ada");
  await rejects(ada.rpc.call("login", { name: "ada" }), ALREADY_LOGGED_IN);
  await rejects(ada.rpc.call("move", { x: 1, y: 2 }), NOT_IN_A_ROOM);
  await rejects(ada.rpc.call("chat", { text: "hi" }), NOT_IN_A_ROOM);
  await rejects(ada.rpc.call("leave"), NOT_IN_A_ROOM);
  await assert.rejects(ada.rpc.call("whisper", { to: me.id + 1000, text: "hi" }), {
    code: NO_SUCH_PLAYER,
    data: { to: me.id + 1000 },
  });
  await rejects(ada.rpc.call("fly"), METHOD_NOT_FOUND);
  assert.deepEqual(await ada.rpc.call("join", { room: "r" }), { room: "r", players: 1 });
  assert.deepEqual(await ada.rpc.call("leave"), { room: "r" });
  await ada.close();
});

test("gateway pushes a room's positions and chat to its players only, and a whisper to one player", async () => {
  await using server = await inProcess();
  const port = server.addr.port;
  const [ada, bob, cat, dan] = await Promise.all([player(port), player(port), player(port), player(port)]);
  const ids: number[] = [];
  for (const [i, p] of [ada, bob, cat, dan].entries()) {
    ids.push((await p.rpc.call<{ id: number }>("login", { name: `p${i}` })).id);
    await p.rpc.call("join", { room: i < 2 ? "north" : "south" });
  }
  await ada.rpc.call("move", { x: 3, y: 4 });
  assert.equal(await ada.rpc.call("chat", { text: "hello north" }), 1, "meant for bob alone");
  const moved = (p: Player) =>
    p.pushes.some((push) =>
      push.method === "positions" &&
      (push.params.players as { id: number; x: number }[]).some((q) => q.id === ids[0] && q.x === 3)
    );
  await until(() => moved(bob) && bob.pushes.some((push) => push.method === "chat"), "bob to see ada move and chat");
  assert.ok(moved(ada), "the mover sees its own position");
  assert.deepEqual(bob.pushes.find((push) => push.method === "chat")!.params, {
    room: "north",
    from: ids[0],
    name: "p0",
    text: "hello north",
    seq: 1,
  });
  assert.ok(!ada.pushes.some((push) => push.method === "chat"), "a chat goes to the others");
  // The south room hears its own chat, and nothing of the north's.
  await dan.rpc.call("chat", { text: "hello south" });
  await until(() => cat.pushes.some((push) => push.method === "chat"), "cat to hear dan");
  for (const p of [cat, dan]) assert.ok(p.pushes.every((push) => push.params.room === "south"), "south only");
  for (const p of [ada, bob]) assert.ok(p.pushes.every((push) => push.params.room === "north"), "north only");
  // A whisper: into one mailbox, out as one notification.
  assert.equal(await cat.rpc.call("whisper", { to: ids[1], text: "psst" }), true);
  await until(() => bob.pushes.some((push) => push.method === "whisper"), "bob to get the whisper");
  assert.deepEqual(bob.pushes.find((push) => push.method === "whisper")!.params, {
    from: ids[2],
    name: "p2",
    text: "psst",
    seq: 1,
  });
  for (const p of [ada, cat, dan]) assert.ok(!p.pushes.some((push) => push.method === "whisper"));
  // Numbered pushes: whispers per recipient, chats per sender, a room's positions per room, each 1, 2, 3...
  await dan.rpc.call("whisper", { to: ids[1], text: "psst again" });
  await ada.rpc.call("chat", { text: "hello again" });
  await ada.rpc.call("move", { x: 5, y: 4 });
  const seqs = (p: Player, method: string) =>
    p.pushes.filter((push) => push.method === method).map((push) => push.params.seq as number);
  await until(() => seqs(bob, "whisper").length === 2 && seqs(bob, "chat").length === 2, "bob's second whisper, chat");
  assert.deepEqual(seqs(bob, "whisper"), [1, 2]);
  assert.deepEqual(seqs(bob, "chat"), [1, 2]);
  await until(() => seqs(bob, "positions").length >= 2, "a second positions push");
  const positions = seqs(bob, "positions");
  assert.deepEqual(positions, positions.map((_, i) => positions[0]! + i), "contiguous");
  await Promise.all([ada, bob, cat, dan].map((p) => p.close()));
});

test("gateway loadRoutes() gives a connection opened before it the new code, its login kept; a broken module changes nothing", async () => {
  using dir = routesDir();
  await using server = await inProcess();
  const ada = await player(server.addr.port);
  await ada.rpc.call("login", { name: "ada" });
  assert.equal(await ada.rpc.call("version"), "1");
  try {
    assert.equal(await loadRoutes(dir.write("v2.ts", "2")), "2");
    assert.equal(await ada.rpc.call("version"), "2", "the same connection, the new code");
    // Still logged in: the connection's state outlived the swap.
    assert.deepEqual(await ada.rpc.call("join", { room: "r" }), { room: "r", players: 1 });
    await rejects(ada.rpc.call("login", { name: "ada" }), ALREADY_LOGGED_IN);
    await assert.rejects(loadRoutes(dir.write("broken.ts", "3", "\nexport const = ;\n")));
    await assert.rejects(loadRoutes(dir.source("reserved.ts", RESERVED)), TypeError);
    await assert.rejects(loadRoutes(dir.source("empty.ts", "export const version = '5';\n")), TypeError);
    assert.equal(loadedVersion, "2");
    assert.equal(await ada.rpc.call("version"), "2", "the old code goes on");
    assert.equal(await ada.rpc.call("move", { x: 1, y: 1 }), true);
  } finally {
    await loadRoutes(DEFAULT_ROUTES);
    await ada.close();
  }
});

/** Waits until `child` printed `count` lines matching `pattern` in all. */
function printed(child: Child, pattern: RegExp, count = 1): Promise<void> {
  const matches = () => child.output().split("\n").filter((line) => pattern.test(line)).length;
  return until(() => matches() >= count, `${count} lines matching ${pattern} in:\n${child.output()}`, 20_000);
}

async function sighupReload(args: string[], workers: number): Promise<void> {
  using dir = routesDir();
  const routes = dir.write("routes.ts", "1");
  const child = await startChild(SERVER, ["--port", "0", "--routes", fileURLToPath(routes), ...args]);
  const players: { p: Player; node: number }[] = [];
  try {
    // The kernel spreads connections by a hash: add players until every worker has one.
    while (players.length < 2 || new Set(players.map(({ node }) => node)).size < workers) {
      assert.ok(players.length < 40, "connections reached every worker");
      const p = await player(child.port);
      const { id } = await p.rpc.call<{ id: number }>("login", { name: `p${players.length}` });
      players.push({ p, node: nodeOfConnection(id) });
    }
    for (const { p } of players) assert.equal(await p.rpc.call("version"), "1");
    dir.write("routes.ts", "2");
    child.kill("SIGHUP");
    await printed(child, /routes version 2 loaded/, workers);
    for (const { p } of players) {
      assert.equal(await p.rpc.call("version"), "2", "a connection opened before the reload");
      await rejects(p.rpc.call("login", { name: "again" }), ALREADY_LOGGED_IN);
    }
    dir.source("routes.ts", "export const version = ;\n");
    child.kill("SIGHUP");
    await printed(child, /cannot load routes from .*, keeping version 2/, workers);
    for (const { p } of players) assert.equal(await p.rpc.call("version"), "2", "the old code goes on");
  } finally {
    await Promise.all(players.map(({ p }) => p.close()));
    child.kill("SIGTERM");
  }
  assert.equal(await child.exited, 0, child.output());
}

test("gateway reloads its routes on SIGHUP for the connections it has, and keeps them when the module is broken", async () => {
  await sighupReload([], 1);
});

test("gateway --workers 2 reloads its routes on SIGHUP in every worker", async () => {
  await sighupReload(["--workers", "2"], 2);
});

/**
 * The gateway again on `port`, the one its players dial: while the port is still taken (a socket of the old process
 * in TIME_WAIT, or anyone else's), it starts again, a bounded number of times.
 */
async function restartOn(port: number): Promise<Child> {
  for (let tries = 1;; tries++) {
    try {
      return await startChild(SERVER, ["--port", String(port)]);
    } catch (error) {
      if (!/EADDRINUSE|AddrInUse|address already in use/i.test(String(error)) || tries === 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

test("gateway: a reconnecting player logs in and rejoins its room after the gateway restarts", async () => {
  let child = await startChild(SERVER, ["--port", "0"]);
  const port = child.port;
  const rejoin = async () => {
    await ada.rpc.call("login", { name: "ada" });
    await ada.rpc.call("join", { room: "lobby" });
  };
  const ada = await player(port, { baseDelay: 0.05, maxDelay: 0.5, maxRetries: 100, onReconnect: () => rejoin() });
  let bob: Player | undefined;
  try {
    await rejoin();
    child.kill("SIGTERM");
    assert.equal(await child.exited, 0, child.output());
    child = await restartOn(port);
    bob = await player(port);
    await bob.rpc.call("login", { name: "bob" });
    // Ada is back in the lobby once bob's chat there reaches her.
    await until(
      () => ada.pushes.some((push) => push.method === "chat"),
      "ada to hear bob in the lobby",
      20_000,
      async () => {
        await bob!.rpc.call("join", { room: "lobby" });
        await bob!.rpc.call("chat", { text: "anyone?" });
      },
    );
    assert.deepEqual(ada.pushes.find((push) => push.method === "chat")!.params.text, "anyone?");
  } finally {
    await ada.close();
    await bob?.close();
    child.kill("SIGTERM");
  }
  assert.equal(await child.exited, 0, child.output());
});
