import assert from "node:assert/strict";
import { connect, type Connection, nodeOfConnection, silentLogger } from "../mod.ts";
import { chat } from "../examples/chat.ts";
import { type Child, startChild, startProgram } from "./_child.ts";
import { type EngineKind, engineMissing, startEngine } from "./_engines.ts";
import { skip, test } from "./_harness.ts";
import { isBun } from "../src/transport/select.ts";
import { client, decoder, startServer, take, text, until } from "./_fixtures.ts";

test("chat_server relays lines to the others, answers /who, and posts /to into one mailbox", async () => {
  const { server } = await startServer(chat);
  const alice = await client(server);
  await until(() => server.size === 1, "alice registered");
  const bob = await client(server);
  await until(() => server.size === 2, "bob registered");
  const [aliceId, bobId] = [...server.connections()].map((c) => c.id);
  assert.equal(decoder.decode((await take(alice, 1))[0]), `${bobId} joined`);

  await alice.send(text("hello"));
  assert.equal(decoder.decode((await take(bob, 1))[0]), `${aliceId}: hello`);

  await bob.send(text("/who"));
  assert.equal(decoder.decode((await take(bob, 1))[0]), `online: 2, here: ${aliceId} ${bobId}`);

  await bob.send(text(`/to ${aliceId} psst`));
  assert.equal(decoder.decode((await take(alice, 1))[0]), `${bobId} (private): psst`);
  await bob.send(text("/to 999 anyone?"));
  assert.equal(decoder.decode((await take(bob, 1))[0]), "no connection 999");

  bob.close();
  assert.equal(decoder.decode((await take(alice, 1))[0]), `${bobId} left`);
  alice.close();
  await server.shutdown();
});

test("chat_server starts on this runtime, relays a line, and exits 0 on SIGTERM", async () => {
  const child = await startChild("examples/chat_server.ts", ["--port", "0"]);
  const alice = await connect({ port: child.port, logger: silentLogger });
  const bob = await connect({ port: child.port, logger: silentLogger });
  await take(alice, 1); // bob joined
  await alice.send(text("hi"));
  assert.match(decoder.decode((await take(bob, 1))[0]), /^\d+: hi$/);
  child.kill("SIGTERM");
  assert.equal(await child.exited, 0, child.output());
});

/** A client whose frames are read as they come, into `lines`. */
async function listener(port: number): Promise<{ conn: Connection; lines: string[] }> {
  const conn = await connect({ port, logger: silentLogger });
  const lines: string[] = [];
  void (async () => {
    for await (const frame of conn) lines.push(decoder.decode(frame));
  })();
  // Registered on its worker once /who answers.
  await conn.send(text("/who"));
  await until(() => lines.some((line) => line.startsWith("online:")), "an answer to /who");
  return { conn, lines };
}

test("chat_server --workers 2: one handler, unchanged, relays to every worker, counts all, posts across", async () => {
  const child = await startChild("examples/chat_server.ts", ["--port", "0", "--workers", "2"]);
  const clients: Awaited<ReturnType<typeof listener>>[] = [];
  // The kernel spreads connections by a hash: add clients until their /who answers show both workers.
  const here = (line: string) => line.split("here:")[1]!.trim().split(" ").filter(Boolean).map(Number);
  const workersListed = () =>
    new Set(
      clients.flatMap(({ lines }) => here(lines.find((line) => line.startsWith("online:"))!)).map(nodeOfConnection),
    ).size;
  while (clients.length < 6 || (workersListed() < 2 && clients.length < 40)) clients.push(await listener(child.port));
  for (const [k, { conn }] of clients.entries()) await conn.send(text(`i am ${k}`));
  // A line reaches every client of every worker; the lines tell each client's id.
  const ids: number[] = [];
  for (const [k] of clients.entries()) {
    for (const [j, { lines }] of clients.entries()) {
      if (j === k) continue;
      await until(() => lines.some((line) => line.endsWith(`: i am ${k}`)), `client ${j} to hear client ${k}`);
      ids[k] ??= Number(lines.find((line) => line.endsWith(`: i am ${k}`))!.split(":")[0]);
    }
  }
  const nodes = ids.map(nodeOfConnection);
  assert.deepEqual([...new Set(nodes)].sort(), [1, 2], "clients on both workers");
  // /who counts every client of every worker, and lists those of its own.
  const asker = clients[0]!;
  const lists = () => asker.lines.filter((line) => line.startsWith("online:"));
  // Counts come from the other worker's deltas: ask until its count has reached this one.
  let asked = 0;
  await until(() => lists().at(-1)!.startsWith(`online: ${ids.length},`), "/who's count of all", 10_000, async () => {
    if (asked++ % 10 === 0) await asker.conn.send(text("/who"));
    await new Promise((resolve) => setTimeout(resolve, 10));
  });
  assert.deepEqual(here(lists().at(-1)!).sort(), ids.filter((id) => nodeOfConnection(id) === nodes[0]).sort());
  // /to reaches a connection on the other worker.
  const other = nodes.findIndex((node) => node !== nodes[0]);
  await asker.conn.send(text(`/to ${ids[other]} psst`));
  await until(() => clients[other]!.lines.includes(`${ids[0]} (private): psst`), "the private line");
  child.kill("SIGTERM");
  assert.equal(await child.exited, 0, child.output());
});

/** The chat server under the other runtime: Bun beside Deno and Node, Deno beside Bun. */
function startOnOtherRuntime(args: string[]): Promise<Child> {
  const script = "examples/chat_server.ts";
  if (isBun()) return startProgram("node_modules/.bin/deno", ["run", "-A", script, ...args], script);
  return startProgram("node_modules/.bin/bun", [script, ...args], script);
}

for (const kind of ["nats", "redis"] as EngineKind[]) {
  const name = `chat_server --${kind}: two servers on two runtimes relay to both, /who counts all, /to crosses`;
  const missing = engineMissing(kind);
  if (missing !== undefined) {
    skip(name, missing);
    continue;
  }
  test(name, async () => {
    const engine = await startEngine(kind);
    const args = ["--port", "0", `--${kind}`, engine.url];
    const servers = await Promise.all([startChild("examples/chat_server.ts", args), startOnOtherRuntime(args)]);
    try {
      const [alice, bob] = await Promise.all(servers.map((server) => listener(server.port)));
      const ids: number[] = [];
      for (const [k, client] of [alice!, bob!].entries()) {
        await client.conn.send(text(`i am ${k}`));
        const other = k === 0 ? bob! : alice!;
        await until(() => other.lines.some((line) => line.endsWith(`: i am ${k}`)), `client ${1 - k} to hear ${k}`);
        ids[k] = Number(other.lines.find((line) => line.endsWith(`: i am ${k}`))!.split(":")[0]);
      }
      assert.notEqual(nodeOfConnection(ids[0]!), nodeOfConnection(ids[1]!), "one node each");
      const who = () => alice!.lines.filter((line) => line.startsWith("online:")).at(-1) ?? "";
      await until(() => who().startsWith("online: 2,"), "/who to count both", 10_000, async () => {
        await alice!.conn.send(text("/who"));
        await new Promise((resolve) => setTimeout(resolve, 50));
      });
      assert.equal(who(), `online: 2, here: ${ids[0]}`, "its own listed");
      await alice!.conn.send(text(`/to ${ids[1]} psst`));
      await until(() => bob!.lines.includes(`${ids[0]} (private): psst`), "the private line across nodes");
      for (const client of [alice!, bob!]) client.conn.close();
      for (const server of servers) server.kill("SIGTERM");
      for (const server of servers) assert.equal(await server.exited, 0, server.output());
    } finally {
      for (const server of servers) {
        try {
          server.kill("SIGKILL");
        } catch {
          // exited already
        }
      }
      await engine.stop();
    }
  });
}

for (const kind of ["nats", "redis"] as EngineKind[]) {
  const name =
    `chat_server --workers 2 --${kind}: every worker a node of the engine's cluster, reached from another process`;
  const missing = engineMissing(kind);
  if (missing !== undefined) {
    skip(name, missing);
    continue;
  }
  test(name, async () => {
    const engine = await startEngine(kind);
    const args = ["--port", "0", `--${kind}`, engine.url];
    const servers = await Promise.all([
      startChild("examples/chat_server.ts", [...args, "--workers", "2"]),
      startChild("examples/chat_server.ts", args),
    ]);
    try {
      const [machine, other] = servers as [Child, Child];
      const remote = await listener(other.port);
      // Clients of the set until both workers hold one: the kernel spreads them by a hash.
      const clients: Awaited<ReturnType<typeof listener>>[] = [];
      const here = (line: string) => line.split("here:")[1]!.trim().split(" ").filter(Boolean).map(Number);
      const nodesHeld = () =>
        new Set(clients.flatMap(({ lines }) => here(lines.find((line) => line.startsWith("online:"))!))).size;
      while (clients.length < 40 && (clients.length < 2 || nodesHeld() < 2)) clients.push(await listener(machine.port));
      assert.equal(nodesHeld(), 2, "clients on both workers");
      // Each worker's clients reach the other process's client through the engine, and back.
      for (const [k, { conn }] of clients.entries()) await conn.send(text(`from the set ${k}`));
      for (const k of clients.keys()) {
        await until(() => remote.lines.some((line) => line.endsWith(`: from the set ${k}`)), `line ${k} across`);
      }
      await remote.conn.send(text("from the other"));
      for (const [k, { lines }] of clients.entries()) {
        await until(() => lines.some((line) => line.endsWith(": from the other")), `client ${k} to hear it`);
      }
      // Three nodes count every client: the other process counts both workers' and its own.
      const total = clients.length + 1;
      const who = () => remote.lines.filter((line) => line.startsWith("online:")).at(-1) ?? "";
      await until(
        () => who().startsWith(`online: ${total},`),
        `the other process to count ${total}`,
        10_000,
        async () => {
          await remote.conn.send(text("/who"));
          await new Promise((resolve) => setTimeout(resolve, 50));
        },
      );
      for (const { conn } of [...clients, remote]) conn.close();
      // One SIGTERM drains the whole set.
      machine.kill("SIGTERM");
      assert.equal(await machine.exited, 0, machine.output());
      other.kill("SIGTERM");
      assert.equal(await other.exited, 0, other.output());
    } finally {
      for (const server of servers) {
        try {
          server.kill("SIGKILL");
        } catch {
          // exited already
        }
      }
      await engine.stop();
    }
  });
}
