import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { acceptErrorKind, AcceptErrors, errorCode } from "../src/core/server/accept_errors.ts";
import { test } from "./_harness.ts";
import { runtimeArgs, startProgram } from "./_child.ts";
import { connect, silentLogger } from "../mod.ts";
import { isDeno } from "../src/transport/select.ts";
import { client, decoder, echoHandler, recordingLogger, startServer, take, text, until } from "./_fixtures.ts";

const STORM = new URL("./fixtures/reset_storm.ts", import.meta.url).pathname;

const withCode = (code: string) => Object.assign(new Error(`failed: ${code}`), { code });

test("errorCode reads a code, an os error number, or a name", () => {
  assert.equal(errorCode(withCode("ECONNRESET")), "ECONNRESET");
  assert.equal(errorCode(new Error("Transport endpoint is not connected (os error 107)")), "ENOTCONN");
  assert.equal(errorCode(new Error("Too many open files (os error 24)")), "EMFILE");
  assert.equal(errorCode(new TypeError("odd")), "TypeError");
  assert.equal(errorCode("a string"), "unknown");
});

test("acceptErrorKind: one connection's faults, exhaustion, and the rest", () => {
  for (const code of ["ENOTCONN", "ECONNABORTED", "ECONNRESET", "EPROTO"]) {
    assert.equal(acceptErrorKind(withCode(code)), "connection", code);
  }
  for (const code of ["EMFILE", "ENFILE", "ENOBUFS", "ENOMEM"]) {
    assert.equal(acceptErrorKind(withCode(code)), "exhaustion", code);
  }
  assert.equal(acceptErrorKind(withCode("EINVAL")), "other");
});

test("AcceptErrors: a connection's fault never pauses and writes no line above debug", () => {
  const logger = recordingLogger();
  const errors = new AcceptErrors(logger, () => 0);
  for (let i = 0; i < 500; i++) assert.equal(errors.onError(withCode("ENOTCONN")), 0);
  assert.equal(errors.pauses, 0);
  assert.deepEqual(errors.counts, { ENOTCONN: 500 });
  assert.deepEqual(logger.records.map((r) => r.level), ["debug"]);
});

test("AcceptErrors: exhaustion pauses 100 ms each time, logged once a second with the count", () => {
  const logger = recordingLogger();
  let now = 0;
  const errors = new AcceptErrors(logger, () => now);
  for (let i = 0; i < 10; i++) {
    assert.equal(errors.onError(withCode("EMFILE")), 100);
    now += 100;
  }
  errors.flush();
  assert.equal(errors.pauses, 10);
  const lines = logger.records.filter((r) => r.level === "warn");
  assert.equal(lines.length, 2, JSON.stringify(lines));
  assert.match(lines[0]!.message, /pausing accepts for \{ms\} ms/);
  assert.equal(lines[1]!.properties?.count, 9);
  assert.match(lines[1]!.message, /more accepts failed with EMFILE in the last second/);
});

test("AcceptErrors: unknown errors in a row pause, so that a broken listener does not spin", () => {
  const errors = new AcceptErrors(recordingLogger(), () => 0);
  const waits = Array.from({ length: 16 }, () => errors.onError(withCode("EINVAL")));
  assert.deepEqual(waits.slice(0, 15), Array(15).fill(0));
  assert.equal(waits[15], 100);
  errors.onAccept();
  assert.equal(errors.onError(withCode("EINVAL")), 0, "an accept in between starts the count again");
});

test("serve keeps accepting at once through a storm of connections reset before they were accepted", async () => {
  const { server, logger } = await startServer(echoHandler);
  // spawnSync blocks this process's event loop while the child connects and resets: every
  // connection of the storm is reset before the server gets to accept it.
  const storm = spawnSync(process.execPath, runtimeArgs(STORM, [String(server.addr.port), "200"]), {
    encoding: "utf8",
    timeout: 30_000,
  });
  assert.equal(storm.status, 0, storm.stderr);
  const resets = Number(/connected=(\d+)/.exec(storm.stdout)?.[1]);
  assert.ok(resets > 0, storm.stdout);

  const fresh = await client(server);
  await fresh.send(text("after the storm"));
  assert.equal(decoder.decode((await take(fresh, 1))[0]), "after the storm");
  // Every reset connection is accounted for: an accept error, or a connection that then failed.
  const accounted = () => server.stats.accepted - 1 + (server.stats.acceptErrors.ENOTCONN ?? 0);
  await until(() => accounted() === resets, `${resets} reset connections counted`);
  assert.equal(server.stats.acceptPauses, 0, "the accept loop never paused");
  assert.ok(
    !logger.records.some((r) => r.level === "warn" || r.level === "error"),
    JSON.stringify(logger.records.filter((r) => r.level !== "debug")),
  );
  fresh.close();
  await server.shutdown();
});

test("echo_server out of file descriptors: serves again once they are freed, and says so once a second", async () => {
  const script = new URL("../examples/echo_server.ts", import.meta.url).pathname;
  const command = [process.execPath, ...runtimeArgs(script, ["--port", "0"])].map((arg) => `'${arg}'`).join(" ");
  // 100 descriptors: a few dozen connections exhaust them.
  const server = await startProgram("bash", ["-c", `ulimit -n 100 && exec ${command}`], "echo_server");
  const clients = [];
  try {
    for (let i = 0; i < 150; i++) clients.push(await connect({ port: server.port, logger: silentLogger }));
    await Promise.all(clients.map((conn) => conn.send(text("hi"))));
    // Deno's accept loop is the kit's own: it pauses, and says so once a second with the count. Node's (libuv)
    // closes the connections it cannot take, Bun's leaves them waiting: neither reports an error.
    if (isDeno()) await until(() => /more accepts failed with EMFILE/.test(server.output()), "a summary line");
  } finally {
    for (const conn of clients) conn.close();
  }
  // The server frees the descriptors as the closes reach it; until then, Node's libuv closes a new
  // connection it cannot take. A fresh connection is served once they are free.
  let echoed: string | undefined;
  await until(() => echoed === "after", "a fresh connection served", 10_000, async () => {
    const fresh = await connect({ port: server.port, logger: silentLogger });
    await fresh.send(text("after")).catch(() => {});
    const [frame] = await take(fresh, 1);
    fresh.close();
    echoed = frame === undefined ? undefined : decoder.decode(frame);
  });
  server.kill("SIGTERM");
  assert.equal(await server.exited, 0, server.output());
  if (isDeno()) {
    const lines = server.output().split("\n").filter((line) => line.includes("EMFILE"));
    assert.ok(lines.some((line) => line.includes("pausing accepts for 100 ms")), lines.join("\n"));
    assert.ok(!server.output().includes("    at "), "no stack traces");
  }
});
