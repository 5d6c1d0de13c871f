/**
 * A broadcast that names many ids across nodes is bounded and never dropped
 * for size without a word: an `only` list is split into messages that fit a
 * bus message (and reaches exactly the ids it names), an `except` list over
 * the bound is refused whole with a RangeError and counted. On the hub and on
 * a real nats-server with its default 1 MiB `max_payload`.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  type Bus,
  connect,
  type Connection,
  joinCluster,
  memoryTransport,
  NODE_ID_SPAN,
  serve,
  type Server,
  silentLogger,
} from "../mod.ts";
import { connectNatsBus } from "../src/edges/nats/nats.ts";
import { createPortHub } from "../src/_internal.ts";
import { MAX_BROADCAST_IDS } from "../src/core/cluster/broadcast_plan.ts";
import { engineMissing, startEngine } from "./_engines.ts";
import { skip, test } from "./_harness.ts";
import { decoder, text, until } from "./_fixtures.ts";

/** More ids than one message of 1 MiB holds (8 bytes each). */
const MANY_IDS = 140_000;

async function idle(conn: Connection): Promise<void> {
  for await (const _ of conn) { /* reads, answers nothing */ }
}

async function lists(busOf: (n: number) => Promise<Bus>): Promise<void> {
  const transport = memoryTransport();
  const buses = [await busOf(1), await busOf(2)];
  const servers: Server[] = [];
  for (const [i, bus] of buses.entries()) {
    const cluster = joinCluster({ bus, node: i + 1, reportInterval: 0.1, logger: silentLogger });
    servers.push(await serve({ port: 0, logger: silentLogger, cluster, transport }, idle));
  }
  const [one, two] = servers as [Server, Server];
  const clients = await Promise.all(
    [0, 1].map(() => connect({ port: two.addr.port, transport, logger: silentLogger })),
  );
  try {
    await until(() => one.size === 2 && two.size === 2, "both nodes to count node 2's clients");
    const [kept, left] = [...two.connections()].map((conn) => conn.id) as [number, number];
    const fake = Array.from({ length: MANY_IDS }, (_, i) => 2 * NODE_ID_SPAN + 1_000_000 + i);
    // `only`: split into messages that fit; the one id named among them gets it, the other not.
    const published = buses[0]!.stats.published;
    assert.equal(one.broadcast(text("only"), { only: [...fake, kept] }), MANY_IDS + 1);
    assert.equal(buses[0]!.stats.published - published, Math.ceil((MANY_IDS + 1) / MAX_BROADCAST_IDS), "split");
    // `except` over the bound: refused whole, counted, nothing sent anywhere (here included).
    const dropped = one.stats.messagesDropped;
    assert.throws(() => one.broadcast(text("except"), { except: fake }), RangeError);
    assert.equal(one.stats.messagesDropped, dropped + 1, "the refusal counted");
    // Then a broadcast to all: what each client got before it tells what the lists did.
    one.broadcast(text("all"));
    const [gotKept, gotLeft] = await Promise.all(clients.map(async (client) => {
      const frames: string[] = [];
      while (frames.at(-1) !== "all") frames.push(decoder.decode((await client.receive())!));
      return frames;
    }));
    const byId = new Map([[kept, gotKept], [left, gotLeft]]);
    assert.deepEqual(byId.get(kept), ["only", "all"], "the id named got it");
    assert.deepEqual(byId.get(left), ["all"], "the other did not, nor the refused one");
    assert.equal(buses[1]!.stats.dropped + buses[0]!.stats.dropped, 0, "nothing dropped by a bus");
  } finally {
    for (const client of clients) client.close();
    await Promise.all(servers.map((server) => server.shutdown({ timeout: 1, quietPeriod: 0 })));
    await Promise.all(buses.map((bus) => bus.close()));
  }
}

test("Cluster: a broadcast naming 140 000 ids crosses the hub split, or is refused (except) and counted", async () => {
  const hub = createPortHub();
  try {
    await lists((n) => Promise.resolve(hub.connect(n)));
  } finally {
    hub.close();
  }
});

const natsName =
  "Cluster: a broadcast naming 140 000 ids crosses NATS (1 MiB max_payload) split, or is refused and counted";
const missing = engineMissing("nats");
if (missing !== undefined) skip(natsName, missing);
else {
  test(natsName, async () => {
    const engine = await startEngine("nats");
    try {
      await lists(() => connectNatsBus({ servers: engine.url, logger: silentLogger }));
    } finally {
      await engine.stop();
    }
  });
}
