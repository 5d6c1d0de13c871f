/**
 * The incremental frame decoder the connection loop drives directly (no
 * promise per frame); length_prefixed_stream.ts wraps the same code as a web
 * TransformStream. The wire format is in length_prefixed.ts.
 *
 * Frames are handed out as views, not copies:
 *
 * ```text
 *  chunk 1 (a read)                      chunk 2, the next bytes of the same buffer
 * ┌──────┬─────────┬──────┬───────────┐┌──────────────┬──────┬─────────┐
 * │ len  │ frame 1 │ len  │ frame 2 … ││ … frame 2    │ len  │ frame 3 │
 * └──────┴─────────┴──────┴───────────┘└──────────────┴──────┴─────────┘
 *         └ view ┘         └─── one view over both chunks ───┘  └ view ┘
 * ```
 *
 * A frame inside one chunk is a view into it; so is a frame that goes on in
 * the next chunk when that chunk is the next bytes of the same buffer (a
 * socket that reads into the rest of its buffer). Only a frame whose chunks
 * lie in different buffers is assembled, in a buffer of its own with room for
 * its header in front, made once its header passed the `maxFrameSize` check
 * and its second chunk came (until then its first bytes stay a view).
 *
 * That buffer follows the bytes that arrived (_frame_assembly.ts), not the
 * announced length; {@linkcode FrameDecoder.reserved} says how big it is. The
 * decoder's state between chunks is one tagged union (_decode_state.ts).
 *
 * Every frame handed out so has its header right in front of it, in memory
 * the decoder never hands out: {@linkcode FrameDecoder.framedIn} finds
 * it, so that a reply can go out from the read buffer, header and all, with
 * no copy.
 *
 * @module
 */
import { FrameTooLargeError, TruncatedFrameError } from "../errors.ts";
import { FrameAssembly, joined } from "./_frame_assembly.ts";
import { ASSEMBLY, type DecodeState, HEAD, heldIn, truncatedIn } from "./_decode_state.ts";
import { FramedIn } from "./framed_in.ts";
import { framingOf, type FramingOptions, type PacketSize, readLength } from "./length_prefixed.ts";

const EMPTY = new Uint8Array(0);
const NO_LIMIT = 0x3fff_ffff;

/**
 * The incremental decoder: feed it chunks of any size, get whole frames.
 *
 * A frame is a view into the chunk it came in (no copy), so a caller must not
 * reuse a chunk's memory after decoding it.
 *
 * @example Many frames in one chunk, one frame across two
 * ```ts
 * import assert from "node:assert/strict";
 * import { FrameDecoder } from "spawnkit";
 * const decoder = new FrameDecoder({ packet: 1 });
 * const frames: Uint8Array[] = [];
 * decoder.decode(new Uint8Array([1, 7, 0, 2, 8]), frames);
 * decoder.decode(new Uint8Array([9]), frames);
 * assert.deepEqual(frames, [new Uint8Array([7]), new Uint8Array([]), new Uint8Array([8, 9])]);
 * ```
 */
export class FrameDecoder {
  readonly #packet: PacketSize;
  readonly #max: number;
  #state: DecodeState = HEAD;
  // Where a split header is gathered; made on the first one (most connections never see one).
  #header: Uint8Array | undefined;
  // Where a frame whose chunks lie in different buffers is assembled; made on the first one.
  #assembly: FrameAssembly | undefined;
  // The bytes after the last frame of a decode() that stopped at its limit: the next call decodes them first.
  #rest: Uint8Array | undefined;
  // Where each frame handed out came in, for framedIn(); made on its first use (most connections never need it).
  #framedIn: FramedIn | undefined;
  /** Where the header starts in the view the last successful {@linkcode framedIn} returned. */
  framedAt = 0;

  /**
   * Builds a decoder for `options.packet` headers, refusing frames over `options.maxFrameSize`.
   * @throws {RangeError} bad options, as `framingOf`.
   */
  constructor(options?: FramingOptions) {
    const { packet, maxFrameSize } = framingOf(options);
    this.#packet = packet;
    this.#max = maxFrameSize;
  }

  /** Bytes of an unfinished frame held between chunks (header included), and bytes kept undecoded. */
  get buffered(): number {
    return heldIn(this.#state, this.#packet, this.#assembly) + (this.#rest?.length ?? 0);
  }

  /**
   * Bytes of memory the decoder made for an unfinished frame: the buffer it
   * is assembled in (header included), at most twice the bytes of it that
   * arrived, plus a header; 0 while the frame's first bytes are still a view into their
   * chunk, and between frames.
   *
   * @example A peer announces 256 KiB and sends 2 bytes, in two chunks
   * ```ts
   * import assert from "node:assert/strict";
   * import { FrameDecoder } from "../../../mod.ts";
   * const decoder = new FrameDecoder();
   * decoder.decode(new Uint8Array([0, 4, 0, 0, 7]), []);
   * decoder.decode(new Uint8Array([8]), []);
   * assert.equal(decoder.buffered, 6);
   * assert.ok(decoder.reserved <= 2 * decoder.buffered + 4);
   * ```
   */
  get reserved(): number {
    return this.#assembly?.reserved ?? 0;
  }

  /**
   * Decodes `chunk`, appending each completed frame to `out`: at most `limit`
   * frames, after which the rest of the chunk is kept undecoded and decoded
   * first by the next call (give it an empty chunk to decode only those
   * bytes). A rate limit stops so within one read.
   *
   * @param limit frames to append at most, a positive integer; no limit by default.
   * @returns how many frames were appended.
   * @throws {FrameTooLargeError} a header announced more than `maxFrameSize`;
   *   the frames completed before it are already in `out`.
   * @example At most two frames a call
   * ```ts
   * import assert from "node:assert/strict";
   * import { FrameDecoder } from "../../../mod.ts";
   * const decoder = new FrameDecoder({ packet: 1 });
   * const frames: Uint8Array[] = [];
   * assert.equal(decoder.decode(new Uint8Array([1, 7, 1, 8, 1, 9]), frames, 2), 2);
   * assert.equal(decoder.buffered, 2, "the third frame's bytes, undecoded");
   * assert.equal(decoder.decode(new Uint8Array(0), frames, 2), 1);
   * assert.deepEqual(frames, [new Uint8Array([7]), new Uint8Array([8]), new Uint8Array([9])]);
   * ```
   */
  decode(chunk: Uint8Array, out: Uint8Array[], limit?: number): number {
    const before = out.length;
    // A small integer either way, so the hot loop compares small integers (no limit: more frames than an array holds).
    const stop = limit === undefined || limit > NO_LIMIT ? NO_LIMIT : before + limit;
    const packet = this.#packet;
    let bytes = chunk;
    let at = 0;
    if (this.#rest !== undefined) {
      bytes = joined(this.#rest, chunk);
      this.#rest = undefined;
    } else if (this.#state.kind === "view" && chunk.length > 0) {
      const { head, start } = this.#state;
      if (start >= 0 && head.buffer === chunk.buffer && head.byteOffset + head.length === chunk.byteOffset) {
        // The next bytes of the same buffer: decode from the unfinished frame's header on, in place.
        bytes = new Uint8Array(chunk.buffer, start, chunk.byteOffset + chunk.length - start);
        this.#state = HEAD;
      } else this.#assemble(chunk.length);
    }
    const end = bytes.length;
    while (at < end) {
      const state = this.#state;
      if (state.kind === "assembly") {
        at = this.#continuePayload(bytes, at, out);
        continue;
      }
      let fill = 0;
      if (state.kind === "head") {
        if (out.length < stop) at = this.#wholeFrames(bytes, at, out, stop);
        if (at === end) break;
        if (out.length >= stop) {
          // The limit, between two frames: the rest waits, undecoded, for the next call.
          this.#rest = bytes.subarray(at);
          break;
        }
        if (end - at >= packet) {
          // A header whose payload goes on in the next chunks (its length is checked): keep what is here.
          this.#begin(bytes.subarray(at + packet), readLength(bytes, at, packet), bytes.byteOffset + at);
          break;
        }
      } else if (state.kind === "header") fill = state.fill;
      // A header split across chunks.
      const take = Math.min(packet - fill, end - at);
      const header = this.#header ??= new Uint8Array(packet);
      header.set(bytes.subarray(at, at + take), fill);
      fill += take;
      at += take;
      this.#state = { kind: "header", fill };
      if (fill < packet) break;
      const length = readLength(header, 0, packet);
      if (length > this.#max) throw new FrameTooLargeError("decode frame", length, this.#max);
      if (end - at >= length) {
        out.push(bytes.subarray(at, at + length));
        at += length;
        this.#state = HEAD;
      } else {
        this.#begin(bytes.subarray(at), length, -1);
        break;
      }
    }
    return out.length - before;
  }

  /**
   * The bytes `payload` came in, with its header right in front of it at
   * {@linkcode framedAt}, if `payload` is a whole frame this decoder handed
   * out from its latest chunk (or the latest frame it assembled): those bytes
   * are no frame's, so the header and the payload can be written as one
   * piece. Undefined for anything else (another array, a part of a frame, a
   * frame of an earlier chunk), and for the frames of the chunk decoded before
   * the first call: frames are kept for it only from then on.
   *
   * @example A frame echoed from the read buffer, header and all
   * ```ts
   * import assert from "node:assert/strict";
   * import { FrameDecoder } from "../../../mod.ts";
   * const decoder = new FrameDecoder({ packet: 1 });
   * assert.equal(decoder.framedIn(new Uint8Array([9])), undefined, "not a frame of this decoder");
   * const frames: Uint8Array[] = [];
   * decoder.decode(new Uint8Array([2, 7, 8, 1, 9]), frames);
   * const bytes = decoder.framedIn(frames[1]!)!;
   * assert.deepEqual(bytes.subarray(decoder.framedAt, decoder.framedAt + 2), new Uint8Array([1, 9]));
   * assert.equal(decoder.framedIn(frames[0]!.subarray(1)), undefined, "a part of a frame has no header");
   * ```
   */
  framedIn(payload: Uint8Array): Uint8Array | undefined {
    const framedIn = this.#framedIn ??= new FramedIn(this.#packet);
    const bytes = framedIn.find(payload);
    this.framedAt = framedIn.at;
    return bytes;
  }

  /**
   * Forgets the latest chunk's frames for {@linkcode framedIn}, so that the
   * decoder holds no chunk it does not need (the loop calls it before it
   * reads again: the frames of the last read have been handled by then).
   */
  release(): void {
    this.#framedIn?.release();
  }

  /**
   * Says the stream ended.
   *
   * @throws {TruncatedFrameError} the stream ended inside a header or a payload.
   */
  finish(): void {
    if (this.#rest !== undefined && this.#rest.length > 0) {
      // Called before the bytes a limit kept were decoded: what they hold is unknown, so say only how many.
      throw new TruncatedFrameError(this.#rest.length);
    }
    const truncated = truncatedIn(this.#state, this.#packet, this.#assembly);
    if (truncated !== undefined) throw truncated;
  }

  /** A payload of `length` (allowed) whose first bytes, `head`, end their chunk; its header at `start` (or -1). */
  #begin(head: Uint8Array, length: number, start: number): void {
    // An empty view would still hold its chunk (and an empty head has nothing to continue in place).
    const empty = head.length === 0;
    this.#state = { kind: "view", head: empty ? EMPTY : head, length, start: empty ? -1 : start };
  }

  /** The head's next chunk, of `incoming` bytes, came from another buffer: the frame is assembled in its own. */
  #assemble(incoming: number): void {
    const { head, length } = this.#state as { head: Uint8Array; length: number };
    this.#state = ASSEMBLY;
    (this.#assembly ??= new FrameAssembly(this.#packet)).begin(head, length, incoming);
  }

  /** The hot loop: every whole frame from `at` on, as views into `chunk`, until `out` holds `stop`. Returns where it stopped. */
  #wholeFrames(chunk: Uint8Array, at: number, out: Uint8Array[], stop: number): number {
    const packet = this.#packet;
    const max = this.#max;
    const end = chunk.length;
    const from = at;
    // Views made with the constructor: subarray() costs about twice as much on Deno (it looks up a species).
    const buffer = chunk.buffer;
    const base = chunk.byteOffset + packet;
    const frames = this.#framedIn?.frames();
    while (end - at >= packet && out.length < stop) {
      const length = packet === 4
        ? ((chunk[at]! << 24) | (chunk[at + 1]! << 16) | (chunk[at + 2]! << 8) | chunk[at + 3]!) >>> 0
        : readLength(chunk, at, packet);
      if (length > max) throw new FrameTooLargeError("decode frame", length, max);
      if (end - at - packet < length) break;
      const frame = new Uint8Array(buffer, base + at, length);
      out.push(frame);
      frames?.push(frame);
      at += packet + length;
    }
    // Kept for framedIn(): these frames, the bytes they came in, and where the first one's header is.
    if (frames !== undefined && at > from) this.#framedIn!.region(chunk, from);
    return at;
  }

  #continuePayload(chunk: Uint8Array, at: number, out: Uint8Array[]): number {
    const assembly = this.#assembly!;
    const next = assembly.append(chunk, at);
    const framed = assembly.done();
    if (framed !== undefined) {
      const payload = new Uint8Array(framed.buffer, this.#packet, framed.length - this.#packet);
      out.push(payload);
      (this.#framedIn ??= new FramedIn(this.#packet)).assembled(payload, framed);
      this.#state = HEAD;
    }
    return next;
  }
}
