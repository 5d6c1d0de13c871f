/**
 * The ways a reconnecting connection is read (reconnector.ts), across its
 * legs, as connection/reader_faces.ts gives them for one connection:
 * `receive()`, the `for await` loop, `batches()`, `events()`, the readable
 * stream, and the writable one.
 *
 * Invariant: one reader at a time, a loop or the readable stream, never both
 * (like a locked stream's reader).
 *
 * @module
 */
import type { ConnectionEvent } from "../connection/events.ts";
import { frameReadable, frameWritable } from "../connection/streams.ts";
import type { Legs } from "./legs.ts";

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** What the readers need of their reconnecting connection. */
export interface ReadersHost {
  readonly id: number;
  readonly closing: boolean;
  readonly finished: Promise<unknown>;
  send(payload: Uint8Array): Promise<void>;
  close(): void;
  abort(reason: unknown): void;
}

/** The reading faces of one reconnecting connection. */
export class ReconnectingReaders {
  readonly #host: ReadersHost;
  readonly #legs: Legs;
  readonly #ended = (): boolean => this.#host.closing;
  #reader: "loop" | "stream" | undefined;
  #readable: ReadableStream<Uint8Array> | undefined;
  #writable: WritableStream<Uint8Array> | undefined;

  constructor(host: ReadersHost, legs: Legs) {
    this.#host = host;
    this.#legs = legs;
  }

  /** The next frame, across legs; undefined once it has ended for good and every frame was read. */
  receive(): Promise<Uint8Array | undefined> {
    try {
      this.#claim("loop");
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#legs.receive(this.#ended);
  }

  /** The frames across legs as a ReadableStream (see `Connection.readable`); cancelling it closes the connection. */
  get readable(): ReadableStream<Uint8Array> {
    if (this.#readable !== undefined) return this.#readable;
    this.#claim("stream");
    const host = this.#host;
    return this.#readable = frameReadable({
      nextFrame: () => this.#legs.receive(this.#ended),
      cancelInput: (reason) => reason === undefined ? host.close() : host.abort(reason),
    });
  }

  /** Sends as `send()`; across reconnects there is no write side of its own to end, so closing it closes the connection. */
  get writable(): WritableStream<Uint8Array> {
    const host = this.#host;
    return this.#writable ??= frameWritable({
      send: (payload) => host.send(payload),
      closeWrite: async () => {
        host.close();
        await host.finished;
      },
      forceClose: (reason) => host.abort(reason),
    });
  }

  /** The `for await` loop's iterator. */
  frames(): AsyncIterator<Uint8Array> {
    this.#claim("loop");
    return {
      next: () => this.#legs.next(this.#ended),
      return: () => {
        this.#legs.stop();
        return Promise.resolve(DONE);
      },
    };
  }

  /** One frame a batch, across legs: a reconnecting client reads one frame at a time. */
  async *batches(): AsyncGenerator<Uint8Array[], void, undefined> {
    while (true) {
      const frame = await this.receive();
      if (frame === undefined) return;
      yield [frame];
    }
  }

  async *events(): AsyncGenerator<ConnectionEvent, void, undefined> {
    // A client has no mailbox and no ticker: frames only.
    while (true) {
      const frame = await this.receive();
      if (frame === undefined) return;
      yield { type: "frame", frame };
    }
  }

  /** One reader at a time: a loop or the readable stream (as `Connection.readable`). */
  #claim(reader: "loop" | "stream"): void {
    if (this.#reader !== undefined && this.#reader !== reader) {
      const id = this.#host.id;
      throw new TypeError(
        reader === "loop"
          ? `Cannot read connection ${id} in a loop: its readable stream reads it`
          : `Cannot read connection ${id} through readable: it is read in a loop`,
      );
    }
    this.#reader = reader;
  }
}
