/**
 * The parts of an outbox flush once owned bytes are queued (outbox.ts): the
 * open run of owned bytes, the parts closed before it, and the writing of a
 * flush made of several parts. Frames the kit owns in encoded form (an owned
 * send of a frame the kit read, whose header is in front of it in the read
 * buffer) are queued as references; such frames that follow each other in
 * the same buffer join into one run, so an echo of a whole read goes out from
 * the read buffer, as the bytes came. Copies queued between runs become parts
 * of their own (views into the outbox's fill buffer).
 *
 * Invariants:
 * 1. Parts leave in the order they were closed; the open run is the last.
 * 2. The bytes of a part are not touched until the write that reads them
 *    settled (the outbox keeps its fill buffer aside meanwhile).
 * 3. At most one write of a flight of parts is pending; the next starts once
 *    it settled.
 *
 * @module
 */
import type { RawSocket } from "../../transport/types.ts";

// Parts of one flush (runs and copies between them) up to this many bytes in all are copied into one write;
// beyond it they are written one after another, as they are.
const GATHER_BYTES = 65_536;

/** The queued runs and parts of one outbox, made on its first owned append. */
export class OwnedRuns {
  // The open run of owned bytes: [#from, #to) of #buffer.
  #buffer: Uint8Array | undefined;
  #from = 0;
  #to = 0;
  // Closed parts, in order, before the open one; made only once a part is closed.
  #parts: Uint8Array[] | undefined;
  // Parts written one after another, and the next to write.
  #flight: Uint8Array[] | undefined;
  #flightAt = 0;
  #socket: RawSocket | undefined;
  #onWritten: (() => void) | undefined;
  #onWriteError: ((error: unknown) => void) | undefined;

  /** True while a run is open. */
  get running(): boolean {
    return this.#buffer !== undefined;
  }

  /** True when no part is closed and no run is open. */
  get empty(): boolean {
    return this.#parts === undefined && this.#buffer === undefined;
  }

  /** True while some of `bytes` are queued here or in a flight of writes: their memory must stay as it is. */
  holds(bytes: Uint8Array): boolean {
    const run = this.#buffer;
    return (run !== undefined && overlap(run.byteOffset + this.#from, run.byteOffset + this.#to, run.buffer, bytes)) ||
      within(this.#parts, bytes) || within(this.#flight, bytes);
  }

  /** Extends the open run with `[from, to)` of `buffer` if they follow it; false when they do not. */
  extend(buffer: Uint8Array, from: number, to: number): boolean {
    if (this.#buffer !== buffer || this.#to !== from) return false;
    this.#to = to;
    return true;
  }

  /** Opens a run of `[from, to)` of `buffer`; the caller closed the open part first. */
  open(buffer: Uint8Array, from: number, to: number): void {
    this.#buffer = buffer;
    this.#from = from;
    this.#to = to;
  }

  /** Ends the open run and puts it in the parts. */
  closeRun(): void {
    this.push(this.#buffer!.subarray(this.#from, this.#to));
    this.#buffer = undefined;
  }

  /** Closes `part` (copies queued since the last part). */
  push(part: Uint8Array): void {
    (this.#parts ??= []).push(part);
  }

  /** The closed parts, handed over; the caller closed the open part first. */
  take(): Uint8Array[] {
    const parts = this.#parts!;
    this.#parts = undefined;
    return parts;
  }

  /** Drops every part and run, and stops a flight of writes (the outbox failed). */
  clear(): void {
    this.#buffer = this.#parts = this.#flight = undefined;
  }

  /**
   * Offers `parts` to the socket's synchronous `tryWrite`, in order; returns
   * the parts it did not take whole (the first cut to what is left), or
   * undefined when it took every byte.
   */
  writeNow(socket: RawSocket, parts: Uint8Array[]): Uint8Array[] | undefined {
    let i = 0;
    if (socket.tryWrite !== undefined) {
      for (; i < parts.length; i++) {
        const part = parts[i]!;
        const taken = socket.tryWrite(part);
        if (taken < part.length) {
          parts[i] = part.subarray(taken);
          break;
        }
      }
    }
    if (i === parts.length) return undefined;
    return i === 0 ? parts : parts.slice(i);
  }

  /**
   * Writes `rest`: one part as it is, parts up to `GATHER_BYTES` in all
   * gathered into one write, more one after another. Calls `onWritten` once
   * every part is written, `onWriteError` if a write fails.
   */
  write(socket: RawSocket, rest: Uint8Array[], onWritten: () => void, onWriteError: (error: unknown) => void): void {
    if (rest.length === 1) return void socket.write(rest[0]!).then(onWritten, onWriteError);
    let left = 0;
    for (const part of rest) left += part.length;
    if (left <= GATHER_BYTES) {
      const gathered = new Uint8Array(left);
      let at = 0;
      for (const part of rest) {
        gathered.set(part, at);
        at += part.length;
      }
      socket.write(gathered).then(onWritten, onWriteError);
    } else {
      this.#socket = socket;
      this.#onWritten = onWritten;
      this.#onWriteError = onWriteError;
      this.#flight = rest;
      this.#flightAt = 0;
      this.#writeNextPart();
    }
  }

  // Bound once: no closure per write.
  readonly #writeNextPart = (): void => {
    const flight = this.#flight;
    if (flight === undefined || this.#flightAt === flight.length) {
      this.#flight = undefined;
      return this.#onWritten!();
    }
    this.#socket!.write(flight[this.#flightAt++]!).then(this.#writeNextPart, this.#onWriteError);
  };
}

/** True when one of `parts` shares a byte with `bytes`. */
export function within(parts: readonly Uint8Array[] | undefined, bytes: Uint8Array): boolean {
  if (parts === undefined) return false;
  for (const part of parts) {
    if (overlap(part.byteOffset, part.byteOffset + part.length, part.buffer, bytes)) return true;
  }
  return false;
}

/** True when `[from, to)` of `buffer` shares a byte with `bytes`. */
function overlap(from: number, to: number, buffer: ArrayBufferLike, bytes: Uint8Array): boolean {
  return buffer === bytes.buffer && from < bytes.byteOffset + bytes.length && bytes.byteOffset < to;
}
