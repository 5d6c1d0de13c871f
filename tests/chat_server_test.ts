import assert from "node:assert/strict";
import { connect, silentLogger } from "../mod.ts";
import { chat } from "../examples/chat.ts";
import { startChild } from "./_child.ts";
import { test } from "./_harness.ts";
import { client, decoder, startServer, take, text, until } from "./_fixtures.ts";

test("chat_server relays lines to the others, answers /who, and posts /to into one mailbox", async () => {
  const { server } = await startServer(chat);
  const alice = await client(server);
  await until(() => server.size === 1, "alice registered");
  const bob = await client(server);
  await until(() => server.size === 2, "bob registered");
  const [aliceId, bobId] = [...server.connections()].map((c) => c.id);
  assert.equal(decoder.decode((await take(alice, 1))[0]), `${bobId} joined`);

  await alice.send(text("hello"));
  assert.equal(decoder.decode((await take(bob, 1))[0]), `${aliceId}: hello`);

  await bob.send(text("/who"));
  assert.equal(decoder.decode((await take(bob, 1))[0]), `online: ${aliceId} ${bobId}`);

  await bob.send(text(`/to ${aliceId} psst`));
  assert.equal(decoder.decode((await take(alice, 1))[0]), `${bobId} (private): psst`);
  await bob.send(text("/to 999 anyone?"));
  assert.equal(decoder.decode((await take(bob, 1))[0]), "no connection 999");

  bob.close();
  assert.equal(decoder.decode((await take(alice, 1))[0]), `${bobId} left`);
  alice.close();
  await server.shutdown();
});

test("chat_server starts on this runtime, relays a line, and exits 0 on SIGTERM", async () => {
  const child = await startChild("examples/chat_server.ts", ["--port", "0"]);
  const alice = await connect({ port: child.port, logger: silentLogger });
  const bob = await connect({ port: child.port, logger: silentLogger });
  await take(alice, 1); // bob joined
  await alice.send(text("hi"));
  assert.match(decoder.decode((await take(bob, 1))[0]), /^\d+: hi$/);
  child.kill("SIGTERM");
  assert.equal(await child.exited, 0, child.output());
});
