/**
 * Graceful shutdown of a server's connections, as Netty's
 * `shutdownGracefully`: a quiet period inside a deadline.
 *
 * Invariants:
 * 1. The server has stopped accepting before this starts.
 * 2. Every connection's signal aborts at the start, with the shutdown's reason.
 * 3. Input goes on while frames keep coming: a frame that reached the server
 *    is handled and its reply flushed. A connection ends once it has waited
 *    for input with nothing arriving for the quiet period.
 * 4. At the deadline, every connection still open is force-closed.
 * 5. With a quiet period of 0, every connection's input ends at once.
 *
 * @module
 */
import type { FramedConnection } from "../connection/framed_connection.ts";
import type { ShutdownError } from "../errors.ts";
import type { Registry } from "./registry.ts";

/** Options of `server.shutdown()`. */
export interface ShutdownOptions {
  /** Seconds to wait for connections to end before force-closing them. @default {5} */
  timeout?: number;
  /**
   * Seconds a connection must wait for input with none arriving before it is
   * closed: frames already on their way are still handled. 0 ends input at once.
   * @default {0.25}
   */
  quietPeriod?: number;
  /**
   * A frame payload sent to every connection first (GOAWAY, a kick), so that
   * clients know to stop sending; frames they sent before they read it are
   * still handled within the quiet period.
   * @default {undefined} none
   */
  goodbye?: Uint8Array;
}

/** What a shutdown did, returned by `server.shutdown()`. */
export interface ShutdownReport {
  /** Connections open when it started. */
  readonly connections: number;
  /** Connections still open at the deadline, force-closed. */
  readonly forced: number;
  /** Milliseconds from the start until every connection was gone. */
  readonly durationMs: number;
}

/** The default quiet period, in seconds: longer than most round trips, short enough not to hold a deploy. */
export const DEFAULT_QUIET_PERIOD = 0.25;

/** The default shutdown `timeout`, in seconds: then what is still open is force-closed. */
export const DEFAULT_SHUTDOWN_TIMEOUT = 5;

// A connection must be seen quiet on this many sweeps in a row, a quarter of the period apart.
const SWEEPS = 4;

/** How one shutdown runs, with options checked and the goodbye encoded. */
export interface ShutdownPlan {
  readonly reason: ShutdownError;
  readonly timeoutMs: number;
  readonly quietMs: number;
  /** The goodbye frame, encoded (header and payload). */
  readonly goodbye: Uint8Array | undefined;
}

/** Ends every connection of `registry` by `plan`; settles once all are gone. */
export async function shutdownConnections(
  registry: Registry<FramedConnection<unknown>>,
  plan: ShutdownPlan,
): Promise<ShutdownReport> {
  const started = Date.now();
  const connections = registry.size;
  const { reason, goodbye } = plan;
  for (const conn of registry.values()) {
    conn.beginShutdown(reason);
    if (goodbye !== undefined) conn.offerEncoded(goodbye);
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pastDeadline = false;
  const deadline = new Promise<void>((resolve) =>
    timer = setTimeout(() => {
      pastDeadline = true;
      resolve();
    }, plan.timeoutMs)
  );
  const empty = registry.empty();
  if (plan.quietMs === 0) {
    for (const conn of registry.values()) conn.abort(reason);
    await Promise.race([empty, deadline]);
  } else {
    await sweepUntilQuiet(registry, plan, Promise.race([empty, deadline]), () => pastDeadline);
  }
  clearTimeout(timer);
  let forced = 0;
  for (const conn of registry.values()) {
    forced++;
    void conn.forceClose(reason);
  }
  await empty;
  return { connections, forced, durationMs: Date.now() - started };
}

/**
 * Every quarter of the quiet period, ends the connections that waited for
 * input with no byte arriving on SWEEPS sweeps in a row (so a connection
 * closes between one and one and a quarter quiet periods after its last byte).
 * Reading a connection's byte count is all it costs: nothing runs per frame.
 */
async function sweepUntilQuiet(
  registry: Registry<FramedConnection<unknown>>,
  plan: ShutdownPlan,
  done: Promise<void>,
  pastDeadline: () => boolean,
): Promise<void> {
  const seen = new Map<FramedConnection<unknown>, { bytes: number; quiet: number }>();
  const period = Math.max(plan.quietMs / SWEEPS, 1);
  let finished = false;
  void done.then(() => finished = true);
  while (!finished && !pastDeadline()) {
    for (const conn of registry.values()) {
      if (conn.closing) continue;
      const bytes = conn.bytesIn;
      const entry = seen.get(conn);
      if (entry === undefined) {
        seen.set(conn, { bytes, quiet: 0 });
        continue;
      }
      if (conn.waitingForInput && bytes === entry.bytes) entry.quiet++;
      else {
        entry.quiet = 0;
        entry.bytes = bytes;
      }
      if (entry.quiet >= SWEEPS) conn.abort(plan.reason);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([done, new Promise<void>((resolve) => timer = setTimeout(resolve, period))]);
    clearTimeout(timer);
  }
}
