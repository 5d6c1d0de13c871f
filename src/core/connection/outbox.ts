/**
 * A connection's outbox: encoded frames wait here and go to the socket as one
 * write. A frame is copied into a fill buffer as it is sent (header and
 * payload, no allocation per frame), or, when the kit owns its bytes already
 * in encoded form (an owned send of a frame the kit read, whose header is in
 * front of it in the read buffer), queued as a reference: such frames that
 * follow each other in the same buffer join into one run, so an echo of a
 * whole read goes out from the read buffer, as the bytes came. A flush first
 * offers what is queued to the socket's synchronous `tryWrite` where the
 * runtime has one (Bun): all taken, the buffer is reused at once, with no
 * promise. Otherwise it hands the rest to `write()` and swaps to a spare
 * buffer, so sends go on while a write is pending. A large frame (over the
 * high-water mark and half of `maxFrameSize`) is not copied: `writeFrame`
 * writes it alone, from the caller's buffer.
 *
 * Invariants:
 * 1. `bytes` counts every byte sent and not yet taken by the runtime: queued
 *    plus in flight. It is what the high-water mark bounds.
 * 2. At most one socket write is pending; the memory it reads is not touched
 *    until it settles.
 * 3. Bytes leave in the order they were appended.
 *
 * @module
 */
import { ConnectionClosedError } from "../errors.ts";
import type { PacketSize } from "../framing/length_prefixed.ts";
import { writeHeader } from "../framing/length_prefixed.ts";
import type { RawSocket } from "../../transport/types.ts";
import type { WaterMarks } from "./water_marks.ts";

// Buffers are reused while the connection writes (no allocation per write, even of
// 64 KiB frames) and let go by trim() once it has written nothing for a tick. One
// over this size (a burst) is never kept.
const KEEP_BUFFER_BYTES = 1_048_576;
// The first is small and grows by doubling: a connection that sends one short reply and goes
// idle holds it until trim(), and at 1 KiB that cost 0.8 kB of RSS per idle connection on Deno.
const FIRST_BUFFER_BYTES = 128;
// Parts of one flush (runs and copies between them) up to this many bytes in all are copied into one write;
// beyond it they are written one after another, as they are.
const GATHER_BYTES = 65_536;

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/** The outbox of one socket. */
export class Outbox {
  readonly #socket: RawSocket;
  readonly #marks: WaterMarks;
  #fill: Uint8Array | undefined;
  #spare: Uint8Array | undefined;
  // Bytes of #fill in use; copies since #fillFrom are the open part (those before it are in #parts).
  #fillAt = 0;
  #fillFrom = 0;
  // The open run of owned bytes: [#runFrom, #runTo) of #runBuffer.
  #runBuffer: Uint8Array | undefined;
  #runFrom = 0;
  #runTo = 0;
  // Closed parts, in order, before the open one; made only once a run is queued.
  #parts: Uint8Array[] | undefined;
  #queued = 0;
  #inFlight = 0;
  // The fill buffer a pending write reads, to become the spare once it is written.
  #pending: Uint8Array | undefined;
  // Parts written one after another, and the next to write.
  #flight: Uint8Array[] | undefined;
  #flightAt = 0;
  #flushedSinceTrim = false;
  // Set once the outbox failed; the error itself is made only when someone meets it (a stack trace costs).
  #failure: ConnectionClosedError | (() => ConnectionClosedError) | undefined;
  // Made on first wait: most connections never wait for room or for a drain.
  #roomWaiters: Waiter[] | undefined;
  #drainWaiters: Waiter[] | undefined;
  /** Bytes handed to the socket so far. */
  written = 0;
  /** The most bytes the outbox ever held. */
  peak = 0;
  /** Set while the outbox waits in a deferred flush (deferred_flush.ts). */
  deferred = false;
  /** Ended with "socket-error" once, when a socket write fails (the connection's input side). */
  input: { end(reason: "socket-error", error: unknown): void } | undefined;

  constructor(socket: RawSocket, marks: WaterMarks) {
    this.#socket = socket;
    this.#marks = marks;
  }

  /** Bytes queued and in flight. */
  get bytes(): number {
    return this.#queued + this.#inFlight;
  }

  /** True once a write failed or {@linkcode fail} was called. */
  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /** Appends one frame: header then payload, copied. The caller checked the length. */
  appendFrame(payload: Uint8Array, packet: PacketSize): void {
    const at = this.#reserve(packet + payload.length);
    writeHeader(this.#fill!, at, payload.length, packet);
    this.#fill!.set(payload, at + packet);
  }

  /** Appends bytes that are already encoded frames, copied. */
  appendEncoded(bytes: Uint8Array): void {
    const at = this.#reserve(bytes.length);
    this.#fill!.set(bytes, at);
  }

  /**
   * Appends encoded frames the kit owns, `[from, to)` of `buffer`, without a
   * copy: they are written from there. Bytes that follow the last ones
   * appended from the same view join their run.
   */
  appendOwned(buffer: Uint8Array, from: number, to: number): void {
    if (this.#runBuffer === buffer && this.#runTo === from) this.#runTo = to;
    else {
      this.#closeOpenPart();
      this.#runBuffer = buffer;
      this.#runFrom = from;
      this.#runTo = to;
    }
    this.#queued += to - from;
    const bytes = this.bytes;
    if (bytes > this.peak) this.peak = bytes;
  }

  /**
   * Writes one frame from the caller's buffer, with no copy: the header, then
   * `payload` as it is; or, when `framed` is given (the same payload with its
   * header in front), that in one write. The outbox must be empty (a frame
   * this large goes alone). Settles once the runtime took every byte, so the
   * payload must stay unchanged until then; rejects if the outbox fails first.
   */
  async writeFrame(payload: Uint8Array, packet: PacketSize, framed?: Uint8Array): Promise<void> {
    const length = packet + payload.length;
    this.#inFlight = length;
    if (length > this.peak) this.peak = length;
    this.#flushedSinceTrim = true;
    try {
      if (framed !== undefined) await this.#writeAll(framed);
      else {
        const header = new Uint8Array(packet);
        writeHeader(header, 0, payload.length, packet);
        await this.#writeAll(header);
        await this.#writeAll(payload);
      }
    } catch (error) {
      this.#onWriteError(error);
    }
    this.#inFlight = 0;
    if (this.#failure !== undefined) throw this.#error();
    this.written += length;
    this.#settled();
  }

  #writeAll(bytes: Uint8Array): Promise<void> | undefined {
    const socket = this.#socket;
    const taken = socket.tryWrite?.(bytes) ?? 0;
    if (taken === bytes.length) return undefined;
    const written = socket.write(taken > 0 ? bytes.subarray(taken) : bytes);
    // The send waits for the runtime: its handler asks for nothing meanwhile.
    socket.holdReads?.();
    return written;
  }

  /** A send waits for room: the socket may stop reading until the kit asks again. */
  holdReads(): void {
    this.#socket.holdReads?.();
  }

  /** Starts writing what is queued, if no write is pending. Never waits. */
  flush(): void {
    if (this.#inFlight > 0 || this.#queued === 0 || this.#failure !== undefined) return;
    this.#flushedSinceTrim = true;
    if (this.#parts === undefined && this.#runBuffer === undefined) return this.#flushFill();
    this.#closeOpenPart();
    const parts = this.#parts!;
    this.#parts = undefined;
    this.#writeParts(parts);
  }

  /** The usual flush: every byte queued is in the fill buffer. */
  #flushFill(): void {
    const buffer = this.#fill!;
    const length = this.#queued;
    // What the runtime takes at once needs no promise, and the buffer is free again at once.
    const taken = this.#socket.tryWrite?.(buffer.subarray(0, length)) ?? 0;
    this.#queued = this.#fillAt = this.#fillFrom = 0;
    if (taken === length) {
      this.written += length;
      this.#settled();
      return;
    }
    this.#fill = this.#spare;
    this.#spare = undefined;
    this.#inFlight = length;
    this.#pending = buffer;
    this.#socket.write(buffer.subarray(taken > 0 ? taken : 0, length)).then(this.#onWritten, this.#onWriteError);
  }

  /** Writes runs and copies in order: what the runtime takes at once, then one write (gathered) or one each. */
  #writeParts(parts: Uint8Array[]): void {
    const length = this.#queued;
    const usedFill = this.#fillAt > 0;
    this.#queued = 0;
    let i = 0;
    let left = length;
    const socket = this.#socket;
    if (socket.tryWrite !== undefined) {
      for (; i < parts.length; i++) {
        const part = parts[i]!;
        const taken = socket.tryWrite(part);
        left -= taken;
        if (taken < part.length) {
          parts[i] = part.subarray(taken);
          break;
        }
      }
    }
    if (i === parts.length) {
      this.#fillAt = this.#fillFrom = 0;
      this.written += length;
      this.#settled();
      return;
    }
    // The fill buffer holds parts being written: later copies go into the spare.
    if (usedFill) {
      this.#pending = this.#fill;
      this.#fill = this.#spare;
      this.#spare = undefined;
    }
    this.#fillAt = this.#fillFrom = 0;
    this.#inFlight = length;
    const rest = i === 0 ? parts : parts.slice(i);
    if (rest.length === 1) {
      socket.write(rest[0]!).then(this.#onWritten, this.#onWriteError);
    } else if (left <= GATHER_BYTES) {
      const gathered = new Uint8Array(left);
      let at = 0;
      for (const part of rest) {
        gathered.set(part, at);
        at += part.length;
      }
      socket.write(gathered).then(this.#onWritten, this.#onWriteError);
    } else {
      this.#flight = rest;
      this.#flightAt = 0;
      this.#writeNextPart();
    }
  }

  // Bound once: no closure per write.
  readonly #writeNextPart = (): void => {
    const flight = this.#flight;
    if (flight === undefined || this.#flightAt === flight.length || this.#failure !== undefined) {
      this.#flight = undefined;
      return this.#onWritten();
    }
    this.#socket.write(flight[this.#flightAt++]!).then(this.#writeNextPart, this.#onWriteError);
  };

  /** Ends the open part (a run, or copies since the last part) and puts it in #parts. */
  #closeOpenPart(): void {
    const parts = this.#parts ??= [];
    if (this.#runBuffer !== undefined) {
      parts.push(this.#runBuffer.subarray(this.#runFrom, this.#runTo));
      this.#runBuffer = undefined;
    } else if (this.#fillAt > this.#fillFrom) {
      parts.push(this.#fill!.subarray(this.#fillFrom, this.#fillAt));
      this.#fillFrom = this.#fillAt;
    }
  }

  /**
   * Lets go of the buffers if nothing was written since the last call: the
   * server's ticker calls it every tick, so an idle connection holds no
   * outbox memory, and a busy one keeps reusing its buffers.
   */
  trim(): void {
    if (this.#flushedSinceTrim) {
      this.#flushedSinceTrim = false;
      return;
    }
    this.#spare = undefined;
    if (this.#queued === 0) this.#fill = undefined;
  }

  /** Settles once the outbox holds at most the low-water mark. */
  whenRoom(): Promise<void> {
    return this.#wait(this.#marks.hasRoom(this.bytes), false);
  }

  /** Flushes, then settles once every byte has been taken by the runtime. */
  drain(): Promise<void> {
    this.flush();
    return this.#wait(this.bytes === 0, true);
  }

  /**
   * Fails every waiter and every later wait with `error` (or the error `error()`
   * makes, made only if a waiter meets it); drops what is queued.
   */
  fail(error: ConnectionClosedError | (() => ConnectionClosedError)): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    this.#queued = this.#fillAt = this.#fillFrom = 0;
    this.#fill =
      this.#spare =
      this.#runBuffer =
      this.#parts =
      this.#flight =
        undefined;
    const waiters = [...this.#roomWaiters ?? [], ...this.#drainWaiters ?? []];
    this.#roomWaiters = this.#drainWaiters = undefined;
    for (const waiter of waiters) waiter.reject(this.#error());
  }

  #error(): ConnectionClosedError {
    const failure = this.#failure!;
    if (typeof failure !== "function") return failure;
    return this.#failure = failure();
  }

  #wait(ready: boolean, drain: boolean): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#error());
    if (ready) return Promise.resolve();
    const waiters = drain ? this.#drainWaiters ??= [] : this.#roomWaiters ??= [];
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  }

  // Bound once: no closure per write.
  readonly #onWritten = (): void => {
    const buffer = this.#pending;
    this.#pending = undefined;
    this.written += this.#inFlight;
    this.#inFlight = 0;
    if (this.#failure !== undefined) return;
    if (buffer !== undefined && buffer.length <= KEEP_BUFFER_BYTES && this.#spare === undefined) {
      this.#spare = buffer;
    }
    this.#settled();
  };

  readonly #onWriteError = (error: unknown): void => {
    this.#pending = this.#flight = undefined;
    this.fail(new ConnectionClosedError("socket-error", { cause: error }));
    this.input?.end("socket-error", error);
  };

  /** A write completed: wake who waits for room or for the end, write what was queued meanwhile. */
  #settled(): void {
    if (this.#failure !== undefined) return;
    const room = this.#roomWaiters;
    if (room !== undefined && room.length > 0 && this.#marks.hasRoom(this.bytes)) release(room.splice(0));
    if (this.#queued > 0) this.flush();
    else if (this.#drainWaiters !== undefined && this.#drainWaiters.length > 0) release(this.#drainWaiters.splice(0));
  }

  /** Room for `size` more copied bytes in the fill buffer, after an open run (closed first); returns where. */
  #reserve(size: number): number {
    if (this.#runBuffer !== undefined) this.#closeOpenPart();
    const at = this.#fillAt;
    const needed = at + size;
    const fill = this.#fill;
    if (fill === undefined || fill.length < needed) {
      // Parts already closed keep the old buffer (their views hold it); the open part moves to the new one.
      const from = this.#fillFrom;
      const grown = new Uint8Array(Math.max(FIRST_BUFFER_BYTES, needed - from, (fill?.length ?? 0) * 2));
      if (fill !== undefined && at > from) grown.set(fill.subarray(from, at));
      this.#fill = grown;
      this.#fillFrom = 0;
      this.#fillAt = at - from;
    }
    const start = this.#fillAt;
    this.#fillAt = start + size;
    this.#queued += size;
    const bytes = this.bytes;
    if (bytes > this.peak) this.peak = bytes;
    return start;
  }
}

function release(waiters: Waiter[]): void {
  for (const waiter of waiters) waiter.resolve();
}
