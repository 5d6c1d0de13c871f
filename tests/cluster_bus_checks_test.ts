/**
 * The bus is a trust boundary: every message is checked before a node uses
 * it. Property tests (fast-check) on the reader, then a real node (a server
 * on loopback, in a cluster over the hub) fed forged bytes by a raw
 * publisher on the cluster's topics: it keeps serving, counts what it
 * rejects, logs it through the limiter, and its figures stay sane.
 *
 * @module
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { type Bus, type Cluster, joinCluster, type Logger, serve, type Server } from "../mod.ts";
import { createPortHub } from "../src/_internal.ts";
import { encodeMessage } from "../src/core/cluster/messages.ts";
import { readMessage } from "../src/core/cluster/read_message.ts";
import { renderMetrics } from "../src/edges/metrics/metrics.ts";
import { test } from "./_harness.ts";
import { client, decoder, echoHandler, recordingLogger, take, text, until } from "./_fixtures.ts";
import { assertSaneStats, forgedBytes, forgedReport, namedForgeries, validMessage } from "./_bus_forgery.ts";

/** One node (number 1) with an echo server, and a raw publisher on the same hub. */
async function forgeryBench(logger: Logger = silent) {
  const hub = createPortHub({ maxPendingBytes: 64 * 1024 * 1024 });
  const cluster: Cluster = joinCluster({ bus: hub.connect(1), node: 1, reportInterval: 0.05, logger });
  const server = await serve({ port: 0, logger: silent, cluster }, echoHandler);
  const raw: Bus = hub.connect(99);
  const conn = await client(server);
  await until(() => server.size === 1, "the client counted");
  /** Publishes every message on the all-topic and this node's topic, then waits until the node has read them. */
  const publish = async (messages: Uint8Array[]) => {
    const { accepted, rejected } = cluster.busStats;
    for (const bytes of messages) {
      assert.equal(raw.publish("spawnkit.all", bytes), true);
      assert.equal(raw.publish("spawnkit.node.1", bytes), true);
    }
    await raw.flush();
    const read = () => cluster.busStats.accepted + cluster.busStats.rejected - accepted - rejected;
    // Answers to hellos and snapshot requests do not count as read: at least every message twice.
    await until(() => read() >= 2 * messages.length, `the node to read ${2 * messages.length} messages`, 20_000);
  };
  /** The node still serves: an echo comes back (after the broadcasts of forged messages that passed the checks). */
  const serves = async (line: string) => {
    await conn.send(text(line));
    for (let i = 0; i < 10_000; i++) if (decoder.decode((await take(conn, 1))[0]) === line) return;
    assert.fail("no echo");
  };
  const close = async () => {
    conn.close();
    await server.shutdown({ timeout: 1 });
    await raw.close();
    hub.close();
  };
  return { cluster, server, publish, serves, close };
}

/** `message` as plain data: bytes as lists, objects with the usual prototype. */
function plain(message: unknown): unknown {
  return JSON.parse(JSON.stringify(message, (_, value) => value instanceof Uint8Array ? [...value] : value));
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

test("readMessage never throws on arbitrary bytes, and what it accepts reads back the same", () => {
  fc.assert(
    fc.property(forgedBytes, (bytes) => {
      const read = readMessage(bytes);
      if ("rejected" in read) {
        assert.equal(typeof read.why, "string");
        return;
      }
      assert.deepEqual(readMessage(encodeMessage(read.from, read.message)), read);
    }),
    { numRuns: 3000 },
  );
});

test("readMessage accepts every valid message of every kind, as it was sent", () => {
  fc.assert(
    fc.property(validMessage, ({ from, message }) => {
      const read = readMessage(encodeMessage(from, message));
      assert.ok(!("rejected" in read), "rejected" in read ? read.why : "");
      assert.equal(read.from, from);
      assert.deepEqual(plain(read.message), plain(message), "the same, field by field");
    }),
    { numRuns: 1000 },
  );
});

test("readMessage rejects each forgery of the trust issue, and a 2^32 - 1 id claim allocates nothing", () => {
  for (const [name, bytes] of Object.entries(namedForgeries(2))) {
    const read = readMessage(bytes);
    if (name.startsWith("a post")) {
      assert.ok(!("rejected" in read), "well-formed: the node itself rejects an id that is not its own");
      continue;
    }
    assert.ok("rejected" in read, `${name} rejected`);
  }
});

test("Cluster: arbitrary forged bytes never throw into the node and never change server.stats; they are counted", async () => {
  const bench = await forgeryBench();
  try {
    const samples = fc.sample(forgedBytes, { numRuns: 600, seed: 18 });
    const rejected = samples.filter((bytes) => "rejected" in readMessage(bytes));
    const accepted = samples.filter((bytes) => !("rejected" in readMessage(bytes)));
    assert.ok(rejected.length > 400 && accepted.length > 0, `${rejected.length} rejected, ${accepted.length} not`);
    const before = bench.server.stats;
    const counted = bench.cluster.busStats.rejected;
    await bench.publish(rejected);
    assert.deepEqual(bench.server.stats, before, "nothing rejected reached server.stats");
    assert.equal(bench.cluster.busStats.rejected, counted + 2 * rejected.length, "each one counted");
    // Mutations that still pass the checks may be used (a report counts in the sums): the sums stay sane.
    await bench.publish(accepted);
    assertSaneStats(bench.server.stats);
    await bench.serves("still here");
    assert.match(await renderMetrics(bench.server), /^spawnkit_connections_active \d+$/m);
  } finally {
    await bench.close();
  }
});

test("Cluster: the forgeries of the trust issue are rejected and counted by kind; /metrics still renders", async () => {
  const bench = await forgeryBench();
  try {
    const before = bench.server.stats;
    await bench.publish(Object.values(namedForgeries(2)));
    assert.deepEqual(bench.server.stats, before);
    const { rejected, rejectedByKind } = bench.cluster.busStats;
    assert.equal(rejected, 10, "five forgeries on two topics");
    assert.deepEqual(rejectedByKind, { report: 4, broadcast: 2, delta: 2, post: 2 });
    assert.deepEqual(bench.cluster.nodes(), [], "no node was made of a rejected message");
    assert.equal([...(bench.server as Server).connections()].length, 1, "no garbage joins listed");
    assert.match(await renderMetrics(bench.server), /^spawnkit_connections_active 1$/m);
    await bench.serves("after the forgeries");
  } finally {
    await bench.close();
  }
});

test("Cluster: a reason named like an Object property sums as a number", async () => {
  const bench = await forgeryBench();
  try {
    await bench.publish([forgedReport(2, { active: 3, closedByReason: { constructor: 2, "peer-closed": 1 } })]);
    await until(() => bench.server.stats.active === 4, "node 2's report in the sums");
    const stats = bench.server.stats;
    assertSaneStats(stats);
    assert.equal((stats.closedByReason as Record<string, number>).constructor, 2);
  } finally {
    await bench.close();
  }
});

test("Cluster: rejections are logged through the limiter, without a byte of the message", async () => {
  const logger = recordingLogger();
  const bench = await forgeryBench(logger);
  try {
    const marker = "\u001b[2J-forged-\u2028";
    const forged = Array.from({ length: 100 }, (_, i) => forgedReport(2, { active: `${marker}${i}` }));
    await bench.publish(forged);
    assert.equal(bench.cluster.busStats.rejected, 200);
    const warnings = logger.records.filter((record) => record.level === "warn");
    assert.ok(warnings.length >= 1 && warnings.length <= 5, `${warnings.length} lines for 200 rejections`);
    // The count of the rest comes as one line once the window has passed.
    await until(() => logger.records.some((record) => /more messages/.test(record.message)), "the summary line");
    const logged = JSON.stringify(logger.records);
    assert.ok(!logged.includes("forged"), "no peer bytes in the log");
  } finally {
    await bench.close();
  }
});
