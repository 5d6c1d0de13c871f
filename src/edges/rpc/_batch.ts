/**
 * A batch's answers, gathered until every request of it has settled, then
 * sent as one array: none at all when it held only notifications (the
 * specification forbids an empty array). The answers it holds meanwhile are
 * reported to its connection (`hold`), which counts them toward its bound.
 *
 * @module
 */
import type { RpcCodec } from "./codec.ts";

/** The answers of one batch in flight. */
export class Batch {
  #parts: Uint8Array[] = [];
  readonly #codec: RpcCodec;
  readonly #send: (bytes: Uint8Array) => Promise<void>;
  readonly #hold: (answers: number) => void;
  #remaining: number;

  /**
   * A batch of `size` requests, whose answers go out through `send` (which
   * never rejects); `hold(n)` is told of each answer stored (+1) and of those
   * let go once the array is sent (-n).
   */
  constructor(
    size: number,
    codec: RpcCodec,
    send: (bytes: Uint8Array) => Promise<void>,
    hold: (answers: number) => void,
  ) {
    this.#remaining = size;
    this.#codec = codec;
    this.#send = send;
    this.#hold = hold;
  }

  /**
   * One request settled, with its encoded answer (none for a notification).
   * The last one sends the array and returns its send, to be awaited before
   * its slot frees; the others return undefined.
   */
  settle(answer: Uint8Array | undefined): Promise<void> | undefined {
    if (answer !== undefined) this.#parts.push(answer);
    if (--this.#remaining > 0) {
      if (answer !== undefined) this.#hold(1);
      return undefined;
    }
    const parts = this.#parts;
    if (parts.length === 0) return undefined;
    this.#parts = [];
    // The answers stored before this last one are held until the array is in the outbox.
    const held = answer === undefined ? parts.length : parts.length - 1;
    const sent = this.#send(this.#codec.encodeArray(parts));
    return held === 0 ? sent : sent.then(() => this.#hold(-held));
  }
}
