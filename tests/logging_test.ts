import assert from "node:assert/strict";
import { reset } from "@logtape/logtape";
import { configureLogging, type LoggingOptions } from "../src/edges/logging/logging.ts";
import { test } from "./_harness.ts";
import { client, crashHandler, startServer, take, text, until } from "./_fixtures.ts";

type Method = "debug" | "info" | "warn" | "error";

/** Configures logging, runs `body` with console output captured, and resets LogTape. */
async function captured(
  options: LoggingOptions,
  body: (logger: Awaited<ReturnType<typeof configureLogging>>) => void | Promise<void>,
): Promise<Array<{ method: Method; line: string }>> {
  const lines: Array<{ method: Method; line: string }> = [];
  const saved = { debug: console.debug, info: console.info, warn: console.warn, error: console.error };
  for (const method of Object.keys(saved) as Method[]) {
    console[method] = (...args: unknown[]) => void lines.push({ method, line: args.map(String).join(" ") });
  }
  try {
    await body(await configureLogging(options));
  } finally {
    Object.assign(console, saved);
    await reset();
  }
  return lines;
}

test("configureLogging json: connection log lines carry id and remote as properties", async () => {
  const lines = await captured({ level: "debug", format: "json" }, async (logger) => {
    const { server } = await startServer(crashHandler, { logger });
    try {
      const conn = await client(server);
      await conn.send(text("crash"));
      await take(conn, 1);
      conn.close();
      await until(() => server.size === 0, "the connection to end");
    } finally {
      await server.shutdown();
    }
  });
  const records = lines.map(({ method, line }) => ({ method, record: JSON.parse(line) }));
  const failed = records.find(({ record }) => record.message === "connection {id} handler failed: {error}");
  assert.ok(failed, JSON.stringify(lines));
  assert.equal(failed.method, "error");
  assert.equal(failed.record.level, "ERROR");
  assert.equal(failed.record.logger, "spawnkit");
  assert.equal(typeof failed.record.properties.id, "number");
  assert.match(failed.record.properties.remote, /^127\.0\.0\.1:\d+$/);
  assert.equal(failed.record.properties.error.message, "crash requested");
  assert.match(failed.record.properties.error.stack, /crash requested/);
  const closed = records.find(({ record }) =>
    String(record.message).startsWith("connection {id} from {remote} closed")
  );
  assert.ok(closed, JSON.stringify(lines));
  assert.equal(closed.record.properties.id, failed.record.properties.id);
  assert.equal(closed.record.properties.remote, failed.record.properties.remote);
  assert.equal(closed.record.properties.reason, "handler-error");
  assert.ok(!Number.isNaN(Date.parse(closed.record["@timestamp"])));
});

test("configureLogging pretty: one readable line per record, no colors when asked, below the level nothing", async () => {
  const lines = await captured({ level: "info", format: "pretty", color: false }, (logger) => {
    logger.debug("hidden {id}", { id: 1 });
    logger.info("connection {id} from {remote} opened", { id: 7, remote: "127.0.0.1:5000" });
    logger.warn("a warning");
  });
  assert.equal(lines.length, 2, JSON.stringify(lines));
  assert.equal(lines[0]!.method, "info");
  // Strings bare, as people read them: no quotes around the address.
  assert.match(lines[0]!.line, /\[INF\] spawnkit: connection 7 from 127\.0\.0\.1:5000 opened$/);
  assert.equal(lines[1]!.method, "warn");
  assert.match(lines[1]!.line, /\[WRN\] spawnkit: a warning$/);
  assert.ok(!lines.some(({ line }) => line.includes("\x1b[")), "no ANSI escapes");
});

test("configureLogging pretty with colors writes ANSI escapes", async () => {
  const lines = await captured({ format: "pretty", color: true }, (logger) => {
    logger.info("colored");
  });
  assert.ok(lines[0]?.line.includes("\x1b["), JSON.stringify(lines));
});

test("configureLogging refuses an unknown level or format", async () => {
  await assert.rejects(configureLogging({ level: "loud" as "info" }), TypeError);
  await assert.rejects(configureLogging({ format: "xml" as "json" }), /format "xml" is not one of pretty, json/);
});
