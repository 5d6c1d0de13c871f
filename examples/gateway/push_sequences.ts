/**
 * The bots' check on the gateway's numbered pushes: each push carries `seq`,
 * contiguous within its stream (a room's `positions` from one node, one
 * sender's `chat`, one recipient's `whisper`). A number past the next one
 * expected counts the numbers skipped as lost; a number seen already, or one
 * going back, counts as duplicated. The first number of a stream is taken as
 * it comes: a reader joins streams in the middle.
 *
 * @module
 */
import { nodeOfConnection } from "spawnkit";

/** What `see()` made of one number. */
export type SeqVerdict = "first" | "next" | "gap" | "repeat";

/** The numbers seen on each stream, and what was lost or seen twice. */
export class PushSequences {
  /** Numbers skipped: pushes sent and never seen. */
  lost = 0;
  /** Numbers seen again, or going back. */
  duplicated = 0;
  /** Gaps met (each may have lost several). */
  gaps = 0;
  readonly #last = new Map<string, number>();

  /**
   * Takes `seq` on `stream`.
   * @throws {TypeError} `seq` is not a positive safe integer.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PushSequences } from "./push_sequences.ts";
   * const seqs = new PushSequences();
   * assert.deepEqual([5, 6, 8, 8].map((n) => seqs.see("chat:7", n)), ["first", "next", "gap", "repeat"]);
   * assert.deepEqual([seqs.lost, seqs.duplicated], [1, 1]);
   * ```
   */
  see(stream: string, seq: unknown): SeqVerdict {
    if (!Number.isSafeInteger(seq) || (seq as number) < 1) {
      throw new TypeError(`Cannot check a push on ${stream}: seq ${String(seq)} is not a positive integer`);
    }
    const n = seq as number;
    const last = this.#last.get(stream);
    if (last === undefined) {
      this.#last.set(stream, n);
      return "first";
    }
    if (n <= last) {
      this.duplicated++;
      return "repeat";
    }
    this.#last.set(stream, n);
    if (n === last + 1) return "next";
    this.gaps++;
    this.lost += n - last - 1;
    return "gap";
  }

  /** Streams seen. */
  get streams(): number {
    return this.#last.size;
  }
}

/**
 * The stream a gateway push belongs to (docs/gateway.md): `positions` per
 * room and per node (the node of the players it lists), `chat` per sender,
 * `whisper` per recipient (one stream for the reader); undefined for a push
 * of another method.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { streamOf } from "./push_sequences.ts";
 * assert.equal(streamOf("chat", { room: "r", from: 12, name: "ada", text: "hi", seq: 1 }), "chat 12");
 * assert.equal(streamOf("whisper", { from: 12, name: "ada", text: "psst", seq: 3 }), "whisper");
 * ```
 */
export function streamOf(method: string, params: Record<string, unknown>): string | undefined {
  switch (method) {
    case "positions": {
      const first = (params.players as { id: number }[] | undefined)?.[0];
      return `positions ${String(params.room)} ${first === undefined ? "?" : nodeOfConnection(first.id)}`;
    }
    case "chat":
      return `chat ${String(params.from)}`;
    case "whisper":
      return "whisper";
    default:
      return undefined;
  }
}
