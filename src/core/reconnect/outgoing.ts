/**
 * A reconnecting connection's sends: straight to the live leg, or waiting
 * for the next one (or refused), per `whileDisconnected`.
 *
 * Invariants:
 * 1. Every send gets a sequence number when it is made; frames that wait go
 *    out in that order (waiting_sends.ts), behind whatever the reconnect hook
 *    sent meanwhile.
 * 2. A frame is refused, lost or sent, never sent twice: a send the live leg
 *    refused before taking it (it was lost meanwhile) waits for the next leg
 *    in its place; a frame a leg took is that leg's, lost with it.
 *
 * @module
 */
import { ConnectionClosedError } from "../errors.ts";
import { checkOutgoing, type Framing } from "../framing/length_prefixed.ts";
import type { Leg } from "./legs.ts";
import { DisconnectedError } from "./reconnect_errors.ts";
import { WaitingSends } from "./waiting_sends.ts";

/** The outbound side of a reconnecting connection. */
export class Outgoing {
  readonly waiting: WaitingSends;
  readonly #framing: Framing;
  readonly #failFast: boolean;
  // The error sends meet once the reconnecting connection has ended; undefined while it runs.
  readonly #ended: () => unknown;
  #seq = 0;
  /** Sends refused while disconnected. */
  refused = 0;

  constructor(framing: Framing, whileDisconnected: "wait" | "fail", maxWaitingBytes: number, ended: () => unknown) {
    this.#framing = framing;
    this.#failFast = whileDisconnected === "fail";
    this.waiting = new WaitingSends(maxWaitingBytes);
    this.#ended = ended;
  }

  /** Sends on `live`, or waits for a leg when there is none. */
  send(live: Leg | undefined, payload: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    try {
      const ended = this.#ended();
      if (ended !== undefined) throw ended;
      signal?.throwIfAborted();
      checkOutgoing(payload.length, this.#framing);
    } catch (error) {
      return Promise.reject(error);
    }
    const size = this.#framing.packet + payload.length;
    const seq = ++this.#seq;
    return live === undefined ? this.#wait(payload, size, seq, signal) : this.#sendOn(live, payload, size, seq, signal);
  }

  /** Hands every waiting frame to `leg`, in order. */
  release(leg: Leg): void {
    for (const item of this.waiting.takeAll()) {
      item.resolve(this.#sendOn(leg, item.payload, item.size, item.seq, item.signal));
    }
  }

  #sendOn(leg: Leg, payload: Uint8Array, size: number, seq: number, signal?: AbortSignal): Promise<void> {
    return leg.conn.send(payload).then(undefined, (error: unknown) => {
      // The leg ended before it took the frame: the frame waits for the next one, in its place.
      if (error instanceof ConnectionClosedError && this.#ended() === undefined) {
        return this.#wait(payload, size, seq, signal);
      }
      throw error;
    });
  }

  #wait(payload: Uint8Array, size: number, seq: number, signal?: AbortSignal): Promise<void> {
    const ended = this.#ended();
    if (ended !== undefined) return Promise.reject(ended);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const waiting = this.#failFast ? undefined : this.waiting.add(payload, size, seq, signal);
    if (waiting !== undefined) return waiting;
    this.refused++;
    return Promise.reject(new DisconnectedError(!this.#failFast, this.waiting.bytes));
  }
}
