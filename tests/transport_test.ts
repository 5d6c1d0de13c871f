import assert from "node:assert/strict";
import * as net from "node:net";
import { encodeFrame } from "../mod.ts";
import { defaultTransport, isBun, isDeno, isNode } from "../src/transport/select.ts";
import { test } from "./_harness.ts";
import { startServer } from "./_fixtures.ts";
import type { Connection } from "../mod.ts";

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
  const received = await new Promise<Uint8Array>((resolve, reject) => {
    const parts: Uint8Array[] = [];
    const socket = net.connect({ host: "127.0.0.1", port: server.addr.port, allowHalfOpen: true }, () => {
      for (const frame of frames) socket.write(frame);
      socket.end(); // FIN: nothing more from this side, and still reading
    });
    socket.on("data", (chunk: Uint8Array) => parts.push(new Uint8Array(chunk)));
    socket.on("end", () => socket.end());
    socket.on("close", () => resolve(new Uint8Array(parts.flatMap((part) => [...part]))));
    socket.on("error", reject);
  });
  assert.deepEqual(received, new Uint8Array(frames.flatMap((frame) => [...frame])));
  assert.equal(ends.length, 1);
  assert.equal(ends[0]!.closeReason, "peer-closed");
  assert.equal(ends[0]!.framesOut, 3);
  await server.shutdown();
});
