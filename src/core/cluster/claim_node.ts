/**
 * A node number for a process that joins a cluster by itself (over NATS or
 * Redis, where no supervisor hands numbers out): a random one, asked on the
 * bus first. A node answers on its own topic, so "no responders" there means
 * the number is free.
 *
 * @module
 */
import { type Bus, BusRequestError } from "./bus.ts";
import { DEFAULT_CLUSTER_NAME } from "./cluster_types.ts";
import { encodeMessage } from "./messages.ts";
import { OBSERVER_NODE } from "./node_ids.ts";
import { NUMBER_OPTIONS } from "../options.ts";

/** Options of {@linkcode claimNode}. */
export interface ClaimNodeOptions {
  /** The cluster's prefix, as given to `joinCluster({ name })`. @default {"spawnkit"} */
  name?: string;
  /** Seconds to wait for a node's answer to each number asked. @default {2} */
  timeout?: number;
}

/** The default `timeout` of {@linkcode claimNode}, in seconds. */
const DEFAULT_CLAIM_TIMEOUT = 2;

const ATTEMPTS = 8;

/**
 * Picks a node number no node of the cluster on `bus` holds: a random one
 * from 1 to 900718 that nobody answers for. Join with it at once
 * (`joinCluster({ bus, node })`): two processes that picked the same number
 * within that moment (one chance in 900718 per pair) would share it.
 *
 * @throws {BusRequestError} the bus is closed or unavailable.
 * @throws {RangeError} every number tried was taken (a cluster near 900718 nodes).
 * @example A free number on a hub with one node
 * ```ts
 * import assert from "node:assert/strict";
 * import { claimNode, joinCluster, silentLogger } from "spawnkit";
 * import { createPortHub } from "spawnkit/workers";
 * const hub = createPortHub();
 * const bus = hub.connect(1);
 * const node = await claimNode(bus);
 * assert.ok(node >= 1 && node <= 900718);
 * const cluster = joinCluster({ bus, node, logger: silentLogger });
 * cluster.close();
 * await bus.close();
 * hub.close();
 * ```
 */
export async function claimNode(bus: Bus, options: ClaimNodeOptions = {}): Promise<number> {
  const prefix = `${options.name ?? DEFAULT_CLUSTER_NAME}.`;
  const max = NUMBER_OPTIONS.node.max;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const node = 1 + Math.floor(Math.random() * max);
    try {
      await bus.request(`${prefix}node.${node}`, encodeMessage(OBSERVER_NODE, { kind: "ping" }), {
        timeout: options.timeout ?? DEFAULT_CLAIM_TIMEOUT,
      });
    } catch (error) {
      if (error instanceof BusRequestError && error.reason === "no-responders") return node;
      // A node that was slow to answer holds the number all the same: try another.
      if (!(error instanceof BusRequestError) || error.reason !== "timeout") throw error;
    }
  }
  throw new RangeError(`Cannot claim a node number: the ${ATTEMPTS} tried were taken`);
}
