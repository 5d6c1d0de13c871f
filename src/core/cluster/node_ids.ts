/**
 * Connection ids that carry their node: `node * 10^10 + n`, so that node 2's
 * third connection is 20000000003 and any node can tell where an id lives
 * without asking. A server outside a cluster is node 0: its ids are 1, 2, 3.
 *
 * @module
 */
import { FIRST_CONNECTION_ID } from "../server/registry.ts";

/** How many ids each node has: its connections are numbered 1 to NODE_ID_SPAN - 1. */
export const NODE_ID_SPAN = 10_000_000_000;

/**
 * The node that connection `id` belongs to.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nodeOfConnection } from "spawnkit";
 * assert.equal(nodeOfConnection(20000000003), 2);
 * assert.equal(nodeOfConnection(3), 0);
 * ```
 */
export function nodeOfConnection(id: number): number {
  return Math.floor(id / NODE_ID_SPAN);
}

/** The first connection id of `node`. */
export function firstIdOf(node: number): number {
  return node * NODE_ID_SPAN + FIRST_CONNECTION_ID;
}

/** The node number of a cluster member that only observes (no connections of its own). */
export const OBSERVER_NODE = 0;
