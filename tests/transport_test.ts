import assert from "node:assert/strict";
import * as net from "node:net";
import { encodeFrame } from "../mod.ts";
import { defaultTransport, isBun, isDeno, isNode } from "../src/transport/select.ts";
import process from "node:process";
import { skip, test } from "./_harness.ts";
import { runProgram } from "./_child.ts";
import { client, echoHandler, halfCloseExchange, startServer, until } from "./_fixtures.ts";
import { type CallbackHandler, type Connection, type ConnectionStats, serve, silentLogger } from "../mod.ts";

test("defaultTransport picks this runtime's adapter", async () => {
  const expected = isDeno() ? "deno" : isBun() ? "bun" : isNode() ? "node" : "none";
  assert.equal((await defaultTransport()).name, expected);
  assert.equal([isDeno(), isBun(), isNode()].filter(Boolean).length, 1, "exactly one runtime");
});

/** Replies to every frame once the frame loop has ended, that is once the peer's FIN was read. */
async function echoAfterEnd(conn: Connection): Promise<void> {
  const frames: Uint8Array[] = [];
  for await (const frame of conn) frames.push(frame);
  for (const frame of frames) await conn.send(frame);
}

test("a peer that half-closes after its frames still gets every reply, then the server closes", async () => {
  const { server, ends } = await startServer(echoAfterEnd);
  const frames = [0, 1, 2].map((i) => encodeFrame(new Uint8Array([i, i, i])));
  const received = await halfCloseExchange(server.addr.port, frames);
  assert.deepEqual(received, new Uint8Array(frames.flatMap((frame) => [...frame])));
  assert.equal(ends.length, 1);
  assert.equal(ends[0]!.closeReason, "peer-closed");
  assert.equal(ends[0]!.framesOut, 3);
  await server.shutdown();
});

test("serve({ reusePort }): two servers share one port, and Linux spreads connections over both", async () => {
  const { server: first } = await startServer(echoHandler, { reusePort: true });
  const { server: second } = await startServer(echoHandler, { reusePort: true, port: first.addr.port });
  assert.equal(second.addr.port, first.addr.port);
  const clients = await Promise.all(Array.from({ length: 100 }, () => client(first)));
  await until(() => first.stats.accepted + second.stats.accepted === 100, "every connection accepted");
  assert.ok(
    first.stats.accepted > 0 && second.stats.accepted > 0,
    `${first.stats.accepted} and ${second.stats.accepted}`,
  );
  for (const conn of clients) conn.close();
  await Promise.all([first.shutdown(), second.shutdown()]);
});

test("serve() without reusePort refuses a port in use", async () => {
  const { server } = await startServer(echoHandler);
  await assert.rejects(startServer(echoHandler, { port: server.addr.port }), (error) => {
    assert.match(`${(error as { code?: string }).code} ${error}`, /EADDRINUSE|AddrInUse|address already in use/i);
    return true;
  });
  await server.shutdown();
});

const NATIVE_REUSE_PORT = "serve({ reusePort }) on Deno with --unstable-net listens with Deno.listen's own reusePort";
if (!isDeno()) skip(NATIVE_REUSE_PORT, "Deno's flag; the other runtimes have one reusePort");
else {
  test(NATIVE_REUSE_PORT, async () => {
    const ran = await runProgram(process.execPath, [
      "run",
      "-A",
      "--unstable-net",
      "tests/fixtures/reuse_port_deno.ts",
    ]);
    assert.equal(ran.code, 0, ran.stderr);
    const { first, second, unstableNet } = JSON.parse(ran.stdout.trim()) as Record<string, number | boolean>;
    assert.equal(unstableNet, true, "the adapter's test for the flag holds");
    assert.equal(Number(first) + Number(second), 50);
    assert.ok(Number(first) > 0 && Number(second) > 0, `${first} and ${second}`);
  });
}

test("64 KiB frames that span the server's read buffers come through whole, echoed from the read buffer, bytes counted once", async () => {
  const ends: ConnectionStats[] = [];
  const echoOwned: CallbackHandler = { frame: (conn, frame) => conn.sendOwned(frame) };
  const server = await serve(
    { port: 0, logger: silentLogger, onConnectionEnd: (stats) => void ends.push(stats) },
    echoOwned,
  );
  const count = 48;
  const frames = Array.from({ length: count }, (_, i) => {
    const payload = new Uint8Array(65_536 + (i % 3) * 1000);
    for (let j = 0; j < payload.length; j++) payload[j] = (i * 31 + j * 7) & 0xff;
    return encodeFrame(payload);
  });
  const sent = new Uint8Array(frames.reduce((sum, frame) => sum + frame.length, 0));
  let at = 0;
  for (const frame of frames) {
    sent.set(frame, at);
    at += frame.length;
  }
  const received = await new Promise<Uint8Array>((resolve, reject) => {
    const parts: Uint8Array[] = [];
    let got = 0;
    const socket = net.connect({ host: "127.0.0.1", port: server.addr.port }, () => {
      // Odd-sized writes, so that frames and headers fall across reads anywhere.
      for (let from = 0; from < sent.length; from += 50_001) socket.write(sent.subarray(from, from + 50_001));
    });
    socket.on("data", (chunk: Uint8Array) => {
      parts.push(new Uint8Array(chunk));
      got += chunk.length;
      if (got >= sent.length) socket.end();
    });
    socket.on("close", () => {
      const all = new Uint8Array(got);
      let to = 0;
      for (const part of parts) {
        all.set(part, to);
        to += part.length;
      }
      resolve(all);
    });
    socket.on("error", reject);
  });
  assert.equal(received.length, sent.length);
  assert.ok(received.every((byte, i) => byte === sent[i]), "every byte echoed in order");
  await until(() => ends.length === 1, "the connection's end");
  assert.equal(ends[0]!.bytesIn, sent.length, "each byte read counted once");
  assert.equal(ends[0]!.framesIn, count);
  await server.shutdown();
});
