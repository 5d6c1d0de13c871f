/**
 * Newline-delimited frames: each frame is a line, its bytes then one LF.
 *
 * ```text
 * +---------------------+----+---------+----+
 * | h e l l o           | \n | b y e   | \n |      two frames: "hello", "bye"
 * +---------------------+----+---------+----+
 * ```
 *
 * - The LF ends a line and is not part of it; every other byte is (a CR
 *   before the LF too: a frame goes out and comes back byte for byte).
 * - `maxLineLength` (both): the longest line in bytes, LF not counted.
 *   Decoding refuses a line as soon as more of it arrived than that, LF or
 *   not, with {@linkcode FrameTooLargeError} (the connection closes with
 *   `frame-too-large`, as for an oversize frame), so a peer that never sends
 *   an LF holds at most `maxLineLength` bytes. Encoding refuses a longer
 *   payload, and one that holds an LF (a `TypeError`: it would be two lines).
 * - Input that ends inside a line (bytes after the last LF) is a
 *   {@linkcode TruncatedFrameError}.
 *
 * Cost: a line inside one read is a view into it (no copy); one split over
 * reads is copied once, into a buffer that grows up to `maxLineLength`.
 * Sending copies a payload twice (once to add the LF, once into the outbox),
 * where length-prefixed frames are copied once.
 *
 * @module
 */
import { FrameTooLargeError, TruncatedFrameError } from "../errors.ts";
import { checkNumber } from "../options.ts";
import type { WireDecoder, WireFormat } from "./wire_format.ts";

const LF = 0x0a;

/** The default `maxLineLength`: 64 KiB. */
export const DEFAULT_MAX_LINE_LENGTH = 65_536;

/** Options of {@linkcode newlineDelimited}. */
export interface NewlineDelimitedOptions {
  /** The longest line in bytes, the LF not counted (encoding and decoding). @default {65536} */
  maxLineLength?: number;
}

/**
 * The newline-delimited wire format, for `serve({ framing })`,
 * `connect({ framing })` and the stream adapter.
 *
 * @throws {RangeError} `maxLineLength` is not an integer from 0 to 4294967295.
 * @example A line server and a client
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, newlineDelimited, serve, silentLogger } from "spawnkit";
 * const framing = newlineDelimited({ maxLineLength: 1024 });
 * await using server = await serve({ framing, logger: silentLogger }, async (conn) => {
 *   for await (const line of conn) await conn.send(new TextEncoder().encode(new TextDecoder().decode(line).toUpperCase()));
 * });
 * await using client = await connect({ port: server.addr.port, framing });
 * await client.send(new TextEncoder().encode("hello"));
 * assert.equal(new TextDecoder().decode(await client.receive()), "HELLO");
 * ```
 * @example Lines in any chunking, through the stream adapter
 * ```ts
 * import assert from "node:assert/strict";
 * import { FrameDecoderStream, newlineDelimited } from "spawnkit";
 * const bytes = ["he", "llo\nb", "ye\n"].map((s) => new TextEncoder().encode(s));
 * const lines = ReadableStream.from(bytes).pipeThrough(new FrameDecoderStream({ framing: newlineDelimited() }));
 * const text = (await Array.fromAsync(lines)).map((line) => new TextDecoder().decode(line));
 * assert.deepEqual(text, ["hello", "bye"]);
 * ```
 */
export function newlineDelimited(options: NewlineDelimitedOptions = {}): WireFormat {
  const maxLineLength = checkNumber("maxLineLength", options.maxLineLength) ?? DEFAULT_MAX_LINE_LENGTH;
  return new NewlineFormat(maxLineLength);
}

class NewlineFormat implements WireFormat {
  readonly name = "newline-delimited";
  readonly maxFrameSize: number;

  constructor(maxLineLength: number) {
    this.maxFrameSize = maxLineLength;
  }

  decoder(): WireDecoder {
    return new NewlineDecoder(this.maxFrameSize);
  }

  encode(payload: Uint8Array): Uint8Array {
    if (payload.length > this.maxFrameSize) {
      throw new FrameTooLargeError("send line", payload.length, this.maxFrameSize);
    }
    const newline = payload.indexOf(LF);
    if (newline !== -1) throw new TypeError(`Cannot send line: byte ${newline} is a newline`);
    const bytes = new Uint8Array(payload.length + 1);
    bytes.set(payload);
    bytes[payload.length] = LF;
    return bytes;
  }
}

/** Lines out of chunks (see the module's doc). */
class NewlineDecoder implements WireDecoder {
  readonly #max: number;
  // The start of a line that goes on in later chunks, copied (a view per chunk could pin many small chunks).
  #partial: Uint8Array | undefined;
  #fill = 0;
  // What a decode() that stopped at its limit left undecoded (a view into its chunk).
  #rest: Uint8Array | undefined;

  constructor(max: number) {
    this.#max = max;
  }

  decode(chunk: Uint8Array, frames: Uint8Array[], limit = Infinity): void {
    const max = this.#max;
    const stop = frames.length + limit;
    let start = 0;
    let newline: number;
    if (this.#rest !== undefined) chunk = this.#takeRest(chunk);
    while ((newline = chunk.indexOf(LF, start)) !== -1) {
      if (frames.length >= stop) {
        // The limit: the lines after it wait, undecoded, for the next call.
        this.#rest = chunk.subarray(start);
        return;
      }
      const length = this.#fill + newline - start;
      if (length > max) throw new FrameTooLargeError("decode line", length, max);
      if (this.#fill === 0) frames.push(chunk.subarray(start, newline));
      else {
        const line = new Uint8Array(length);
        line.set(this.#partial!.subarray(0, this.#fill));
        line.set(chunk.subarray(start, newline), this.#fill);
        frames.push(line);
        this.#fill = 0;
        // A long line's buffer goes with it: a quiet connection does not keep one.
        if (this.#partial!.length > 4096) this.#partial = undefined;
      }
      start = newline + 1;
    }
    const rest = chunk.length - start;
    if (rest === 0) return;
    const length = this.#fill + rest;
    if (length > max) throw new FrameTooLargeError("decode line", length, max);
    this.#keep(chunk.subarray(start), length);
  }

  finish(): void {
    const kept = this.#fill + (this.#rest?.length ?? 0);
    if (kept > 0) throw new TruncatedFrameError(kept);
  }

  #takeRest(chunk: Uint8Array): Uint8Array {
    const rest = this.#rest!;
    this.#rest = undefined;
    if (chunk.length === 0) return rest;
    const both = new Uint8Array(rest.length + chunk.length);
    both.set(rest);
    both.set(chunk, rest.length);
    return both;
  }

  #keep(bytes: Uint8Array, length: number): void {
    let partial = this.#partial;
    if (partial === undefined || partial.length < length) {
      const grown = new Uint8Array(Math.min(this.#max, Math.max(length, 2 * (partial?.length ?? 0), 256)));
      if (partial !== undefined) grown.set(partial.subarray(0, this.#fill));
      this.#partial = partial = grown;
    }
    partial.set(bytes, this.#fill);
    this.#fill = length;
  }
}
