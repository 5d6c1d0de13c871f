/**
 * Closing a socket to a peer that never reads, and never closes, must give
 * the server's descriptor back: a refused connection's goodbye that the peer
 * does not take, a connection closed with nothing pending (Bun's `end()` is
 * a half-close that waits for the peer's own), and one force-closed with a
 * write pending. Seen from the kernel: the server's side of the TCP
 * connection (in /proc/net/tcp) belongs to no descriptor any more.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { type Connection, encodeFrame } from "../mod.ts";
import { skip, test } from "./_harness.ts";
import { rawConnect, startServer, until } from "./_fixtures.ts";
import type { RawSocket } from "../src/transport/types.ts";

// More than the socket buffers take for a peer that reads nothing: a write of it never completes.
const BIG = 16 * 1024 * 1024;

/**
 * Whether a descriptor still holds the server's side of the TCP connection
 * from `peerPort` to `serverPort`: a line of /proc/net/tcp{,6} with those
 * ports and an inode other than 0 (a socket the kernel finishes alone, an
 * orphan, has none).
 */
function serverSideHeld(serverPort: number, peerPort: number): boolean {
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, "utf8").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const local = parseInt(fields[1]!.split(":")[1]!, 16);
      const remote = parseInt(fields[2]!.split(":")[1]!, 16);
      if (local === serverPort && remote === peerPort && fields[9] !== "0") return true;
    }
  }
  return false;
}

/** A peer that connects, never reads and never closes until the test ends. */
async function silentPeer(server: { readonly addr: { port: number } }): Promise<RawSocket> {
  return await rawConnect(server as Parameters<typeof rawConnect>[0]);
}

const register = existsSync("/proc/net/tcp")
  ? test
  : (name: string) => skip(name, "no /proc/net/tcp here: the kernel's sockets cannot be seen (Linux only)");

register("a refused connection's goodbye to a peer that never reads does not hold the server's socket", async () => {
  const { server } = await startServer(async (conn: Connection) => {
    for await (const frame of conn) await conn.send(frame);
  }, { maxConnections: 1, goodbye: new Uint8Array(BIG), maxFrameSize: BIG });
  await using _ = server;
  const first = await silentPeer(server);
  await until(() => server.stats.active === 1, "the first connection to count");
  const refused = await silentPeer(server);
  try {
    await until(() => server.stats.refused["max-connections"] === 1, "the refusal");
    await until(
      () => !serverSideHeld(server.addr.port, refused.localAddr.port),
      "the refused socket's descriptor to go, although its goodbye was never read",
    );
    assert.equal(server.stats.active, 1);
  } finally {
    refused.close();
    first.close();
  }
});

register(
  "a connection the server ends, to a peer that neither reads nor closes, gives its descriptor back",
  async () => {
    const { server, ends } = await startServer((conn: Connection) => conn.send(encodeFrame(new Uint8Array(10))));
    await using _ = server;
    const peer = await silentPeer(server);
    try {
      await until(() => ends.length === 1, "the handler's end");
      await until(
        () => !serverSideHeld(server.addr.port, peer.localAddr.port),
        "the server's descriptor to go while the peer stays silent and open",
      );
    } finally {
      peer.close();
    }
  },
);

register(
  "a connection force-closed with a write pending to a peer that never reads gives its descriptor back",
  async () => {
    const { server, ends } = await startServer(
      (conn: Connection) => void conn.send(new Uint8Array(BIG)).catch(() => {}),
      { maxFrameSize: BIG, closeTimeout: 0.2, tickInterval: 0.1 },
    );
    await using _ = server;
    const peer = await silentPeer(server);
    try {
      await until(() => ends.length === 1, "the force-close after closeTimeout");
      assert.ok(ends[0]!.outboxBytes > 0 || ends[0]!.bytesOut < BIG, "the peer had not taken the frame");
      await until(
        () => !serverSideHeld(server.addr.port, peer.localAddr.port),
        "the server's descriptor to go while its write is still pending",
      );
    } finally {
      peer.close();
    }
  },
);
