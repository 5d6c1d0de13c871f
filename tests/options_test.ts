import assert from "node:assert/strict";
import {
  checkNumber,
  connect,
  describeNumber,
  NUMBER_OPTIONS,
  type NumberOption,
  parseNumber,
  type ServeOptions,
  silentLogger,
} from "../mod.ts";
import { test } from "./_harness.ts";
import { client, echoHandler, startServer, until } from "./_fixtures.ts";

const BAD = [NaN, Infinity, -Infinity, -1, 0.5, 2 ** 53];

test("checkNumber refuses NaN, infinities, negatives and fractions for every integer option, naming it", () => {
  for (
    const [name, spec] of Object.entries(NUMBER_OPTIONS) as Array<[NumberOption, (typeof NUMBER_OPTIONS)[NumberOption]]>
  ) {
    for (const value of BAD) {
      const allowed = Number.isFinite(value) && value <= spec.max &&
        (spec.minExclusive ? value > spec.min : value >= spec.min) &&
        (!spec.integer || Number.isInteger(value));
      if (allowed) {
        assert.equal(checkNumber(name, value), value, `${name} ${value}`);
        continue;
      }
      assert.throws(() => checkNumber(name, value), (error: Error) => {
        assert.ok(error instanceof RangeError, `${name} ${value}: ${error}`);
        assert.equal(error.message, `Cannot use ${name} ${value}: must be ${describeNumber(spec)}`);
        return true;
      });
    }
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
