/**
 * How a filtered broadcast crosses to the other nodes: the filter runs here,
 * on the directory's handles of their connections, and the shorter list
 * crosses with the payload.
 *
 * @module
 */
import type { Connection, RemoteConnection } from "../connection/connection.ts";

/** To all, to all but `except` (one message for every node), or to the `only` ids of each node (one message each). */
export type BroadcastPlan =
  | { readonly kept: number; readonly except?: number[]; readonly only?: undefined }
  | { readonly kept: number; readonly except?: undefined; readonly only: ReadonlyMap<number, number[]> };

/**
 * Runs `filter` over the other nodes' connections. The ids it refused cross
 * when they are no more than those it kept; otherwise the kept ones, per node.
 */
export function planBroadcast<Message>(
  remotes: Iterable<RemoteConnection>,
  filter: (conn: Connection<Message> | RemoteConnection) => boolean,
): BroadcastPlan {
  const except: number[] = [];
  const only = new Map<number, number[]>();
  let kept = 0;
  for (const conn of remotes) {
    if (!filter(conn)) except.push(conn.id);
    else {
      kept++;
      const ids = only.get(conn.node);
      if (ids === undefined) only.set(conn.node, [conn.id]);
      else ids.push(conn.id);
    }
  }
  if (except.length === 0) return { kept };
  return except.length <= kept ? { kept, except } : { kept, only };
}
