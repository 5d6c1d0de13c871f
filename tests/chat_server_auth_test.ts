/**
 * The chat server on a nats-server that asks for a user and password: the
 * credentials from the URL, or --nats-user with NATS_PASSWORD from the
 * environment (off the process list); two such nodes relay to each other;
 * neither prints the password; a wrong one is a usage error (exit 2) that
 * does not print it either.
 *
 * @module
 */
import assert from "node:assert/strict";
import process from "node:process";
import { connect, type Connection, silentLogger } from "../mod.ts";
import { runProgram, runtimeArgs, startChild } from "./_child.ts";
import { engineMissing, startEngine } from "./_engines.ts";
import { skip, test } from "./_harness.ts";
import { decoder, text, until } from "./_fixtures.ts";
import { isDeno } from "../src/transport/select.ts";

const SECRET = "s3cret-of-the-chat";
const name = "chat_server --nats with a user and password: from the URL or the environment, never printed";

async function listener(port: number): Promise<{ conn: Connection; lines: string[] }> {
  const conn = await connect({ port, logger: silentLogger });
  const lines: string[] = [];
  void (async () => {
    for await (const frame of conn) lines.push(decoder.decode(frame));
  })();
  return { conn, lines };
}

const missing = engineMissing("nats");
if (missing !== undefined) skip(name, missing);
else {
  test(name, async () => {
    const engine = await startEngine("nats", ["--user", "spawn", "--pass", SECRET]);
    const at = `127.0.0.1:${engine.port}`;
    const script = "examples/chat_server.ts";
    const servers = await Promise.all([
      startChild(script, ["--port", "0", "--nats", `nats://spawn:${SECRET}@${at}`]),
      startChild(script, ["--port", "0", "--nats", `nats://${at}`, "--nats-user", "spawn"], { NATS_PASSWORD: SECRET }),
    ]);
    try {
      const [alice, bob] = await Promise.all(servers.map((server) => listener(server.port)));
      let attempt = 0;
      await until(
        () => bob!.lines.some((line) => line.endsWith(": across")),
        "a line from one node to the other",
        15_000,
        async () => {
          if (attempt++ % 20 === 0) await alice!.conn.send(text("across"));
        },
      );
      for (const server of servers) {
        assert.match(server.output(), new RegExp(`of the cluster on nats://(\\*\\*\\*@)?${at.replaceAll(".", "\\.")}`));
        assert.ok(!server.output().includes(SECRET), server.output());
      }
      assert.match(servers[0]!.output(), /nats:\/\/\*\*\*@/, "the URL's credentials shown as ***");
      for (const client of [alice!, bob!]) client.conn.close();
      for (const server of servers) server.kill("SIGTERM");
      for (const server of servers) assert.equal(await server.exited, 0, server.output());
      // A wrong password: a usage error, and the password is not in it. Not on Deno, where a refused NATS connection
      // sometimes ends in an uncaught ECONNRESET from the client's socket (engine_auth_test.ts says more).
      if (isDeno()) return;
      const wrong = await runProgram(
        process.execPath,
        runtimeArgs(script, ["--port", "0", "--nats", `nats://${at}`, "--nats-user", "spawn"]),
        { NATS_PASSWORD: `${SECRET}-wrong` },
      );
      assert.equal(wrong.code, 2, wrong.stderr);
      assert.match(wrong.stderr, /Authorization/i);
      assert.ok(!`${wrong.stdout}${wrong.stderr}`.includes(SECRET), wrong.stderr);
    } finally {
      for (const server of servers) {
        try {
          server.kill("SIGKILL");
        } catch {
          // exited already
        }
      }
      await engine.stop();
    }
  });
}
