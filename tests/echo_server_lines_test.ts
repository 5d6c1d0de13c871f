/**
 * `examples/echo_server.ts --framing lines`: each line is a frame, so a raw
 * TCP client such as `nc 127.0.0.1 7000` is an echo client. The client here is
 * a plain node:net socket that writes bytes as nc does (no framing of its own),
 * in pieces that cut lines anywhere.
 *
 * @module
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import { test } from "./_harness.ts";
import { runToEnd, startChild } from "./_child.ts";
import { concat, decoder, halfCloseExchange, text } from "./_fixtures.ts";

const SCRIPT = "examples/echo_server.ts";

/** Writes `pieces` one by one to a raw socket, waits for `expected` bytes back (or the close), then closes. */
function rawExchange(port: number, pieces: string[], expected: number): Promise<{ bytes: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const parts: Uint8Array[] = [];
    let received = 0;
    const socket = net.connect({ host: "127.0.0.1", port }, async () => {
      // Each piece in a write of its own, after the previous one is taken: lines arrive cut where the pieces cut them.
      for (const piece of pieces) await new Promise<void>((done) => socket.write(piece, () => done()));
    });
    const finish = (closed: boolean) => {
      socket.destroy();
      resolve({ bytes: decoder.decode(concat(parts)), closed });
    };
    socket.on("data", (chunk: Uint8Array) => {
      parts.push(new Uint8Array(chunk));
      received += chunk.length;
      if (received >= expected) finish(false);
    });
    socket.on("close", () => finish(true));
    socket.on("error", (error: NodeJS.ErrnoException) => error.code === "ECONNRESET" ? finish(true) : reject(error));
  });
}

test("echo_server --framing lines echoes lines to a raw socket, cut anywhere, CR and all", async () => {
  const child = await startChild(SCRIPT, ["--port", "0", "--framing", "lines"]);
  try {
    const sent = ["hel", "lo\nwor", "ld\r\n", "\n", "last line\n"];
    const { bytes, closed } = await rawExchange(child.port, sent, sent.join("").length);
    assert.equal(bytes, "hello\nworld\r\n\nlast line\n");
    assert.equal(closed, false, "still open after echoing");
    // nc -N: the client half-closes once its input ends and reads what is left.
    const rest = await halfCloseExchange(child.port, [text("one\ntwo\n")]);
    assert.equal(decoder.decode(rest), "one\ntwo\n");
  } finally {
    child.kill("SIGTERM");
    assert.equal(await child.exited, 0, child.output());
  }
});

test("echo_server --framing lines closes a connection whose line outgrows --max-frame-size, and serves the next", async () => {
  const child = await startChild(SCRIPT, ["--port", "0", "--framing", "lines", "--max-frame-size", "8"]);
  try {
    // A peer that never sends its LF: refused at 9 bytes, whatever it sends after.
    const { bytes, closed } = await rawExchange(child.port, ["12345678", "9", "0".repeat(64)], 1);
    assert.equal(bytes, "");
    assert.equal(closed, true);
    const next = await halfCloseExchange(child.port, [text("12345678\n")]);
    assert.equal(decoder.decode(next), "12345678\n", "a line of exactly the limit is echoed");
  } finally {
    child.kill("SIGTERM");
    assert.equal(await child.exited, 0, child.output());
  }
});

test("echo_server --framing lines --workers 2: every worker speaks lines", async () => {
  const child = await startChild(SCRIPT, ["--port", "0", "--framing", "lines", "--workers", "2"]);
  try {
    // Four connections, so that both workers are likely to take some; each must answer in lines.
    const answers = await Promise.all(
      [1, 2, 3, 4].map((n) => halfCloseExchange(child.port, [text(`worker line ${n}\n`)])),
    );
    assert.deepEqual(answers.map((bytes) => decoder.decode(bytes)), [1, 2, 3, 4].map((n) => `worker line ${n}\n`));
  } finally {
    child.kill("SIGTERM");
    assert.equal(await child.exited, 0, child.output());
  }
});

for (
  const [args, message] of [
    [["--framing", "json"], /--framing must be one of length, lines, got "json"/],
    [["--framing", "lines", "--packet", "2"], /--packet applies to --framing length only/],
  ] as const
) {
  test(`echo_server refuses ${args.join(" ")} with one line and exit code 2`, async () => {
    const { code, stderr } = await runToEnd(SCRIPT, [...args]);
    assert.equal(code, 2);
    assert.match(stderr, message);
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
  });
}
