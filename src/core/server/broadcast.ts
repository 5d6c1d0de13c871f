/**
 * Broadcast: one frame encoded once and queued to many connections, and the
 * slow-consumer policy for a connection whose outbox is over its high-water
 * mark (a peer that does not read must not hold the server's memory).
 *
 * @module
 */
import { GuardError } from "../errors.ts";
import type { FramedConnection } from "../connection/framed_connection.ts";
import type { WaterMarks } from "../connection/water_marks.ts";

/** What happens to a broadcast that meets a full outbox. */
export interface SlowConsumerPolicy {
  /** `"disconnect"`: close the connection at once (its outbox cannot drain); `"drop"`: drop the frame, counted. */
  readonly slowConsumer: "disconnect" | "drop";
  readonly waterMarks: WaterMarks;
}

/**
 * Connections named by id, for a broadcast that reaches other nodes of a
 * cluster: every connection but the `except` ids, or the `only` ids. A
 * predicate cannot cross the bus; ids can.
 *
 * @example To every connection but one, on every node
 * ```ts
 * import assert from "node:assert/strict";
 * import { type BroadcastTarget, serve, silentLogger } from "spawnkit";
 * await using server = await serve({ port: 0, logger: silentLogger }, () => {});
 * const target: BroadcastTarget = { except: [1] };
 * assert.equal(server.broadcast(new TextEncoder().encode("hi"), target), 0); // nobody connected yet
 * ```
 */
export type BroadcastTarget =
  | { readonly except: readonly number[]; readonly only?: undefined }
  | { readonly only: readonly number[]; readonly except?: undefined };

/** The predicate of `target` over connections (a Set: one pass however long the lists). */
export function targetFilter(target: BroadcastTarget): (conn: { readonly id: number }) => boolean {
  if (target.only !== undefined) {
    const only = new Set(target.only);
    return (conn) => only.has(conn.id);
  }
  const except = new Set(target.except);
  return (conn) => !except.has(conn.id);
}

/**
 * Queues encoded `bytes` to every connection that `filter` accepts (all when
 * absent); returns how many took it. A full outbox counts the frame in the
 * connection's `framesDropped`, and under `"disconnect"` force-closes the
 * connection with a `slow-consumer` GuardError.
 */
export function broadcastEncoded<C extends FramedConnection<unknown>>(
  connections: Iterable<C>,
  bytes: Uint8Array,
  policy: SlowConsumerPolicy,
  filter?: (conn: C) => boolean,
): number {
  let taken = 0;
  for (const conn of connections) {
    if (filter !== undefined && !filter(conn)) continue;
    const delivery = conn.offerEncoded(bytes);
    if (delivery === "queued") taken++;
    else if (delivery === "full" && policy.slowConsumer === "disconnect") {
      const high = policy.waterMarks.high;
      void conn.forceClose(new GuardError("slow-consumer", `outbox over ${high} bytes`, high));
    }
  }
  return taken;
}
