/**
 * What a connection's batches may hold: answers stored while a batch's other
 * requests still run count toward `maxConcurrency` until the batch is sent.
 */
import assert from "node:assert/strict";
import { test } from "./_harness.ts";
import { until } from "./_fixtures.ts";
import { gate, rawPeer, rpcServer } from "./_rpc_fixtures.ts";

const byId = (answers: unknown) => (answers as { id: string }[]).toSorted((a, b) => a.id.localeCompare(b.id));

test("rpcHandler holds at most maxConcurrency + maxBatchSize - 1 answers of unsent batches, however many arrive", async () => {
  const BATCHES = 20;
  const gates = Array.from({ length: BATCHES }, () => gate());
  const { server, rpc } = await rpcServer({
    slow: async ([k]: [number]) => (await gates[k]!.promise, `slow ${k}`),
    fast: () => "fast",
  }, { maxConcurrency: 4, maxBatchSize: 10 });
  const peer = await rawPeer(server);
  // Each batch: one call that waits for its gate, nine that answer at once and wait for it in the batch.
  const batch = (k: number) => [
    { jsonrpc: "2.0", method: "slow", params: [k], id: `${k}-slow` },
    ...Array.from({ length: 9 }, (_, i) => ({ jsonrpc: "2.0", method: "fast", id: `${k}-${i}` })),
  ];
  for (let k = 0; k < BATCHES; k++) await peer.send(batch(k));
  await until(() => rpc.stats.batchAnswers >= 9, "the first batch's fast answers held");
  for (let k = 0; k < BATCHES; k++) {
    gates[k]!.open();
    const answers = await peer.next();
    assert.deepEqual(
      byId(answers),
      byId([
        { jsonrpc: "2.0", id: `${k}-slow`, result: `slow ${k}` },
        ...Array.from({ length: 9 }, (_, i) => ({ jsonrpc: "2.0", id: `${k}-${i}`, result: "fast" })),
      ]),
    );
  }
  assert.equal(rpc.stats.batches, BATCHES);
  assert.equal(rpc.stats.requests, BATCHES * 10);
  // Every batch held its nine fast answers while its slow call ran; never more than the bound at once.
  assert.ok(rpc.stats.peakBatchAnswers >= 9, `peak ${rpc.stats.peakBatchAnswers}`);
  assert.ok(rpc.stats.peakBatchAnswers <= 4 + 10 - 1, `peak ${rpc.stats.peakBatchAnswers} over the bound of 13`);
  assert.equal(rpc.stats.batchAnswers, 0, "all let go once sent");
  assert.equal(rpc.stats.inFlight, 0);
  peer.close();
  await server.shutdown();
});

test("rpcHandler reads no frame while held batch answers fill the bound, and reads on once the batch is sent", async () => {
  const held = gate();
  const { server, rpc } = await rpcServer({
    slow: () => held.promise.then(() => "slow"),
    fast: () => "fast",
  }, { maxConcurrency: 2, maxBatchSize: 10 });
  const peer = await rawPeer(server);
  await peer.send([
    { jsonrpc: "2.0", method: "slow", id: "a" },
    { jsonrpc: "2.0", method: "fast", id: "b" },
  ]);
  await peer.send({ jsonrpc: "2.0", method: "fast", id: "c" });
  await until(() => rpc.stats.batchAnswers === 1, "the fast answer of the batch held");
  // Running (1) and held (1) fill the bound of 2: "c" is not taken, however long it waits.
  assert.equal(rpc.stats.requests, 2);
  held.open();
  assert.deepEqual(byId(await peer.next()), [
    { jsonrpc: "2.0", id: "a", result: "slow" },
    { jsonrpc: "2.0", id: "b", result: "fast" },
  ]);
  assert.deepEqual(await peer.next(), { jsonrpc: "2.0", id: "c", result: "fast" });
  assert.equal(rpc.stats.requests, 3);
  assert.equal(rpc.stats.peakBatchAnswers, 1);
  peer.close();
  await server.shutdown();
});
