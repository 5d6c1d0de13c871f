import assert from "node:assert/strict";
import {
  connect,
  ConnectionClosedError,
  DisconnectedError,
  type Handler,
  memoryTransport,
  type ReconnectEvent,
  ReconnectFailedError,
  type ReconnectingConnection,
  type ReconnectOptions,
  serve,
  type Server,
  silentLogger,
  type Transport,
} from "../mod.ts";
import { defaultTransport } from "../src/transport/select.ts";
import { test } from "./_harness.ts";
import { decoder, recordingLogger, text, until } from "./_fixtures.ts";

/**
 * A server on `port`, again. Deno frees a closed listener's port only once
 * its pending accept has been cancelled, a tick after `close()`: a refusal
 * with EADDRINUSE is retried a bounded number of times.
 */
async function serveOn(port: number, handler: Handler, transport?: Transport): Promise<Server> {
  for (let tries = 1;; tries++) {
    try {
      return await serve({ port, transport, logger: silentLogger }, handler);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code !== "EADDRINUSE" || tries === 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

/** The next event of `type` that `conn` tells; rejects after `ms` without one, so that a test's cleanup still runs. */
function nextEvent<T extends ReconnectEvent["type"]>(
  conn: ReconnectingConnection,
  type: T,
  ms = 10_000,
): Promise<Extract<ReconnectEvent, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`No "${type}" event in ${ms} ms`));
    }, ms);
    const stop = conn.subscribe((event) => {
      if (event.type !== type) return;
      clearTimeout(timer);
      stop();
      resolve(event as Extract<ReconnectEvent, { type: T }>);
    });
  });
}

/** Records each frame as text and answers "ok:<text>". */
function recorder(log: string[]): Handler {
  return async (conn) => {
    for await (const frame of conn) {
      log.push(decoder.decode(frame));
      await conn.send(text(`ok:${decoder.decode(frame)}`));
    }
  };
}

/** Reads `conn` in the background, as an RPC client would, so that a loss is seen as it happens. */
function reader(conn: ReconnectingConnection): { frames: string[]; done: Promise<void> } {
  const frames: string[] = [];
  const done = (async () => {
    for await (const frame of conn) frames.push(decoder.decode(frame));
  })();
  return { frames, done };
}

/** A transport that counts its dials. */
function counting(transport: Transport): Transport & { dials: number } {
  const counted = {
    name: transport.name,
    dials: 0,
    listen: transport.listen.bind(transport),
    connect(options: Parameters<Transport["connect"]>[0]) {
      counted.dials++;
      return transport.connect(options);
    },
  };
  return counted;
}

/** Quick retries, exact delays. */
const QUICK: ReconnectOptions = { baseDelay: 0.002, maxDelay: 0.02, random: () => 0.5 };

test("ReconnectingConnection reconnects after the server restarts on the same port, its hook rejoining first", async () => {
  const before: string[] = [];
  let server = await serve({ logger: silentLogger }, recorder(before));
  const port = server.addr.port;
  const hookRuns: number[] = [];
  const client = await connect({
    port,
    logger: silentLogger,
    reconnect: {
      ...QUICK,
      onReconnect: async (conn, info) => {
        hookRuns.push(info.reconnects);
        await conn.send(text("join:lobby"));
      },
    },
  });
  const { frames, done } = reader(client);
  try {
    await client.send(text("join:lobby"));
    await until(() => frames.length === 1, "the first join's answer");
    const lost = nextEvent(client, "disconnect");
    await server.shutdown({ quietPeriod: 0 });
    assert.equal((await lost).reason, "peer-closed");
    assert.equal(client.state, "reconnecting");
    const sent = client.send(text("move:1")); // waits for the next connection
    const after: string[] = [];
    const reconnected = nextEvent(client, "reconnect");
    // The same port again (the client dials it): bounded retries while the old listener lets go of it.
    server = await serveOn(port, recorder(after));
    await sent;
    assert.equal((await reconnected).reconnects, 1);
    await until(() => frames.length === 3, "the answers on the new connection");
    assert.deepEqual(after, ["join:lobby", "move:1"], "the hook's join, then the frame that waited");
    assert.deepEqual(frames, ["ok:join:lobby", "ok:join:lobby", "ok:move:1"]);
    assert.deepEqual(hookRuns, [1]);
    assert.equal(client.reconnectStats.connections, 2);
    assert.equal(client.stats.framesIn, 3, "stats add up every connection's figures");
    assert.equal(client.stats.framesOut, 3);
    client.close();
    await done;
    const final = await client.finished;
    assert.equal(final.closeReason, "closed");
    assert.equal(client.state, "closed");
  } finally {
    // Also when an assertion or a bounded wait above failed: nothing of this test outlives it.
    client.close();
    await server.shutdown({ quietPeriod: 0 });
  }
});

test("ReconnectingConnection back-off grows from baseDelay and is capped at maxDelay", async () => {
  const transport = memoryTransport();
  let server = await serve({ transport, logger: silentLogger }, recorder([]));
  const port = server.addr.port;
  const client = await connect({
    port,
    transport,
    logger: silentLogger,
    reconnect: { baseDelay: 0.001, maxDelay: 0.004, maxRetries: 20, random: () => 0.5 },
  });
  const { done } = reader(client);
  const delays: number[] = [];
  const attempts: number[] = [];
  // What reconnectStats said as each retry was told: compared below, since the kit catches (and logs to the silent
  // logger) whatever a listener throws, so an assertion in here could never fail the test.
  const lastDelays: number[] = [];
  let restarted: Promise<Server> | undefined;
  const reconnected = nextEvent(client, "reconnect");
  client.subscribe((event) => {
    if (event.type !== "retry") return;
    delays.push(event.delay);
    attempts.push(event.attempt);
    lastDelays.push(client.reconnectStats.lastDelay);
    // Listening again during the seventh wait: the seventh dial connects.
    if (event.attempt === 7) restarted = serve({ port, transport, logger: silentLogger }, recorder([]));
  });
  await server.shutdown({ quietPeriod: 0 });
  assert.equal((await reconnected).attempts, 7);
  server = await restarted!;
  // Half of each ceiling (random() is 0.5): 1, 2, 4 ms, then 4 ms, the cap.
  assert.deepEqual(delays, [0.0005, 0.001, 0.002, 0.002, 0.002, 0.002, 0.002]);
  assert.deepEqual(attempts, [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(lastDelays, delays, "reconnectStats.lastDelay is the delay of the retry being told");
  assert.equal(client.reconnectStats.attempts, 7, "counted until the server proves it serves");
  await client.send(text("ping"));
  await until(() => client.reconnectStats.attempts === 0, "the count started again by the answer");
  client.close();
  await done;
  await server.shutdown();
});

test("ReconnectingConnection ends with ReconnectFailedError after maxRetries, rejecting what waits", async () => {
  const server = await serve({ logger: silentLogger }, recorder([]));
  const port = server.addr.port;
  const client = await connect({ port, logger: silentLogger, reconnect: { ...QUICK, maxRetries: 3 } });
  const { frames, done } = reader(client);
  const retries: number[] = [];
  client.subscribe((event) => event.type === "retry" && retries.push(event.attempt));
  const lost = nextEvent(client, "disconnect");
  await server.shutdown({ quietPeriod: 0 }); // and nothing listens on the port again
  await lost;
  const waiting = client.send(text("never sent"));
  const final = await client.finished;
  assert.ok(final.error instanceof ReconnectFailedError);
  assert.equal(final.error.attempts, 3);
  assert.equal((final.error.cause as { code?: string }).code, "ECONNREFUSED");
  assert.equal(final.closeReason, "peer-closed", "the reason the last connection ended");
  await assert.rejects(waiting, (error) => error === final.error);
  await assert.rejects(client.send(text("later")), (error) => error === final.error);
  assert.equal(client.signal.reason, final.error);
  assert.deepEqual(retries, [1, 2, 3]);
  assert.equal(client.state, "closed");
  await done;
  assert.deepEqual(frames, []);
  assert.equal(await client.receive(), undefined);
});

test("ReconnectingConnection counts connections a server closes at once, and gives up at maxRetries", async () => {
  const transport = memoryTransport();
  const server = await serve({ transport, logger: silentLogger }, recorder([]));
  const port = server.addr.port;
  const client = await connect({ port, transport, logger: silentLogger, reconnect: { ...QUICK, maxRetries: 4 } });
  const { done } = reader(client);
  const lost = nextEvent(client, "disconnect");
  await server.shutdown({ quietPeriod: 0 });
  await lost;
  // Accepts, then closes at once: each reconnect is lost before the server proves it serves.
  const slammer = await serve({ port, transport, logger: silentLogger }, () => {});
  const final = await client.finished;
  assert.ok(final.error instanceof ReconnectFailedError, String(final.error));
  assert.equal(final.error.attempts, 4);
  assert.equal(slammer.stats.accepted, 4, "every retry connected, none counted as served");
  await done;
  await slammer.shutdown();
});

test("ReconnectingConnection.close during a back-off wait stops it: no dial, no timer left", async () => {
  const transport = counting(await defaultTransport());
  const server = await serve({ logger: silentLogger }, recorder([]));
  // One wait of 500 seconds: the test ends long before it unless close() clears it.
  const client = await connect({
    port: server.addr.port,
    transport,
    logger: silentLogger,
    reconnect: { baseDelay: 1000, maxDelay: 1000, random: () => 0.5 },
  });
  const { done } = reader(client);
  const retry = nextEvent(client, "retry");
  await server.shutdown({ quietPeriod: 0 });
  assert.equal((await retry).delay, 500);
  const waiting = client.send(text("never sent"));
  client.close();
  await assert.rejects(waiting, (error) => error instanceof ConnectionClosedError && error.reason === "closed");
  const final = await client.finished;
  assert.equal(final.closeReason, "closed");
  await done;
  assert.equal(transport.dials, 1, "only the first dial");
  assert.equal(client.reconnectStats.attempts, 0);
});

test("ReconnectingConnection: aborting the signal during a back-off wait ends it with the signal's reason", async () => {
  const transport = memoryTransport();
  const server = await serve({ transport, logger: silentLogger }, recorder([]));
  const controller = new AbortController();
  const client = await connect({
    port: server.addr.port,
    transport,
    logger: silentLogger,
    signal: controller.signal,
    reconnect: { baseDelay: 1000, maxDelay: 1000, random: () => 0.5 },
  });
  const { done } = reader(client);
  const retry = nextEvent(client, "retry");
  await server.shutdown({ quietPeriod: 0 });
  await retry;
  const reason = new Error("leaving");
  controller.abort(reason);
  const final = await client.finished;
  assert.equal(final.closeReason, "aborted");
  assert.equal(final.error, reason);
  assert.equal(client.signal.reason, reason);
  await done;
});

test("ReconnectingConnection with whileDisconnected fail refuses sends at once while disconnected", async () => {
  const transport = memoryTransport();
  let server = await serve({ transport, logger: silentLogger }, recorder([]));
  const port = server.addr.port;
  const client = await connect({
    port,
    transport,
    logger: silentLogger,
    reconnect: { ...QUICK, whileDisconnected: "fail" },
  });
  const { frames, done } = reader(client);
  const lost = nextEvent(client, "disconnect");
  await server.shutdown({ quietPeriod: 0 });
  await lost;
  await assert.rejects(client.send(text("now")), (error) => error instanceof DisconnectedError && !error.queueFull);
  assert.equal(client.reconnectStats.refusedSends, 1);
  const after: string[] = [];
  const reconnected = nextEvent(client, "reconnect");
  server = await serve({ port, transport, logger: silentLogger }, recorder(after));
  await reconnected;
  await client.send(text("back"));
  await until(() => frames.length === 1, "the answer");
  assert.deepEqual(after, ["back"]);
  client.close();
  await done;
  await server.shutdown();
});

test("ReconnectingConnection: frames wait within maxWaitingBytes, and one whose signal aborts is never sent", async () => {
  const transport = memoryTransport();
  let server = await serve({ transport, logger: silentLogger }, recorder([]));
  const port = server.addr.port;
  // Each 4-byte payload takes 8 bytes with its header: two fit.
  const client = await connect({ port, transport, logger: silentLogger, reconnect: { ...QUICK, maxWaitingBytes: 16 } });
  const { frames, done } = reader(client);
  const lost = nextEvent(client, "disconnect");
  await server.shutdown({ quietPeriod: 0 });
  await lost;
  const controller = new AbortController();
  const first = client.send(text("wait"));
  const withdrawn = client.send(text("drop"), { signal: controller.signal });
  await assert.rejects(client.send(text("full")), (error) => error instanceof DisconnectedError && error.queueFull);
  assert.equal(client.reconnectStats.waitingBytes, 16);
  const reason = new Error("timed out");
  controller.abort(reason);
  await assert.rejects(withdrawn, (error) => error === reason);
  assert.deepEqual([client.reconnectStats.waitingSends, client.reconnectStats.waitingBytes], [1, 8]);
  const after: string[] = [];
  server = await serve({ port, transport, logger: silentLogger }, recorder(after));
  await first;
  await until(() => frames.length === 1, "the answer");
  assert.deepEqual(after, ["wait"]);
  assert.equal(client.reconnectStats.refusedSends, 1);
  client.close();
  await done;
  await server.shutdown();
});

test("ReconnectingConnection hands out a lost connection's frames before the next one's, and tells the loss between", async () => {
  const transport = memoryTransport();
  let server = await serve({ transport, logger: silentLogger }, async (conn) => {
    for (const word of ["a", "b", "c"]) await conn.send(text(word));
  });
  const port = server.addr.port;
  const client = await connect({ port, transport, logger: silentLogger, reconnect: QUICK });
  const log: string[] = [];
  client.subscribe((event) => log.push(event.type));
  const frame = async () => log.push(decoder.decode(await client.receive()));
  await frame(); // "a"; "b" and "c" came in the same chunk and wait unread
  await server.shutdown({ quietPeriod: 0 });
  // A write to the closed peer fails: the loss is known while two frames are still unread.
  await client.send(text("x"));
  await until(() => client.state === "reconnecting", "the loss");
  server = await serve({ port, transport, logger: silentLogger }, async (conn) => {
    await conn.send(text("d"));
    for await (const _ of conn) { /* until the client leaves */ }
  });
  await until(() => server.stats.accepted === 1, "the new connection");
  assert.equal(client.reconnectStats.connections, 1, "not used before the old one's frames are read");
  await frame();
  await frame();
  await frame();
  // (The reconnect event comes when the hook is done, on no frame's schedule.)
  assert.deepEqual(log.filter((entry) => entry !== "retry" && entry !== "reconnect"), [
    "a",
    "b",
    "c",
    "disconnect",
    "d",
  ]);
  await until(() => client.state === "open", "the reconnect");
  client.close();
  await client.finished;
  await server.shutdown();
});

test("ReconnectingConnection: a send waiting for room in a lost connection waits for the next one, in order", async () => {
  const transport = memoryTransport({ bufferSize: 16 });
  // A server that reads nothing: the client's outbox fills and its sends wait for room.
  let server = await serve(
    { transport, logger: silentLogger },
    (conn) => new Promise<void>((resolve) => conn.signal.addEventListener("abort", () => resolve())),
  );
  const port = server.addr.port;
  const client = await connect({ port, transport, logger: silentLogger, highWaterMark: 32, reconnect: QUICK });
  // 8 bytes each with the header: four fill the outbox, the rest wait for room.
  const name = (i: number) => `f${String(i).padStart(3, "0")}`;
  const sends = Array.from({ length: 20 }, (_, i) => client.send(text(name(i))));
  await until(() => client.stats.outboxBytes >= 32, "a full outbox");
  await server.shutdown({ quietPeriod: 0, timeout: 0.01 });
  await until(() => client.reconnectStats.waitingSends > 0, "the sends handed back");
  const after: string[] = [];
  server = await serve({ port, transport, logger: silentLogger }, recorder(after));
  await Promise.all(sends);
  await until(() => after.includes(name(19)), "the last frame");
  const first = Number(after[0]!.slice(1));
  assert.ok(first > 0, "the frames the old outbox had taken were lost with it");
  assert.deepEqual(after, Array.from({ length: 20 - first }, (_, i) => name(first + i)));
  client.close();
  await client.finished;
  await server.shutdown();
});

test("ReconnectingConnection: a hook that throws counts as a failed attempt and runs again on the next connection", async () => {
  const transport = memoryTransport();
  let server = await serve({ transport, logger: silentLogger }, recorder([]));
  const port = server.addr.port;
  const refused = new Error("login refused");
  let calls = 0;
  const logger = recordingLogger();
  const client = await connect({
    port,
    transport,
    logger,
    reconnect: {
      ...QUICK,
      onReconnect: (conn) => {
        if (++calls === 1) throw refused;
        return conn.send(text("login"));
      },
    },
  });
  const { done } = reader(client);
  const errors: unknown[] = [];
  client.subscribe((event) => event.type === "retry" && errors.push(event.error));
  await server.shutdown({ quietPeriod: 0 });
  await until(() => errors.length > 0, "the loss");
  const after: string[] = [];
  const reconnected = nextEvent(client, "reconnect");
  server = await serve({ port, transport, logger: silentLogger }, recorder(after));
  assert.equal((await reconnected).attempts, errors.length, "every retry counted, the failed hook's included");
  assert.equal(calls, 2);
  assert.ok(errors.includes(refused), "the hook's error is the next retry's reason");
  assert.equal(server.stats.accepted, 2, "the connection whose hook failed was closed");
  await until(() => after.length === 1, "the login");
  assert.equal(client.reconnectStats.connections, 3);
  const warning = logger.records.find((record) => record.level === "warn");
  assert.equal(warning?.message, "reconnect hook of connection {id} failed: {error}");
  assert.equal(warning?.properties?.error, refused);
  client.close();
  await done;
  await server.shutdown();
});

test("connect refuses bad reconnect options before it dials", async () => {
  const transport = counting(memoryTransport());
  const bad: Array<[ReconnectOptions, string, RegExp]> = [
    [{ baseDelay: 0 }, "RangeError", /^Cannot use baseDelay 0: must be a positive number of seconds up to 2147483$/],
    [{ maxDelay: 3e6 }, "RangeError", /^Cannot use maxDelay 3000000:/],
    [{ maxRetries: 1.5 }, "RangeError", /^Cannot use maxRetries 1.5: must be a non-negative integer \(attempts\)$/],
    [{ maxWaitingBytes: -1 }, "RangeError", /^Cannot use maxWaitingBytes -1:/],
    [
      { whileDisconnected: "queue" as "wait" },
      "TypeError",
      /^Cannot use whileDisconnected "queue": must be one of wait, fail$/,
    ],
    [{ onReconnect: "login" as unknown as () => void }, "TypeError", /^Cannot use onReconnect: must be a function$/],
  ];
  for (const [reconnect, name, message] of bad) {
    await assert.rejects(connect({ port: 7000, transport, reconnect }), { name, message });
  }
  assert.equal(transport.dials, 0);
});
