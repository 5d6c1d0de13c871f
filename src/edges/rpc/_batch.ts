/**
 * A batch's answers, gathered until every request of it has settled, then
 * sent as one array: none at all when it held only notifications (the
 * specification forbids an empty array).
 *
 * @module
 */
import type { RpcCodec } from "./codec.ts";

/** The answers of one batch in flight. */
export class Batch {
  readonly #parts: Uint8Array[] = [];
  readonly #codec: RpcCodec;
  readonly #send: (bytes: Uint8Array) => Promise<void>;
  #remaining: number;

  /** A batch of `size` requests, whose answers go out through `send`. */
  constructor(size: number, codec: RpcCodec, send: (bytes: Uint8Array) => Promise<void>) {
    this.#remaining = size;
    this.#codec = codec;
    this.#send = send;
  }

  /**
   * One request settled, with its encoded answer (none for a notification).
   * The last one sends the array and returns its send, to be awaited before
   * its slot frees; the others return undefined.
   */
  settle(answer: Uint8Array | undefined): Promise<void> | undefined {
    if (answer !== undefined) this.#parts.push(answer);
    if (--this.#remaining > 0 || this.#parts.length === 0) return undefined;
    return this.#send(this.#codec.encodeArray(this.#parts));
  }
}
