/**
 * A connection's outbox: encoded frames wait here and go to the socket as one
 * write, at the flush points flush_policy.ts decides (the outbox decides
 * none: it writes when told, and writes what was queued meanwhile once a
 * write settles). A frame is copied into a fill buffer as it is sent (header and
 * payload, no allocation per frame), or, when the kit owns its bytes already
 * in encoded form, queued as a reference in a run (owned_runs.ts, which also
 * writes a flush made of several parts). A flush first offers what is queued
 * to the socket's synchronous `tryWrite` where the runtime has one (Bun): all
 * taken, the buffer is reused at once, with no promise. Otherwise it hands the
 * rest to `write()` and swaps to a spare buffer (fill_buffers.ts), so sends go
 * on while a write is pending. A large frame (over the high-water mark and half of
 * `maxFrameSize`) is not copied: `writeFrame` writes it alone, from the
 * caller's buffer.
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
import { FillBuffers } from "./fill_buffers.ts";
import { OutboxWaiters } from "./outbox_waiters.ts";
import { OwnedRuns, within } from "./owned_runs.ts";
import type { WaterMarks } from "./water_marks.ts";

/** The outbox of one socket. */
export class Outbox {
  readonly #socket: RawSocket;
  readonly #marks: WaterMarks;
  // Where copies go (fill_buffers.ts).
  readonly #buffers = new FillBuffers();
  // Owned runs and the parts of a flush that has them; made on the first owned append.
  #runs: OwnedRuns | undefined;
  #queued = 0;
  #inFlight = 0;
  // The caller's bytes the pending write reads where they are (owned runs, a frame written alone).
  #writing: Uint8Array[] | undefined;
  #flushedSinceTrim = false;
  // Set once the outbox failed; the error itself is made only when someone meets it (a stack trace costs).
  #failure: ConnectionClosedError | (() => ConnectionClosedError) | undefined;
  // Made on first wait: most connections never wait for room or for a drain.
  #waiters: OutboxWaiters | undefined;
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
    const fill = this.#buffers.fill!;
    writeHeader(fill, at, payload.length, packet);
    fill.set(payload, at + packet);
  }

  /** True while some of `bytes` are queued or being written where they are: read memory that must stay. */
  holds(bytes: Uint8Array): boolean {
    return within(this.#writing, bytes) || (this.#runs?.holds(bytes) ?? false);
  }

  /** Appends bytes that are already encoded frames, copied. */
  appendEncoded(bytes: Uint8Array): void {
    const at = this.#reserve(bytes.length);
    this.#buffers.fill!.set(bytes, at);
  }

  /**
   * Appends encoded frames the kit owns, `[from, to)` of `buffer`, without a
   * copy: they are written from there. Bytes that follow the last ones
   * appended from the same view join their run.
   */
  appendOwned(buffer: Uint8Array, from: number, to: number): void {
    const runs = this.#runs ??= new OwnedRuns();
    if (!runs.extend(buffer, from, to)) {
      this.#closeOpenPart();
      runs.open(buffer, from, to);
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
    this.#writing = [framed ?? payload];
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
    this.#writing = undefined;
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
    const runs = this.#runs;
    if (runs === undefined || runs.empty) return this.#flushFill();
    this.#closeOpenPart();
    this.#writeParts(runs, runs.take());
  }

  /** The usual flush: every byte queued is in the fill buffer. */
  #flushFill(): void {
    const buffers = this.#buffers;
    const buffer = buffers.fill!;
    const length = this.#queued;
    // What the runtime takes at once needs no promise, and the buffer is free again at once.
    const taken = this.#socket.tryWrite?.(buffer.subarray(0, length)) ?? 0;
    this.#queued = 0;
    buffers.reset();
    if (taken === length) {
      this.written += length;
      this.#settled();
      return;
    }
    buffers.handOff();
    this.#inFlight = length;
    this.#socket.write(buffer.subarray(taken > 0 ? taken : 0, length)).then(this.#onWritten, this.#onWriteError);
  }

  /** Writes runs and copies in order: what the runtime takes at once, then the rest (owned_runs.ts). */
  #writeParts(runs: OwnedRuns, parts: Uint8Array[]): void {
    const length = this.#queued;
    const usedFill = this.#buffers.at > 0;
    this.#queued = 0;
    const rest = runs.writeNow(this.#socket, parts);
    this.#buffers.reset();
    if (rest === undefined) {
      this.written += length;
      this.#settled();
      return;
    }
    // The fill buffer holds parts being written: later copies go into the spare.
    if (usedFill) this.#buffers.handOff();
    this.#inFlight = length;
    this.#writing = rest;
    runs.write(this.#socket, rest, this.#onWritten, this.#onWriteError);
  }

  /** Ends the open part (a run, or copies since the last part) and puts it in the runs' parts. */
  #closeOpenPart(): void {
    const runs = this.#runs!;
    if (runs.running) runs.closeRun();
    else {
      const part = this.#buffers.closePart();
      if (part !== undefined) runs.push(part);
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
    this.#buffers.trim(this.#queued === 0);
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
    this.#queued = 0;
    this.#buffers.clear();
    this.#runs?.clear();
    const waiters = this.#waiters;
    this.#waiters = undefined;
    waiters?.rejectAll(() => this.#error());
  }

  #error(): ConnectionClosedError {
    const failure = this.#failure!;
    if (typeof failure !== "function") return failure;
    return this.#failure = failure();
  }

  #wait(ready: boolean, drain: boolean): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#error());
    if (ready) return Promise.resolve();
    return (this.#waiters ??= new OutboxWaiters()).wait(drain);
  }

  // Bound once: no closure per write.
  readonly #onWritten = (): void => {
    this.#buffers.written(this.#failure === undefined);
    this.written += this.#inFlight;
    this.#inFlight = 0;
    this.#writing = undefined;
    if (this.#failure !== undefined) return;
    this.#settled();
  };

  readonly #onWriteError = (error: unknown): void => {
    this.#buffers.written(false);
    this.#runs?.clear();
    this.fail(new ConnectionClosedError("socket-error", { cause: error }));
    this.input?.end("socket-error", error);
  };

  /** A write completed: wake who waits for room or for the end, write what was queued meanwhile. */
  #settled(): void {
    if (this.#failure !== undefined) return;
    const waiters = this.#waiters;
    if (waiters?.waitingForRoom && this.#marks.hasRoom(this.bytes)) waiters.wakeRoom();
    if (this.#queued > 0) this.flush();
    else if (waiters?.waitingForDrain) waiters.wakeDrain();
  }

  /** Room for `size` more copied bytes in the fill buffer, after an open run (closed first); returns where. */
  #reserve(size: number): number {
    if (this.#runs?.running) this.#closeOpenPart();
    const start = this.#buffers.reserve(size);
    this.#queued += size;
    const bytes = this.bytes;
    if (bytes > this.peak) this.peak = bytes;
    return start;
  }
}
