/**
 * spawnkit/workers on this runtime: real threads, one port shared with
 * reusePort, real clients on loopback. Each test starts a set of its own and
 * shuts it down however the test ends, so any test runs alone or after any
 * other; each assertion counts what arrived, never how fast.
 *
 * The rolling restart runs two sets in this process: to the kernel, two
 * reuseport listeners of one user are the same whether they are two threads
 * or two processes, and the SIGTERM that drains a process is
 * echo_server_test.ts's.
 *
 * Ports: every set listens on port 0, and the kernel's choice is handed to
 * the other workers (and, for the rolling restart, to the second set). A
 * reusePort listener on a port picked by hand inside the ephemeral range
 * (32768-60999 here) can meet EADDRINUSE from a client socket's TIME_WAIT.
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type Connection, nodeOfConnection, silentLogger } from "../mod.ts";
import { RestartLimitError, serveWorkers, type WorkerSet } from "../src/edges/workers/workers.ts";
import { test } from "./_harness.ts";
import { runToEnd } from "./_child.ts";
import { decoder, take, text, until } from "./_fixtures.ts";

const MODULE = new URL("./fixtures/commands.ts", import.meta.url);
const quiet = { logger: silentLogger, reportInterval: 0.1 };

async function ask(conn: Connection, line: string): Promise<string> {
  await conn.send(text(line));
  return decoder.decode((await conn.receive())!);
}

/** A client with its id and its worker. */
interface Client {
  readonly conn: Connection;
  readonly id: number;
  readonly worker: string;
}

async function enter(port: number): Promise<Client> {
  const conn = await connect({ port, logger: silentLogger });
  return { conn, id: Number(await ask(conn, "id")), worker: await ask(conn, "worker") };
}

/** A set of two workers for one test, shut down (and its folder removed) when the test ends, however it ends. */
interface TwoWorkers extends AsyncDisposable {
  readonly set: WorkerSet;
  /** Where the workers' end hooks write. */
  readonly dir: string;
}

async function twoWorkers(): Promise<TwoWorkers> {
  const dir = mkdtempSync(join(tmpdir(), "spawnkit-workers-"));
  try {
    const set = await serveWorkers({
      module: MODULE,
      workers: 2,
      port: 0,
      data: { endLog: join(dir, "ends.log") },
      ...quiet,
    });
    return {
      set,
      dir,
      async [Symbol.asyncDispose]() {
        // Settles at once when the test shut the set down itself.
        await set.shutdown({ timeout: 5 });
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Two clients on each worker (and closes the rest). */
async function twoEach(port: number): Promise<Client[]> {
  const kept: Client[] = [];
  const extra: Client[] = [];
  for (let i = 0; i < 100 && kept.length < 4; i++) {
    const client = await enter(port);
    if (kept.filter((k) => k.worker === client.worker).length < 2) kept.push(client);
    else extra.push(client);
  }
  for (const { conn } of extra) conn.close();
  assert.equal(kept.length, 4, "two clients on each worker");
  // Every worker's directory lists all four before anything crosses.
  for (const client of [kept[0]!, kept.find((k) => k.worker !== kept[0]!.worker)!]) {
    let size = 0;
    await until(() => size === 4, `worker ${client.worker} to count 4`, 10_000, async () => {
      size = Number(await ask(client.conn, "size"));
    });
  }
  return kept;
}

test("serveWorkers: 2 workers split 200 connections, each takes some", async () => {
  await using workers = await twoWorkers();
  const { set } = workers;
  assert.equal(set.workers, 2);
  const clients = await Promise.all(Array.from({ length: 200 }, () => enter(set.addr.port)));
  const perWorker = new Map<string, number>();
  for (const { worker } of clients) perWorker.set(worker, (perWorker.get(worker) ?? 0) + 1);
  assert.deepEqual([...perWorker.keys()].sort(), ["1", "2"]);
  assert.ok([...perWorker.values()].every((count) => count > 0));
  assert.equal(new Set(clients.map((c) => c.id)).size, 200, "ids unique across workers");
  await until(() => set.size === 200, "the set to count 200 from the workers' reports");
  for (const { conn } of clients) conn.close();
  await until(() => set.size === 0, "the set to count 0");
});

test("serveWorkers: a broadcast from a client of one worker reaches every client of the other", async () => {
  await using workers = await twoWorkers();
  const { set } = workers;
  const clients = await twoEach(set.addr.port);
  const sender = clients[0]!;
  await sender.conn.send(text("all hello"));
  for (const client of clients.slice(1)) assert.equal(decoder.decode((await client.conn.receive())!), "hello");
  assert.ok(clients.some((client) => client.worker !== sender.worker));
  for (const { conn } of clients) conn.close();
});

test("serveWorkers: set.tell() reaches every worker's onTell listeners; one that throws is logged and the worker goes on", async () => {
  await using workers = await twoWorkers();
  const { set } = workers;
  const clients = await twoEach(set.addr.port);
  const oneEach = [clients[0]!, clients.find((client) => client.worker !== clients[0]!.worker)!];
  const toldOf = async (client: Client) => JSON.parse(await ask(client.conn, "told")) as unknown[];
  assert.equal(set.tell({ reload: 1 }), 2, "sent to both workers");
  assert.equal(set.tell({ throw: true }), 2);
  assert.equal(set.tell({ reload: 2 }), 2);
  for (const client of oneEach) {
    let told: unknown[] = [];
    await until(() => told.length === 3, `worker ${client.worker} to be told 3 times`, 10_000, async () => {
      told = await toldOf(client);
    });
    assert.deepEqual(told, [{ reload: 1 }, { throw: true }, { reload: 2 }], "in order, the one after a throw too");
  }
  for (const { conn } of clients) conn.close();
});

test("serveWorkers: posts to a connection of the other worker arrive in order, with its frames", async () => {
  await using workers = await twoWorkers();
  const { set } = workers;
  const clients = await twoEach(set.addr.port);
  const from = clients[0]!;
  const to = clients.find((client) => client.worker !== from.worker)!;
  for (let i = 0; i < 100; i++) await from.conn.send(text(`post ${to.id} ${i}`));
  // Its own frames go through the same loop as the posted messages.
  await to.conn.send(text("id"));
  const got = (await take(to.conn, 101)).map((frame) => decoder.decode(frame));
  assert.deepEqual(got.filter((line) => line.startsWith("note:")), Array.from({ length: 100 }, (_, i) => `note:${i}`));
  assert.ok(got.includes(String(to.id)));
  for (const { conn } of clients) conn.close();
});

test("serveWorkers: a room broadcast reaches its members on the other worker, and no one else", async () => {
  await using workers = await twoWorkers();
  const { set } = workers;
  const clients = await twoEach(set.addr.port);
  const [sender, neighbour] = clients.filter((client) => client.worker === clients[0]!.worker);
  const [member, outsider] = clients.filter((client) => client.worker !== clients[0]!.worker);
  for (const client of [sender!, member!]) assert.equal(await ask(client.conn, "join r"), "true");
  for (const client of [sender!, member!]) {
    let size = "";
    await until(() => size === "2", `worker ${client.worker} to count the room's 2`, 10_000, async () => {
      size = await ask(client.conn, "rsize r");
    });
  }
  await sender!.conn.send(text("room r hi"));
  assert.equal(decoder.decode((await member!.conn.receive())!), "hi");
  // The others' next frame is their own answer: the room's line never reached them.
  assert.equal(await ask(neighbour!.conn, "rsize r"), "2");
  assert.equal(await ask(outsider!.conn, "rsize r"), "2");
  assert.equal(await ask(sender!.conn, "rsize r"), "2", "the sender is excepted");
  for (const { conn } of clients) conn.close();
});

test("serveWorkers: a burst of 10 000 broadcasts reaches every client of both workers, none lost", async () => {
  await using workers = await twoWorkers();
  const { set } = workers;
  const clients = await twoEach(set.addr.port);
  await clients[0]!.conn.send(text("burst 10000"));
  for (const { conn } of clients) {
    const frames = await take(conn, 10_000);
    assert.ok(frames.every((frame, i) => decoder.decode(frame) === String(i)), "every frame, in order");
  }
  for (const { conn } of clients) conn.close();
  await until(() => set.size === 0 && set.stats.framesDropped === 0, "the set to settle");
});

test("serveWorkers: a worker that crashes closes its connections (their end hooks run there) and is restarted", async () => {
  const dir = mkdtempSync(join(tmpdir(), "spawnkit-crash-"));
  try {
    const ran = await runToEnd("tests/fixtures/crash_set.ts", [join(dir, "ends.log")]);
    assert.equal(ran.code, 0, ran.stderr);
    const seen = JSON.parse(ran.stdout.trim().split("\n").pop()!) as {
      doomed: number[];
      closed: boolean[];
      ends: string;
      restarts: number;
      sizeAfter: number;
      survivors: number;
      reborn: number | undefined;
    };
    assert.ok(seen.closed.length >= 2);
    assert.ok(seen.closed.every(Boolean), "every connection of the dead worker closed, none left open");
    for (const id of seen.doomed) assert.match(seen.ends, new RegExp(`^${id} shutdown$`, "m"), `end hook of ${id}`);
    assert.equal(seen.restarts, 1);
    assert.equal(seen.sizeAfter, seen.survivors, "the other worker forgot the dead one's connections");
    assert.ok(seen.reborn !== undefined, "the restarted worker serves again");
    assert.notEqual(nodeOfConnection(seen.reborn), nodeOfConnection(seen.doomed[0]!), "as a new node");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("serveWorkers: the set shuts down gracefully and settles finished", async () => {
  await using workers = await twoWorkers();
  const { set } = workers;
  const clients = await twoEach(set.addr.port);
  const report = await set.shutdown({ timeout: 5 });
  assert.equal(report.connections, 4);
  assert.equal(report.forced, 0);
  for (const { conn } of clients) assert.equal(await conn.receive(), undefined);
  await set.finished;
});

test("serveWorkers restarts a worker that throws at start", async () => {
  const set = await serveWorkers({ module: MODULE, workers: 1, data: { throwAtStart: "first" }, ...quiet });
  assert.equal(set.restarts, 1);
  const client = await enter(set.addr.port);
  assert.equal(client.worker, "1");
  client.conn.close();
  await set.shutdown();
});

test("serveWorkers stops the set with a clear error when a worker keeps throwing at start", async () => {
  const started = serveWorkers({
    module: MODULE,
    workers: 1,
    data: { throwAtStart: "always" },
    maxRestarts: 1,
    ...quiet,
  });
  await assert.rejects(started, (error) => {
    assert.ok(error instanceof RestartLimitError, String(error));
    assert.match(error.message, /^Cannot restart worker 1: 2 restarts within 10 seconds \(limit 1\); the set stopped$/);
    assert.match(String((error.cause as Error)?.message), /worker 1 refuses to start/);
    return true;
  });
});

/** Linux's net.ipv4.tcp_migrate_req: 1 moves a closing reuseport listener's queued connections to another. */
function migratesQueuedConnections(): boolean | undefined {
  try {
    return readFileSync("/proc/sys/net/ipv4/tcp_migrate_req", "utf8").trim() === "1";
  } catch {
    return undefined;
  }
}

test("serveWorkers: a rolling restart on one port (reusePort) refuses no client connecting in a loop", async () => {
  const old = await serveWorkers({ module: MODULE, workers: 1, data: { tag: "old" }, ...quiet });
  const port = old.addr.port;
  const next = await serveWorkers({ module: MODULE, workers: 1, port, data: { tag: "new" }, ...quiet });
  const seen = { old: 0, new: 0, refused: 0, reset: 0 };
  let running = true;
  const LOOPS = 4;
  const loop = async () => {
    while (running) {
      let conn: Connection;
      try {
        conn = await connect({ port, logger: silentLogger });
      } catch (error) {
        const what = `${(error as { code?: string }).code} ${(error as Error).name} ${error}`;
        if (/refused/i.test(what)) seen.refused++;
        // Reset before connect() settled: the handshake was done, the connection queued at the old listener.
        else if (/ECONNRESET|ConnectionReset|reset/i.test(what)) seen.reset++;
        else throw error;
        continue;
      }
      try {
        await conn.send(text("worker"));
        const answer = await conn.receive();
        if (answer === undefined) seen.reset++;
        else seen[decoder.decode(answer).startsWith("old") ? "old" : "new"]++;
      } catch {
        seen.reset++; // reset with the frame on its way: the connection sat in the old listener's queue
      } finally {
        conn.close();
      }
    }
  };
  const loops = Array.from({ length: LOOPS }, loop);
  await until(() => seen.old >= 20 && seen.new >= 20, "both sets to serve");
  await old.shutdown(); // stops listening, drains its connections in the quiet period, exits
  const after = seen.new;
  await until(() => seen.new >= after + 100, "the new set to serve alone");
  running = false;
  await Promise.all(loops);
  await next.shutdown();
  const migrates = migratesQueuedConnections();
  console.log(`rolling restart: ${JSON.stringify(seen)}, tcp_migrate_req ${migrates}`);
  assert.equal(seen.refused, 0, "never refused: the new set listened before the old one stopped");
  // Without tcp_migrate_req, Linux resets what sits in a reuseport listener's accept queue when it closes:
  // at most one connection per loop, the one in flight at that moment. With it, none.
  if (migrates === true) assert.equal(seen.reset, 0);
  else assert.ok(seen.reset <= LOOPS, `${seen.reset} resets`);
});
