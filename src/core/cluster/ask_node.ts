/**
 * Asking one node over the bus (a snapshot, a listing): its answer is checked
 * as any message from the bus, and must come from the node asked.
 *
 * @module
 */
import type { Bus } from "./bus.ts";
import type { BusChecks } from "./bus_checks.ts";
import { type ClusterMessage, encodeMessage } from "./messages.ts";
import { readMessage } from "./read_message.ts";

/**
 * Sends `message` from node `self` to `node` on `topic` and settles with its
 * checked answer; waits at most `timeout` seconds (the bus's default when absent).
 * @throws {BusRequestError} (as a rejection) no answer in time, nobody there, the bus away.
 * @throws {RangeError} (as a rejection) an answer that fails a check, or not from `node` (counted in `checks`).
 */
export async function askNode(
  bus: Bus,
  checks: BusChecks,
  self: number,
  node: number,
  topic: string,
  message: ClusterMessage,
  timeout?: number,
): Promise<ClusterMessage> {
  const options = timeout === undefined ? undefined : { timeout };
  const read = readMessage(await bus.request(topic, encodeMessage(self, message), options));
  if ("rejected" in read || read.from !== node) {
    const rejected = "rejected" in read ? read : { rejected: read.message.kind, why: `an answer not from ${node}` };
    checks.reject(rejected, topic);
    throw new RangeError(`Cannot ask node ${node}: its answer failed a check (${rejected.why})`);
  }
  checks.accepted++;
  return read.message;
}
