/**
 * What a reconnecting connection costs while it is connected: JSON-RPC calls
 * through `rpcClient()` over `connect()` and over `connect({ reconnect })`,
 * server and client in one process, over the memory transport (no socket, so
 * only the client's code differs) or with TRANSPORT=tcp over loopback. Calls
 * one at a time, then 100 in flight; the two clients take turns, ROUNDS
 * times, and each figure is the median. Prints microseconds per call and the
 * reconnecting client's ratio.
 *
 *   deno run -A bench/micro/reconnecting_client.ts     TRANSPORT=tcp bun bench/micro/reconnecting_client.ts
 *   node --import tsx bench/micro/reconnecting_client.ts
 *
 * @module
 */
import process from "node:process";
import { connect, type Connection, memoryTransport, serve, silentLogger } from "../../mod.ts";
import { rpcClient, rpcHandler } from "../../src/edges/rpc/rpc.ts";

const CALLS = Number(process.env.CALLS ?? 20_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);

const transport = process.env.TRANSPORT === "tcp" ? undefined : memoryTransport();
const server = await serve(
  { transport, logger: silentLogger },
  rpcHandler({ add: ([a, b]: [number, number]) => a + b }),
);

async function perCall(reconnect: boolean, inFlight: number): Promise<number> {
  const options = { port: server.addr.port, transport, logger: silentLogger };
  const conn: Connection = reconnect ? await connect({ ...options, reconnect: true }) : await connect(options);
  const rpc = rpcClient(conn);
  const start = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < CALLS) {
      next++;
      await rpc.call("add", [1, 2]);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const micros = (performance.now() - start) * 1000 / CALLS;
  await rpc[Symbol.asyncDispose]();
  return micros;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

console.log(`${transport?.name ?? "tcp"}, ${CALLS} calls, median of ${ROUNDS}:`);
for (const inFlight of [1, 100]) {
  await perCall(false, inFlight); // warm-up
  await perCall(true, inFlight);
  const plain: number[] = [];
  const again: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    plain.push(await perCall(false, inFlight));
    again.push(await perCall(true, inFlight));
  }
  const [p, r] = [median(plain), median(again)];
  console.log(
    `${inFlight} in flight: connect() ${p.toFixed(2)} µs/call, connect({ reconnect }) ${r.toFixed(2)} µs/call, ` +
      `ratio ${(r / p).toFixed(2)}`,
  );
}
await server.shutdown({ quietPeriod: 0 });
