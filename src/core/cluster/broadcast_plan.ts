/**
 * How a broadcast crosses to the other nodes: to all as one message, to all
 * but an `except` list as one message, or to an `only` list as one message
 * per node that holds some of its ids, each list split so that a message
 * stays within what a bus carries. Ids of this node stay here (its server
 * delivers them).
 *
 * @module
 */
import type { BroadcastTarget } from "../server/broadcast.ts";
import { nodeOfConnection } from "./node_ids.ts";

/**
 * Ids in one broadcast message: 512 KiB of them (8 bytes each), so that a
 * message with its payload stays under NATS' default `max_payload` (1 MiB)
 * for payloads up to 512 KiB.
 */
export const MAX_BROADCAST_IDS = 65_536;

/** One message of a broadcast: to every node (`node` undefined), or to one node. */
export interface BroadcastPart {
  readonly node?: number;
  readonly except?: number[];
  readonly only?: number[];
}

/**
 * The messages of a broadcast from node `self` to `target` (undefined: all).
 * @throws {RangeError} an `except` list of other nodes' ids over `MAX_BROADCAST_IDS`: it cannot be split (each
 * part would send to the ids of the others), so it is refused whole.
 */
export function planBroadcast(self: number, target: BroadcastTarget | undefined): BroadcastPart[] {
  if (target === undefined) return [{}];
  if (target.except !== undefined) {
    const except = target.except.filter((id) => nodeOfConnection(id) !== self);
    if (except.length > MAX_BROADCAST_IDS) {
      throw new RangeError(
        `Cannot broadcast: an except list of ${except.length} ids of other nodes, over ${MAX_BROADCAST_IDS} (what a bus message holds)`,
      );
    }
    return [except.length === 0 ? {} : { except }];
  }
  const byNode = new Map<number, number[]>();
  for (const id of target.only) {
    const node = nodeOfConnection(id);
    if (node === self) continue;
    const ids = byNode.get(node);
    if (ids === undefined) byNode.set(node, [id]);
    else ids.push(id);
  }
  const parts: BroadcastPart[] = [];
  for (const [node, ids] of byNode) {
    for (let i = 0; i < ids.length; i += MAX_BROADCAST_IDS) {
      parts.push({ node, only: ids.slice(i, i + MAX_BROADCAST_IDS) });
    }
  }
  return parts;
}

/**
 * Publishes the parts of a broadcast from node `self` to `target` through
 * `publish` (false: the bus dropped it). Returns the connections it is meant
 * for on the other nodes (as last heard from `nodes`) and the parts dropped:
 * a dropped part is not counted as delivered.
 * @throws {RangeError} an `except` list over the bound (see `planBroadcast`), after `refused()`: nothing is sent.
 */
export function sendBroadcast(
  self: number,
  target: BroadcastTarget | undefined,
  nodes: { readonly size: number; get(node: number): unknown },
  publish: (node: number | undefined, except: number[] | undefined, only: number[] | undefined) => boolean,
  refused: () => void,
): { meant: number; dropped: number } {
  let parts: BroadcastPart[];
  try {
    parts = planBroadcast(self, target);
  } catch (error) {
    refused();
    throw error;
  }
  let meant = 0;
  let dropped = 0;
  for (const { node, except, only } of parts) {
    if (!publish(node, except, only)) dropped++;
    else if (only !== undefined) meant += nodes.get(node!) === undefined ? 0 : only.length;
    else meant += Math.max(nodes.size - (except?.length ?? 0), 0);
  }
  return { meant, dropped };
}
