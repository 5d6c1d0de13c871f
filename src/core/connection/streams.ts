/**
 * A connection's web-stream faces: `conn.readable`, a ReadableStream of its
 * frames, and `conn.writable`, a WritableStream of frames to send. Both sit on
 * the connection's own reads and sends, so every guard, the pull reads and
 * the outbox's water marks hold as for a `for await` loop and `send()`.
 *
 * Invariants:
 * 1. Pull-based: the readable pulls only when a reader asks and its queue is
 *    empty (`highWaterMark` 0); a pull takes the frames of one read already
 *    queued, or reads the socket when none is. A pipe into a slow sink stops
 *    reading the socket (Erlang's `{active, once}`).
 * 2. A frame handed out is the reader's: it stays valid after later reads (the
 *    transport never writes a chunk's memory again).
 * 3. A write goes through the connection's `send()`: `writer.ready` waits
 *    while a send waits above the high-water mark, and writes keep one order
 *    with the connection's other sends.
 *
 * @module
 */

/** What the readable face needs of a connection. */
export interface FrameSource {
  /** The frames queued now from one read, handed over at once; undefined when none is (or a message is next). */
  takeFrames?(): Uint8Array[] | undefined;
  /** The next frame, or undefined once input has ended (whatever the reason: the connection's stats say it). */
  nextFrame(): Promise<Uint8Array | undefined>;
  /** The reader let go: input ends, with `reason` as the connection's error (none: a plain close). */
  cancelInput(reason: unknown): void;
}

/** What the writable face needs of a connection. */
export interface FrameSink {
  /** Queues one frame, as `Connection.send()`. */
  send(payload: Uint8Array): Promise<void>;
  /** Writes what is queued, then ends the write side (the peer reads the end of input). */
  closeWrite(): Promise<void>;
  /** Closes the connection now, dropping what is queued. */
  forceClose(reason: unknown): unknown;
}

/**
 * A ReadableStream of the frames of `source`, pulled one at a time.
 *
 * @example Frames from a source, then the end
 * ```ts
 * import assert from "node:assert/strict";
 * import { frameReadable } from "./streams.ts";
 * const frames = [new Uint8Array([1]), new Uint8Array([2])];
 * const readable = frameReadable({ nextFrame: () => Promise.resolve(frames.shift()), cancelInput() {} });
 * const seen: number[] = [];
 * for await (const frame of readable) seen.push(frame[0]!);
 * assert.deepEqual(seen, [1, 2]);
 * ```
 */
export function frameReadable(source: FrameSource): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    pull: (controller) => {
      // Frames already read go into the stream's queue at once, without a promise each.
      const frames = source.takeFrames?.();
      if (frames !== undefined) {
        for (const frame of frames) controller.enqueue(frame);
        return;
      }
      return source.nextFrame().then((frame) => {
        if (frame === undefined) controller.close();
        else controller.enqueue(frame);
      });
    },
    cancel: (reason) => source.cancelInput(reason),
  }, { highWaterMark: 0 });
}

/**
 * A WritableStream whose writes go to `sink.send()`: one write in flight at a
 * time, so `writer.ready` waits while a send waits for room.
 *
 * @example Writes become sends; close ends the write side
 * ```ts
 * import assert from "node:assert/strict";
 * import { frameWritable } from "./streams.ts";
 * const sent: number[] = [];
 * let closed = false;
 * const writable = frameWritable({
 *   send: (payload) => Promise.resolve(void sent.push(payload[0]!)),
 *   closeWrite: () => Promise.resolve(void (closed = true)),
 *   forceClose() {},
 * });
 * const writer = writable.getWriter();
 * await writer.write(new Uint8Array([7]));
 * await writer.close();
 * assert.deepEqual(sent, [7]);
 * assert.ok(closed);
 * ```
 */
export function frameWritable(sink: FrameSink): WritableStream<Uint8Array> {
  return new WritableStream<Uint8Array>({
    write: (payload) => {
      if (!(payload instanceof Uint8Array)) {
        throw new TypeError(`Cannot write to a connection: a frame is a Uint8Array, got ${typeof payload}`);
      }
      return sink.send(payload);
    },
    close: () => sink.closeWrite(),
    abort: (reason) => void sink.forceClose(reason),
  }, { highWaterMark: 1 });
}
