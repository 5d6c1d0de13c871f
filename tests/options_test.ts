import assert from "node:assert/strict";
import { connect, type ServeOptions, silentLogger } from "../mod.ts";
import { checkNumber, NUMBER_OPTIONS, type NumberOption, parseNumber } from "../src/_internal.ts";
import { test } from "./_harness.ts";
import { client, echoHandler, startServer, until } from "./_fixtures.ts";

const BAD = [NaN, Infinity, -Infinity, -1, 0.5, 2 ** 53];

/**
 * What each option must be, written out: the message's text is not built by
 * the code under test. Seconds options take 0.5 (the only fraction in BAD);
 * a timer's limit may follow their text (" up to N").
 */
const MUST_BE: ReadonlyArray<readonly [NumberOption, string]> = [
  ["port", "an integer from 0 to 65535"],
  ["maxFrameSize", "an integer from 0 to 4294967295 (bytes)"],
  ["maxLineLength", "an integer from 0 to 4294967295 (bytes)"],
  ["highWaterMark", "a non-negative integer (bytes)"],
  ["lowWaterMark", "a non-negative integer (bytes)"],
  ["mailboxCapacity", "a non-negative integer (messages)"],
  ["idleTimeout", "a positive number of seconds"],
  ["firstFrameTimeout", "a positive number of seconds"],
  ["proxyHeaderTimeout", "a positive number of seconds"],
  ["maxBytesPerSecond", "a positive integer"],
  ["maxFramesPerSecond", "a positive integer"],
  ["maxConnections", "a positive integer"],
  ["maxConnectionsPerAddress", "a positive integer"],
  ["tickInterval", "a positive number of seconds"],
  ["closeTimeout", "a positive number of seconds"],
  ["timeout", "a non-negative number of seconds"],
  ["quietPeriod", "a non-negative number of seconds"],
  ["node", "an integer from 0 to 900718"],
  ["reportInterval", "a positive number of seconds"],
  ["expireAfter", "a positive number of seconds"],
  ["maxPendingBytes", "a non-negative integer (bytes)"],
  ["workers", "an integer from 0 to 1024"],
  ["maxRestarts", "a non-negative integer (restarts)"],
  ["restartPeriod", "a positive number of seconds"],
  ["restartBackoff", "a non-negative number of seconds"],
  ["baseDelay", "a positive number of seconds up to 2147483"],
  ["maxDelay", "a positive number of seconds up to 2147483"],
  ["maxRetries", "a non-negative integer (attempts)"],
  ["maxWaitingBytes", "a non-negative integer (bytes)"],
  ["maxPendingSendBytes", "a non-negative integer (bytes)"],
  ["maxRoomsPerConnection", "a non-negative integer (rooms)"],
  ["maxRoomNameLength", "an integer from 1 to 1024 (bytes)"],
  ["maxMessageSize", "an integer from 1024 to 67108864 (bytes)"],
  ["reconnectWait", "a positive number of seconds"],
  ["pingInterval", "a positive number of seconds"],
];

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

test("checkNumber refuses NaN, infinities, negatives and fractions with the message written out for each option", () => {
  for (const [name, mustBe] of MUST_BE) {
    const seconds = mustBe.includes("seconds");
    for (const value of BAD) {
      if (seconds && value === 0.5) {
        assert.equal(checkNumber(name, value), 0.5, `${name} ${value}`);
        continue;
      }
      const limit = seconds && !mustBe.includes(" up to ") ? "( up to \\d+)?" : "";
      const message = new RegExp(`^${escaped(`Cannot use ${name} ${value}: must be ${mustBe}`)}${limit}$`);
      assert.throws(() => checkNumber(name, value), (error: Error) => {
        assert.ok(error instanceof RangeError, `${name} ${value}: ${error}`);
        assert.match(error.message, message);
        return true;
      });
    }
  }
});

test("checkNumber refuses NaN for every option it knows, naming it", () => {
  for (const name of Object.keys(NUMBER_OPTIONS) as NumberOption[]) {
    assert.throws(() => checkNumber(name, NaN), (error: Error) => {
      assert.ok(error instanceof RangeError, `${name}: ${error}`);
      assert.ok(error.message.startsWith(`Cannot use ${name} NaN: must be `), error.message);
      return true;
    });
  }
});

test("parseNumber and checkNumber agree: text is read by the same range as values", () => {
  for (
    const [name, text, value] of [
      ["port", "0", 0],
      ["port", "65535", 65535],
      ["port", "65536", undefined],
      ["port", " 80 ", 80],
      ["maxFrameSize", "4294967295", 0xffff_ffff],
      ["maxFrameSize", "4294967296", undefined],
      ["idleTimeout", "0", undefined],
      ["idleTimeout", ".5", 0.5],
      ["quietPeriod", "0", 0],
      ["quietPeriod", "-0.1", undefined],
      ["mailboxCapacity", "NaN", undefined],
      ["mailboxCapacity", "", undefined],
      ["maxConnections", "0x10", undefined],
    ] as const
  ) {
    assert.equal(parseNumber(name, text), value, `${name} "${text}"`);
  }
});

test("serve refuses every bad numeric option with a RangeError naming it, before it listens", async () => {
  const cases: Array<Partial<ServeOptions>> = [
    { mailboxCapacity: NaN },
    { mailboxCapacity: -1 },
    { mailboxCapacity: 1.5 },
    { port: -1 },
    { maxFrameSize: 2 ** 32 },
    { highWaterMark: NaN },
    { lowWaterMark: -5 },
    { idleTimeout: NaN },
    { firstFrameTimeout: 0 },
    { maxBytesPerSecond: 0 },
    { maxFramesPerSecond: Infinity },
    { maxConnections: NaN },
    { maxConnectionsPerAddress: 2.5 },
    { tickInterval: -1 },
    { closeTimeout: NaN },
  ];
  for (const options of cases) {
    const [[name, value]] = Object.entries(options) as [[string, number]];
    await assert.rejects(startServer(echoHandler, options), (error: Error) => {
      assert.ok(error instanceof RangeError, `${name}: ${error}`);
      assert.ok(error.message.startsWith(`Cannot use ${name} ${value}: must be `), error.message);
      return true;
    });
  }
});

test("connect refuses bad numeric options the same way", async () => {
  for (const options of [{ port: NaN }, { port: 70000 }, { maxFrameSize: -1 }, { highWaterMark: 0.5 }]) {
    await assert.rejects(connect({ port: 1, logger: silentLogger, ...options }), RangeError);
  }
});

test("a mailbox capacity of 0 refuses every post: the bound holds at its smallest", async () => {
  const { server } = await startServer(async (conn) => {
    for await (const _ of conn.events()) { /* never reads a message */ }
  }, { mailboxCapacity: 0 });
  const conn = await client(server);
  await until(() => server.size === 1, "registered");
  const id = [...server.connections()][0]!.id;
  assert.equal(server.post(id, "x"), false);
  assert.equal(server.stats.messagesDropped, 1);
  conn.close();
  await server.shutdown();
});
