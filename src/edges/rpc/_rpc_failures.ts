/**
 * The log lines a failed method or an unsendable answer makes on one RPC
 * connection (_rpc_connection.ts). A peer can cause any number of them, so
 * each goes through the handler's log limiter: a few lines a second of each
 * kind, and a summary of the rest (every one is counted in `rpc.stats`).
 *
 * @module
 */
import type { Connection, LogLimiter } from "../../../mod.ts";
import { formatAddress } from "../../_internal.ts";

const FAILED_SUMMARY = "{count} more rpc methods failed in the last second (rpc.stats counts every one)";

/** Logs that `method` `what` (failed, or its result or error data cannot be encoded) on `conn` with `error`. */
export function logFailure(log: LogLimiter, conn: Connection, method: string, error: unknown, what: string): void {
  const properties = { method, id: conn.id, remote: formatAddress(conn.remoteAddr), error };
  const template = `rpc method {method} ${what} on connection {id} from {remote}: {error}`;
  // The method gave up because its connection ended: not a fault worth a stack.
  const aborted = conn.signal.aborted && error === conn.signal.reason;
  log.flush();
  log.write(
    aborted ? "aborted" : "failed",
    aborted ? "debug" : "error",
    template,
    properties,
    aborted ? "{count} more rpc methods ended with their connection in the last second" : FAILED_SUMMARY,
  );
}

/** Logs that an answer on `conn` was not sent: `detail` says how far over the frame limit it was. */
export function logOversize(log: LogLimiter, conn: Connection, detail: string): void {
  log.flush();
  log.write("oversize", "warn", "rpc answer on connection {id} from {remote} not sent: {detail}", {
    id: conn.id,
    remote: formatAddress(conn.remoteAddr),
    detail,
  }, "{count} more rpc answers over the frame limit in the last second");
}

/** Logs that `method`'s answer could not be made at all on `conn` (a codec that cannot encode even an error). */
export function logUnanswered(log: LogLimiter, conn: Connection, method: string, error: unknown): void {
  log.write(
    "broken",
    "error",
    "rpc method {method} on connection {id} from {remote} unanswered: {error}",
    { method, id: conn.id, remote: formatAddress(conn.remoteAddr), error },
    "{count} more rpc answers could not be made in the last second",
  );
}
