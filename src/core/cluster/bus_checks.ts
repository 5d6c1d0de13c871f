/**
 * What a node of a cluster made of the messages the bus brought it: used,
 * or rejected (counted by the kind they claimed, logged through the log
 * limiter), and the deltas skipped while a node was unsynced. Read it from
 * `cluster.busStats`.
 *
 * @module
 */
import type { Logger } from "../logger.ts";
import { LogLimiter } from "../log_limiter.ts";
import type { RejectedMessage } from "./read_message.ts";

/** A node's figures on what the bus brought it, from `cluster.busStats`. */
export interface ClusterBusStats {
  /** Messages from the bus that passed every check and were used. */
  readonly accepted: number;
  /**
   * Messages from the bus dropped because they failed a check (a kind, a
   * length, a field's type or range), or one that came from this node's own
   * number, or from one node more than the cluster holds.
   */
  readonly rejected: number;
  /** The same, by the kind the message claimed (`"unreadable"` when it claimed none the kit knows). */
  readonly rejectedByKind: Readonly<Record<string, number>>;
  /** Deltas skipped because their node was unsynced (a gap): its snapshot, asked for then, carries their effect. */
  readonly deltasSkipped: number;
}

/** The counts behind {@linkcode ClusterBusStats}, and the rejections' log. */
export class BusChecks {
  readonly #node: number;
  readonly #limiter: LogLimiter;
  accepted = 0;
  rejected = 0;
  readonly rejectedByKind: Record<string, number> = {};

  constructor(node: number, logger: Logger) {
    this.#node = node;
    this.#limiter = new LogLimiter(logger);
  }

  /**
   * Counts a rejection and logs it, at most a few lines a second. The line
   * holds the kit's own words and the topic this node subscribed to, never
   * a byte of the message.
   */
  reject(read: RejectedMessage, topic: string): void {
    this.rejected++;
    this.rejectedByKind[read.rejected] = (this.rejectedByKind[read.rejected] ?? 0) + 1;
    this.#limiter.write(
      "cluster-rejected",
      "warn",
      "cluster node {node} rejected a message ({kind}) on {topic}: {why}",
      { node: this.#node, kind: read.rejected, topic, why: read.why },
      "cluster node rejected {count} more messages from the bus in the last second",
    );
  }

  /** The figures now, with the deltas skipped. */
  stats(nodes: { readonly deltasSkipped: number }): ClusterBusStats {
    return {
      accepted: this.accepted,
      rejected: this.rejected,
      rejectedByKind: { ...this.rejectedByKind },
      deltasSkipped: nodes.deltasSkipped,
    };
  }

  /** Writes the count of lines held back (the cluster's timer calls it). */
  flush(): void {
    this.#limiter.flush();
  }
}
