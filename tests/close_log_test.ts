import assert from "node:assert/strict";
import { type ConnectionStats, encodeFrame, FrameTooLargeError, GuardError, TruncatedFrameError } from "../mod.ts";
import { CloseLog, describeClose } from "../src/core/server/close_log.ts";
import { LogLimiter } from "../src/core/log_limiter.ts";
import { test } from "./_harness.ts";
import { echoHandler, rawConnect, readToEnd, recordingLogger, startServer, until } from "./_fixtures.ts";

function stats(id: number, closeReason: ConnectionStats["closeReason"], error?: unknown): ConnectionStats {
  const addr = { hostname: "192.0.2.7", port: 40000 + id };
  return {
    id,
    remoteAddr: addr,
    localAddr: { hostname: "127.0.0.1", port: 7000 },
    openedAt: 0,
    closedAt: 1,
    durationMs: 1,
    bytesIn: 0,
    bytesOut: 0,
    framesIn: 0,
    framesOut: 0,
    framesDropped: 0,
    messagesIn: 0,
    messagesDropped: 0,
    outboxBytes: 0,
    outboxPeak: 0,
    closeReason,
    error,
  };
}

test("describeClose names the figure that tripped", () => {
  const properties: Record<string, unknown> = {};
  assert.equal(
    describeClose(new FrameTooLargeError("decode frame", 300000, 262144), properties),
    "300000 bytes announced, limit 262144",
  );
  assert.deepEqual(properties, { length: 300000, limit: 262144 });
  assert.equal(describeClose(new TruncatedFrameError(3)), "ended after 3 bytes of a header");
  assert.equal(describeClose(new TruncatedFrameError(10, 104)), "ended after 10 of 104 bytes");
  assert.equal(
    describeClose(new GuardError("rate-limit", "over 100 bytes per second, 20 over budget", 100)),
    "over 100 bytes per second, 20 over budget",
  );
  assert.equal(describeClose(Object.assign(new Error("reset"), { code: "ECONNRESET" })), "ECONNRESET");
  assert.equal(describeClose(undefined), undefined);
});

test("CloseLog: a guard's close is one info line with id, remote, reason and detail; no error object", () => {
  const logger = recordingLogger();
  new CloseLog(logger).closed(stats(4, "idle-timeout", new GuardError("idle-timeout", "no frame for 30 seconds", 30)));
  assert.deepEqual(logger.records, [{
    level: "info",
    message: "connection {id} from {remote} closed: {reason} ({detail})",
    properties: {
      id: 4,
      remote: "192.0.2.7:40004",
      reason: "idle-timeout",
      limit: 30,
      detail: "no frame for 30 seconds",
    },
  }]);
});

test("CloseLog: a plain reset is a debug line; a handler's throw is an error line with the error", () => {
  const logger = recordingLogger();
  const log = new CloseLog(logger);
  log.closed(stats(1, "socket-error", Object.assign(new Error("reset"), { code: "ECONNRESET" })));
  const thrown = new Error("bug in the handler");
  log.closed(stats(2, "handler-error", thrown));
  assert.deepEqual(logger.records.map((r) => r.level), ["debug", "error", "debug"]);
  assert.equal(logger.records[1]!.properties?.error, thrown);
  assert.equal(logger.records[0]!.properties?.detail, "ECONNRESET");
});

test("CloseLog: a burst of one reason is five lines, then one line with the count", () => {
  const logger = recordingLogger();
  let now = 0;
  const log = new CloseLog(logger);
  // The clock of the limiter inside: a limiter of its own with the same rule, to step time by hand.
  const limiter = new LogLimiter(logger, { burst: 5, now: () => now });
  for (let i = 0; i < 200; i++) {
    limiter.write(
      "rate-limit",
      "info",
      "closed {id}",
      { id: i },
      "{count} more connections closed with rate-limit in the last second",
    );
  }
  now = 1000;
  limiter.flush();
  assert.equal(logger.records.length, 6);
  assert.deepEqual(logger.records[5], {
    level: "info",
    message: "{count} more connections closed with rate-limit in the last second",
    properties: { count: 195 },
  });
  // The server's own log holds to the same bound.
  for (let i = 0; i < 50; i++) log.closed(stats(i, "frame-too-large", new FrameTooLargeError("decode frame", 9, 1)));
  assert.equal(logger.records.length, 6 + 5);
});

test("serve: 100 peers sending oversize headers write at most five lines, then the count", async () => {
  const { server, logger } = await startServer(echoHandler, { maxFrameSize: 10 });
  const peers = await Promise.all(Array.from({ length: 100 }, () => rawConnect(server)));
  await Promise.all(peers.map((peer) => peer.write(encodeFrame(new Uint8Array(11), { maxFrameSize: 100 }))));
  await Promise.all(peers.map((peer) => readToEnd(peer)));
  await until(() => (server.stats.closedByReason["frame-too-large"] ?? 0) === 100, "100 closes");
  const lines = () => logger.records.filter((r) => r.properties?.reason === "frame-too-large");
  assert.ok(lines().length <= 5, `${lines().length} lines`);
  // The count follows within a tick or two of the server's ticker.
  await until(
    () => logger.records.some((r) => /more connections closed with frame-too-large/.test(r.message)),
    "the summary line",
  );
  const counted = logger.records
    .filter((r) => /more connections closed with frame-too-large/.test(r.message))
    .reduce((sum, r) => sum + Number(r.properties?.count), 0);
  assert.equal(lines().length + counted, 100, "every close is either a line or counted in one");
  await server.shutdown();
});
