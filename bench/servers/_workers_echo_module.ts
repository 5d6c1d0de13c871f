/**
 * The handler module of bench/servers/workers_echo.ts: the README's echo
 * handler, and a line with the worker's OS thread id on stdout, so that the
 * bench reads each worker's CPU time from /proc/PID/task/TID/stat.
 *
 * @module
 */
import { readlinkSync } from "node:fs";
import type { Connection } from "../../mod.ts";
import type { WorkerContext, WorkerServeOptions } from "../../src/edges/workers/workers.ts";

export default async function echo(conn: Connection): Promise<void> {
  for await (const frame of conn) await conn.send(frame);
}

export function serveOptions(context: WorkerContext): WorkerServeOptions {
  // "/proc/thread-self" links to "PID/task/TID" of the thread that reads it.
  const tid = readlinkSync("/proc/thread-self").split("/").pop();
  console.log(`worker ${context.index} tid=${tid}`);
  return {};
}
