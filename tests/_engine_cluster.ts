/**
 * The engines' tests, the same for NATS (nats_test.ts) and Redis
 * (redis_test.ts): the bus's contract in one process, then nodes in
 * processes of their own (tests/fixtures/engine_node.ts) over a real server
 * started for the test, which one test kills and restarts under them.
 *
 * @module
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { BusRequestError, connect, type Connection, silentLogger } from "../mod.ts";
import type { EngineBus, EngineBusOptions } from "../src/_internal.ts";
import { type Child, startChild } from "./_child.ts";
import { type Engine, type EngineKind, engineMissing, startEngine } from "./_engines.ts";
import { skip, test } from "./_harness.ts";
import { decoder, text, until } from "./_fixtures.ts";

const FIXTURE = "tests/fixtures/engine_node.ts";

/** A client whose frames are collected as they come. */
interface Peer {
  readonly conn: Connection;
  readonly lines: string[];
  /** Sends `command` and settles with the first line after it that `match` accepts. */
  ask(command: string, match?: (line: string) => boolean): Promise<string>;
  /** Settles once a line `match` accepts has come (since the start). */
  hears(match: (line: string) => boolean, what: string): Promise<string>;
}

async function peer(port: number): Promise<Peer> {
  const conn = await connect({ port, logger: silentLogger });
  const lines: string[] = [];
  void (async () => {
    for await (const frame of conn) lines.push(decoder.decode(frame));
  })().catch(() => {});
  const hears = async (match: (line: string) => boolean, what: string, from = 0) => {
    await until(() => lines.slice(from).some(match), what, 15_000);
    return lines.slice(from).find(match)!;
  };
  return {
    conn,
    lines,
    hears: (match, what) => hears(match, what),
    async ask(command, match = () => true) {
      const from = lines.length;
      await conn.send(text(command));
      return hears(match, `an answer to "${command}"`, from);
    },
  };
}

interface NodeStats {
  readonly size: number;
  readonly nodes: number[];
  readonly bus: EngineBus["stats"];
}

async function stats(via: Peer): Promise<NodeStats> {
  return JSON.parse(await via.ask("stats", (line) => line.startsWith("{"))) as NodeStats;
}

/** Asks `via` for its node's figures until `predicate` holds. */
async function statsUntil(via: Peer, predicate: (stats: NodeStats) => boolean, what: string): Promise<NodeStats> {
  let last: NodeStats | undefined;
  await until(() => last !== undefined && predicate(last), what, 15_000, async () => void (last = await stats(via)));
  return last!;
}

async function twoNodes(engine: Engine): Promise<[Child, Child]> {
  const [a, b] = await Promise.all([0, 1].map(() => startChild(FIXTURE, [engine.kind, engine.url])));
  return [a!, b!];
}

async function stopNodes(children: Child[], peers: Peer[]): Promise<void> {
  for (const { conn } of peers) conn.close();
  for (const child of children) {
    try {
      child.kill("SIGTERM");
    } catch {
      // It has exited already (the test killed it).
    }
  }
  await Promise.all(children.map((child) => child.exited));
}

/**
 * The engine's limits on a slow subscriber, made tight: nats-server cuts a client whose writes stall past
 * `write_deadline`; redis-server one whose pub/sub output passes the hard limit.
 */
function tightLimits(kind: EngineKind): string[] {
  if (kind === "redis") return ["--client-output-buffer-limit", "pubsub 256kb 128kb 1"];
  const file = join(tmpdir(), `spawnkit-nats-${process.pid}-${Date.now()}.conf`);
  writeFileSync(file, 'max_pending: 262144\nmax_payload: 131072\nwrite_deadline: "500ms"\n');
  return ["-c", file];
}

/** Registers the engine tests of `kind`, or skips them with the reason. */
export function engineTests(
  kind: EngineKind,
  connectBus: (url: string, options?: EngineBusOptions) => Promise<EngineBus>,
): void {
  const name = kind === "nats" ? "connectNatsBus" : "connectRedisBus";
  const names = [
    `${name} keeps the bus's contract: bytes as sent, no echo, request and reply, no responders, a timeout, the size cap`,
    `${name}: two nodes in separate processes share broadcast, room broadcast, post and counts; a node killed with SIGKILL leaves within the lease`,
    `${name}: the engine killed and restarted mid-run: local service goes on, cross-node sends are dropped and counted, then resume`,
    `${name}: the engine's slow-subscriber limit cuts off a node that reads too slowly; it counts it, reconnects and goes on`,
  ];
  const missing = engineMissing(kind);
  if (missing !== undefined) {
    for (const one of names) skip(one, missing);
    return;
  }

  test(names[0]!, async () => {
    const engine = await startEngine(kind);
    const [a, b] = [await connectBus(engine.url), await connectBus(engine.url)];
    try {
      const atB: Uint8Array[] = [];
      const atA: Uint8Array[] = [];
      b.subscribe("spawnkit.test", (payload) => atB.push(Uint8Array.from(payload)));
      a.subscribe("spawnkit.test", (payload) => atA.push(Uint8Array.from(payload)));
      b.subscribe("spawnkit.ask", (payload, { reply }) => reply?.(payload.map((byte) => 255 - byte)));
      b.subscribe("spawnkit.silent", () => {});
      await Promise.all([a.flush(), b.flush()]);
      const bytes = new Uint8Array([0, 255, 10, 13, 0, 128]);
      assert.equal(a.publish("spawnkit.test", bytes), true);
      await until(() => atB.length === 1, "b to get a's message");
      assert.deepEqual(atB[0], bytes, "binary, whole");
      assert.equal(b.publish("spawnkit.test", text("from b")), true);
      await until(() => atA.length === 1, "a to get b's message");
      assert.equal(decoder.decode(atA[0]), "from b", "a got b's message and never its own");
      assert.equal(atB.length, 1, "b never got its own");
      assert.deepEqual(
        Uint8Array.from(await a.request("spawnkit.ask", new Uint8Array([1, 2]))),
        new Uint8Array([254, 253]),
      );
      await assert.rejects(a.request("spawnkit.nobody", bytes), (error) => {
        return error instanceof BusRequestError && error.reason === "no-responders";
      });
      await assert.rejects(a.request("spawnkit.silent", bytes, { timeout: 0.2 }), (error) => {
        return error instanceof BusRequestError && error.reason === "timeout";
      });
      const dropped = a.stats.dropped;
      assert.equal(a.publish("spawnkit.test", new Uint8Array(1_048_577)), false, "over the size cap");
      assert.equal(a.stats.dropped, dropped + 1);
      assert.equal(a.stats.requestsFailed, 2);
      assert.equal(a.stats.connected, true);
      await a.close();
      assert.equal(a.publish("spawnkit.test", bytes), false);
      await assert.rejects(a.request("spawnkit.ask", bytes), (error) => {
        return error instanceof BusRequestError && error.reason === "closed";
      });
    } finally {
      await Promise.all([a.close(), b.close()]);
      await engine.stop();
    }
  });

  test(names[1]!, async () => {
    const engine = await startEngine(kind);
    const [nodeA, nodeB] = await twoNodes(engine);
    const [a1, a2, b1] = await Promise.all([peer(nodeA.port), peer(nodeA.port), peer(nodeB.port)]);
    try {
      const b1Id = Number(await b1.ask("id"));
      const nodeOfB = Number(await b1.ask("node"));
      await statsUntil(a1, (s) => s.size === 3, "node A to count 3");
      await statsUntil(b1, (s) => s.size === 3, "node B to count 3");
      // Broadcast: once across, to every client of both nodes but the sender.
      await a1.conn.send(text("all hello"));
      await Promise.all([a2.hears((l) => l === "hello", "a2 to hear"), b1.hears((l) => l === "hello", "b1 to hear")]);
      // A room broadcast reaches its members on both nodes, and no one else.
      assert.equal(await a1.ask("join r"), "true");
      assert.equal(await b1.ask("join r"), "true");
      for (const via of [a1, b1]) {
        let size = "";
        await until(
          () => size === "2",
          "room r to count both nodes",
          15_000,
          async () => void (size = await via.ask("size r")),
        );
      }
      await a1.conn.send(text("room r hi"));
      await b1.hears((l) => l === "hi", "b1 to hear the room");
      assert.equal(await a2.ask("id", (l) => /^\d+$/.test(l)) !== "", true);
      assert.ok(!a2.lines.includes("hi"), "a2, in no room, heard nothing of it");
      assert.ok(!a1.lines.includes("hi"), "the sender is excepted");
      // Post: to the other node's connection, through its mailbox.
      assert.equal(await a1.ask(`post ${b1Id} psst`, (l) => l.startsWith("post ")), "post true");
      await b1.hears((l) => l === "note:psst", "b1 to get the post");
      const before = await stats(a1);
      assert.deepEqual(before.nodes, [nodeOfB]);
      // SIGKILL: no goodbye; node A forgets B when its lease (expireAfter 1 s) runs out.
      nodeB.kill("SIGKILL");
      await nodeB.exited;
      const after = await statsUntil(a1, (s) => s.nodes.length === 0, "node A to forget node B");
      assert.equal(after.size, 2);
      assert.equal(after.bus.connected, true);
      let size = "";
      await until(
        () => size === "1",
        "room r to lose B's member",
        15_000,
        async () => void (size = await a1.ask("size r")),
      );
    } finally {
      await stopNodes([nodeA, nodeB], [a1, a2, b1]);
      await engine.stop();
    }
  });

  test(names[2]!, async () => {
    const engine = await startEngine(kind);
    const [nodeA, nodeB] = await twoNodes(engine);
    const [a1, a2, b1] = await Promise.all([peer(nodeA.port), peer(nodeA.port), peer(nodeB.port)]);
    try {
      const b1Id = Number(await b1.ask("id"));
      await statsUntil(a1, (s) => s.size === 3, "node A to count 3");
      await engine.kill();
      const down = await statsUntil(a1, (s) => !s.bus.connected, "node A to see the engine gone");
      // Local service goes on: a broadcast on node A reaches node A's clients.
      await a1.conn.send(text("all during"));
      await a2.hears((l) => l === "during", "a2 to hear a local broadcast during the outage");
      // Cross-node sends fail at once and are counted; the handler answered every command (nothing blocked).
      assert.equal(await a1.ask(`post ${b1Id} lost`, (l) => l.startsWith("post ")), "post false");
      const during = await stats(a1);
      assert.ok(during.bus.dropped > down.bus.dropped, `dropped ${during.bus.dropped} > ${down.bus.dropped}`);
      assert.equal(during.bus.outages, 1);
      await engine.restart();
      await statsUntil(a1, (s) => s.bus.connected, "node A to reconnect");
      await statsUntil(b1, (s) => s.bus.connected, "node B to reconnect");
      // Cross-node traffic resumes by itself, and the directory heals (sizes, then posts).
      let attempt = 0;
      await until(
        () => b1.lines.some((line) => line.startsWith("after ")),
        "a broadcast from A to reach B again",
        15_000,
        async () => {
          if (attempt++ % 20 === 0) await a1.conn.send(text(`all after ${attempt}`));
        },
      );
      await statsUntil(a1, (s) => s.size === 3, "node A to count B's client again");
      assert.equal(await a1.ask(`post ${b1Id} back`, (l) => l.startsWith("post ")), "post true");
      await b1.hears((l) => l === "note:back", "b1 to get a post after the outage");
      const healed = await stats(a1);
      assert.equal(healed.bus.outages, 1, "one outage, however many attempts to reconnect");
      assert.equal((await stats(b1)).bus.outages, 1);
    } finally {
      await stopNodes([nodeA, nodeB], [a1, a2, b1]);
      await engine.stop();
    }
  });

  test(names[3]!, async () => {
    const engine = await startEngine(kind, tightLimits(kind));
    const node = await startChild(FIXTURE, [kind, engine.url]);
    const flood = await connectBus(engine.url, { maxPendingBytes: 64 * 1024 * 1024, logger: silentLogger });
    const client = await peer(node.port);
    try {
      const before = await stats(client);
      assert.equal(before.bus.cutOff, 0);
      await client.ask("block 3000", (line) => line === "blocking");
      // 10 MB to a topic the node hosts, while it reads nothing (bytes that are no cluster message: it drops them).
      const junk = new Uint8Array(10_000).fill(255);
      for (let i = 0; i < 1000; i++) flood.publish("spawnkit.all", junk);
      const after = await statsUntil(
        client,
        (s) => s.bus.cutOff >= 1 && s.bus.connected,
        "the cut-off, counted, then back",
      );
      assert.ok(after.bus.outages >= 1);
      // It goes on: the node still answers, and hears the bus again (its subscriptions are back).
      const received = after.bus.received;
      let last = after;
      await until(() => last.bus.received > received, "the node to hear the bus again", 15_000, async () => {
        flood.publish("spawnkit.all", junk.subarray(0, 16));
        last = await stats(client);
      });
    } finally {
      client.conn.close();
      await flood.close();
      node.kill("SIGTERM");
      await node.exited;
      await engine.stop();
    }
  });
}
