/**
 * Every seconds option above what setTimeout can hold (2^31 - 1 ms, so
 * 2147483 whole seconds) is a RangeError naming it, not a 1 ms timer: through
 * the one check all of them go through, and through the entry points where
 * each enters. Expected messages are written out here, not built by the code
 * under test.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, joinCluster, serve, silentLogger } from "../mod.ts";
import { checkNumber, NUMBER_OPTIONS, type NumberOption } from "../src/_internal.ts";
import { openServerRecords } from "../src/edges/records/records.ts";
import { test } from "./_harness.ts";
import { echoHandler, startServer } from "./_fixtures.ts";

const OVER = 2_147_484;

// [option, the message for OVER]: every seconds option of NUMBER_OPTIONS.
const SECONDS_OPTIONS: [NumberOption, string][] = [
  ["idleTimeout", "Cannot use idleTimeout 2147484: must be a positive number of seconds up to 2147483"],
  ["firstFrameTimeout", "Cannot use firstFrameTimeout 2147484: must be a positive number of seconds up to 2147483"],
  ["proxyHeaderTimeout", "Cannot use proxyHeaderTimeout 2147484: must be a positive number of seconds up to 2147483"],
  ["tlsHandshakeTimeout", "Cannot use tlsHandshakeTimeout 2147484: must be a positive number of seconds up to 2147483"],
  ["tickInterval", "Cannot use tickInterval 2147484: must be a positive number of seconds up to 2147483"],
  ["closeTimeout", "Cannot use closeTimeout 2147484: must be a positive number of seconds up to 2147483"],
  ["sendTimeout", "Cannot use sendTimeout 2147484: must be a non-negative number of seconds up to 2147483"],
  ["timeout", "Cannot use timeout 2147484: must be a non-negative number of seconds up to 2147483"],
  ["quietPeriod", "Cannot use quietPeriod 2147484: must be a non-negative number of seconds up to 2147483"],
  ["reportInterval", "Cannot use reportInterval 2147484: must be a positive number of seconds up to 2147483"],
  ["expireAfter", "Cannot use expireAfter 2147484: must be a positive number of seconds up to 2147483"],
  ["restartPeriod", "Cannot use restartPeriod 2147484: must be a positive number of seconds up to 2147483"],
  ["restartBackoff", "Cannot use restartBackoff 2147484: must be a non-negative number of seconds up to 2147483"],
  ["baseDelay", "Cannot use baseDelay 2147484: must be a positive number of seconds up to 2147483"],
  ["maxDelay", "Cannot use maxDelay 2147484: must be a positive number of seconds up to 2147483"],
  ["reconnectWait", "Cannot use reconnectWait 2147484: must be a positive number of seconds up to 2147483"],
  ["connectTimeout", "Cannot use connectTimeout 2147484: must be a positive number of seconds up to 2147483"],
  ["pingInterval", "Cannot use pingInterval 2147484: must be a positive number of seconds up to 2147483"],
  ["authTimeout", "Cannot use authTimeout 2147484: must be a positive number of seconds up to 2147483"],
  ["heartbeatInterval", "Cannot use heartbeatInterval 2147484: must be a positive number of seconds up to 2147483"],
  ["heartbeatTimeout", "Cannot use heartbeatTimeout 2147484: must be a positive number of seconds up to 2147483"],
  ["keepAlive", "Cannot use keepAlive 2147484: must be a non-negative number of seconds up to 2147483"],
  ["resumeWindow", "Cannot use resumeWindow 2147484: must be a non-negative number of seconds up to 2147483"],
];

test("the table above names every seconds option there is", () => {
  const seconds = Object.entries(NUMBER_OPTIONS).filter(([, spec]) => spec.unit === "seconds").map(([name]) => name);
  assert.deepEqual(seconds.sort(), SECONDS_OPTIONS.map(([name]) => name).sort());
});

test("checkNumber refuses every seconds option past 2147483 seconds, naming it, and takes 2147483 itself", () => {
  for (const [name, message] of SECONDS_OPTIONS) {
    assert.throws(() => checkNumber(name, OVER), { name: "RangeError", message }, name);
    assert.throws(() => checkNumber(name, 1e300), RangeError, name);
    assert.equal(checkNumber(name, 2_147_483), 2_147_483, name);
    assert.equal(checkNumber(name, 2_147_482.5), 2_147_482.5, name);
  }
});

test("serve refuses each of its seconds options past 2147483 seconds before it listens", async () => {
  const table: [string, Record<string, unknown>, string][] = [
    ["tickInterval", { tickInterval: OVER }, SECONDS_OPTIONS[4]![1]],
    ["idleTimeout", { idleTimeout: OVER }, SECONDS_OPTIONS[0]![1]],
    ["firstFrameTimeout", { firstFrameTimeout: OVER }, SECONDS_OPTIONS[1]![1]],
    ["closeTimeout", { closeTimeout: OVER }, SECONDS_OPTIONS[5]![1]],
    [
      "proxyHeaderTimeout",
      { proxyProtocol: { trusted: ["127.0.0.1"] }, proxyHeaderTimeout: OVER },
      SECONDS_OPTIONS[2]![1],
    ],
    ["tlsHandshakeTimeout", { tlsHandshakeTimeout: OVER }, SECONDS_OPTIONS[3]![1]],
    ["sendTimeout", { sendTimeout: OVER }, SECONDS_OPTIONS[6]![1]],
  ];
  for (const [name, options, message] of table) {
    await assert.rejects(serve({ port: 0, logger: silentLogger, ...options }, echoHandler), {
      name: "RangeError",
      message,
    }, name);
  }
});

test("shutdown refuses a timeout or quiet period past 2147483 seconds and leaves the server running", async () => {
  const { server } = await startServer(echoHandler);
  await assert.rejects(server.shutdown({ timeout: OVER }), {
    name: "RangeError",
    message: "Cannot use timeout 2147484: must be a non-negative number of seconds up to 2147483",
  });
  await assert.rejects(server.shutdown({ quietPeriod: OVER }), {
    name: "RangeError",
    message: "Cannot use quietPeriod 2147484: must be a non-negative number of seconds up to 2147483",
  });
  const report = await server.shutdown({ timeout: 2_147_483 });
  assert.equal(report.connections, 0);
});

test("joinCluster refuses a reportInterval or expireAfter past 2147483 seconds", () => {
  // Checked before the bus is touched.
  const bus = undefined as never;
  assert.throws(() => joinCluster({ node: 1, bus, reportInterval: OVER }), {
    name: "RangeError",
    message: "Cannot use reportInterval 2147484: must be a positive number of seconds up to 2147483",
  });
  assert.throws(() => joinCluster({ node: 1, bus, expireAfter: OVER }), {
    name: "RangeError",
    message: "Cannot use expireAfter 2147484: must be a positive number of seconds up to 2147483",
  });
});

test("connect refuses a reconnect baseDelay or maxDelay past 2147483 seconds", async () => {
  for (const name of ["baseDelay", "maxDelay"]) {
    await assert.rejects(connect({ port: 1, logger: silentLogger, reconnect: { [name]: OVER } }), {
      name: "RangeError",
      message: `Cannot use ${name} 2147484: must be a positive number of seconds up to 2147483`,
    });
  }
});

test("openServerRecords refuses a period past 2147483 seconds", async () => {
  const dir = await mkdtemp(join(tmpdir(), "spawnkit-timer-"));
  try {
    assert.throws(() => openServerRecords(join(dir, "stats.csv"), { every: OVER }), {
      name: "RangeError",
      message: "Cannot write server records every 2147484 seconds: must be a positive number of seconds up to 2147483",
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
