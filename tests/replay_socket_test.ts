/**
 * The socket a gate hands on (a PROXY header read, an authentication step
 * passed): its rest comes first, then the socket's own bytes, through `pull`
 * where the socket under it reads without a promise (Node's adapter here, on
 * every runtime: node:net runs on all three), so that a connection behind a
 * balancer keeps the runtime's fast read path.
 */
import assert from "node:assert/strict";
import { memoryTransport } from "../mod.ts";
import { nodeTransport } from "../src/transport/node.ts";
import { ReplaySocket } from "../src/transport/replay_socket.ts";
import type { RawSocket, Transport } from "../src/transport/types.ts";
import { test } from "./_harness.ts";
import { until } from "./_fixtures.ts";

async function pair(transport: Transport): Promise<{ server: RawSocket; client: RawSocket; close(): void }> {
  let server: RawSocket | undefined;
  const listener = await transport.listen({ hostname: "127.0.0.1", port: 0 }, (socket) => server = socket, () => 0);
  const client = await transport.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  await until(() => server !== undefined, "the accept");
  return {
    server: server!,
    client,
    close() {
      client.close();
      server!.close();
      listener.close();
    },
  };
}

function pulled(socket: RawSocket): Promise<Uint8Array | null> {
  return new Promise((resolve, reject) => socket.pull!(resolve, reject));
}

test("a replay socket over a socket that pulls hands its rest at once, then the socket's bytes, through pull", async () => {
  const { server, client, close } = await pair(nodeTransport);
  try {
    const replay = new ReplaySocket(server, Uint8Array.of(1, 2, 3), 7);
    assert.equal(typeof replay.pull, "function", "pull passed on");
    assert.equal(replay.preambleBytes, 7);
    const first: (Uint8Array | null)[] = [];
    replay.pull!((chunk) => first.push(chunk), (error) => assert.fail(String(error)));
    assert.deepEqual(first, [Uint8Array.of(1, 2, 3)], "the rest, handed before pull returned");
    await client.write(Uint8Array.of(4, 5));
    assert.deepEqual(await pulled(replay), Uint8Array.of(4, 5));
    client.close();
    assert.equal(await pulled(replay), null, "the peer's end, through pull");
  } finally {
    close();
  }
});

test("a replay socket with no rest pulls from the socket from the first read", async () => {
  const { server, client, close } = await pair(nodeTransport);
  try {
    const replay = new ReplaySocket(server, new Uint8Array(0), 0);
    await client.write(Uint8Array.of(9));
    assert.deepEqual(await pulled(replay), Uint8Array.of(9));
  } finally {
    close();
  }
});

test("a replay socket over a socket that does not pull has no pull, and reads its rest first", async () => {
  const { server, client, close } = await pair(memoryTransport());
  try {
    assert.equal(server.pull, undefined, "the memory transport reads with promises only");
    const replay = new ReplaySocket(server, Uint8Array.of(1), 1);
    assert.equal(replay.pull, undefined);
    await client.write(Uint8Array.of(2));
    assert.deepEqual(await replay.read(), Uint8Array.of(1));
    assert.deepEqual(await replay.read(), Uint8Array.of(2));
  } finally {
    close();
  }
});
