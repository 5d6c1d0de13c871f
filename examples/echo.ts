/**
 * The echo handler, in a module of its own so that every worker of
 * `echo_server.ts --workers N` imports it (the module shape `serveWorkers()`
 * takes: a default export, and `serveOptions` for what cannot cross to a
 * thread). Each worker sets up its own logging and connection records from
 * the flags the main script hands over.
 *
 * @module
 */
import { type CallbackHandler, type Connection, newlineDelimited } from "spawnkit";
import type { WorkerContext, WorkerServeOptions } from "spawnkit/workers";
import { EDGE_FLAGS, openEdges } from "./_edges.ts";

/** Every frame comes back unchanged: the README's first shape, a loop (what each worker runs). */
export default async function echo(conn: Connection): Promise<void> {
  for await (const frame of conn) await conn.send(frame);
}

/**
 * The same echo as callbacks, the shape for throughput (one function call per
 * frame, no promise): what `echo_server.ts` serves without `--workers`. Each
 * frame goes back with `sendOwned`, written from the read buffer, header and
 * all, with no copy; returning its promise holds the next frame while the
 * outbox is over its high-water mark.
 */
export const echoCallbacks: CallbackHandler = {
  frame: (conn, frame) => conn.sendOwned(frame),
};

/**
 * The flags a worker takes from the main script: logging and connection records (server records are the main's), and
 * the longest line when the frames are lines (`--framing lines`).
 */
export type WorkerFlags = Partial<Record<"log-level" | "log-format" | "records" | "max-line-length", string>>;

/** A worker's logger and records, from the flags in `context.data`. */
export async function serveOptions(context: WorkerContext): Promise<WorkerServeOptions> {
  const flags = Object.fromEntries(Object.keys(EDGE_FLAGS).map((name) => [name, undefined]));
  const { "max-line-length": maxLineLength, ...edgeFlags } = context.data as WorkerFlags;
  const edges = await openEdges({ ...flags, ...edgeFlags } as Parameters<typeof openEdges>[0]);
  context.signal.addEventListener("abort", () => void edges.close());
  const framing = maxLineLength === undefined
    ? {}
    : { framing: newlineDelimited({ maxLineLength: Number(maxLineLength) }) };
  return { logger: edges.logger, onConnectionEnd: edges.onConnectionEnd, ...framing };
}
