/**
 * The bots' check on the gateway's numbered pushes: each push carries `seq`,
 * contiguous within its stream (a room's `positions` from one node, one
 * sender's `chat`, one recipient's `whisper`). A number past the next one
 * expected counts the numbers skipped as lost; a number seen already, or one
 * going back, counts as duplicated. The first number of a stream is taken as
 * it comes: a reader joins streams in the middle. A bot's chat also carries
 * its sender's own call number, which shows a call handled twice.
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
  /** Calls the server handled twice (a sender's call number fell behind its pushes' `seq`). */
  duplicatedCalls = 0;
  /** Calls answered and never handled (a sender's call number ran ahead of its pushes' `seq`). */
  lostCalls = 0;
  /** The same, by stream (by sender): every reader of a room sees the same calls. */
  readonly callFaults = new Map<string, { duplicated: number; lost: number }>();
  readonly #last = new Map<string, number>();
  readonly #offsets = new Map<string, number>();

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

  /**
   * Takes the sender's own number of the call that made a push (a bot
   * numbers its `chat` calls in their text) beside the push's `seq`: each
   * call handled once keeps the two a fixed distance apart on `stream`. A
   * call handled twice makes a push with a new `seq` and an old call number;
   * a call answered but not handled, the opposite. Lost or repeated pushes
   * move both and change nothing here.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PushSequences } from "./push_sequences.ts";
   * const seqs = new PushSequences();
   * seqs.seeCall("chat 7", 10, 1); // the sender's first chat call made push 10
   * seqs.seeCall("chat 7", 11, 2);
   * seqs.seeCall("chat 7", 12, 2); // call 2 handled again
   * assert.deepEqual([seqs.duplicatedCalls, seqs.lostCalls], [1, 0]);
   * ```
   */
  seeCall(stream: string, seq: number, call: number): void {
    const offset = call - seq;
    const known = this.#offsets.get(stream);
    this.#offsets.set(stream, offset);
    if (known === undefined || offset === known) return;
    const faults = this.callFaults.get(stream) ?? { duplicated: 0, lost: 0 };
    this.callFaults.set(stream, faults);
    if (offset < known) {
      this.duplicatedCalls += known - offset;
      faults.duplicated += known - offset;
    } else {
      this.lostCalls += offset - known;
      faults.lost += offset - known;
    }
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

/**
 * The sender's call number in a bot's chat text (`bot 3 chat 17`: 17), or
 * undefined for a text no bot wrote.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chatCallOf } from "./push_sequences.ts";
 * assert.equal(chatCallOf("bot 3 chat 17"), 17);
 * assert.equal(chatCallOf("hello"), undefined);
 * ```
 */
export function chatCallOf(text: unknown): number | undefined {
  const match = typeof text === "string" ? /^bot \d+ chat (\d+)$/.exec(text) : null;
  return match === null ? undefined : Number(match[1]);
}

/**
 * The calls handled twice and never handled over every reader: per sender,
 * the most any reader saw (the readers of a room see the same calls), summed
 * over the senders.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { callFaultsOf, PushSequences } from "./push_sequences.ts";
 * const [a, b] = [new PushSequences(), new PushSequences()];
 * for (const reader of [a, b]) for (const [seq, call] of [[1, 1], [2, 1]]) reader.seeCall("chat 7", seq, call);
 * assert.deepEqual(callFaultsOf([a, b]), { duplicated: 1, lost: 0 });
 * ```
 */
export function callFaultsOf(readers: readonly PushSequences[]): { duplicated: number; lost: number } {
  const most = new Map<string, { duplicated: number; lost: number }>();
  for (const reader of readers) {
    for (const [stream, faults] of reader.callFaults) {
      const seen = most.get(stream) ?? { duplicated: 0, lost: 0 };
      most.set(stream, {
        duplicated: Math.max(seen.duplicated, faults.duplicated),
        lost: Math.max(seen.lost, faults.lost),
      });
    }
  }
  let duplicated = 0;
  let lost = 0;
  for (const faults of most.values()) {
    duplicated += faults.duplicated;
    lost += faults.lost;
  }
  return { duplicated, lost };
}
