/**
 * The frame decoder's state between two chunks, as one tagged union (tokio's
 * `DecodeState { Head, Data }`), and what each state holds: the decoder
 * (frame_decoder.ts) moves from one to the next; this file says what they are.
 *
 * | from     | to       | when                                                                   |
 * | -------- | -------- | ---------------------------------------------------------------------- |
 * | head     | header   | a header is split over chunks: its bytes are gathered                  |
 * | head     | view     | a header is whole and its payload goes on in the next chunks           |
 * | header   | view     | the header is complete and its payload goes on                         |
 * | header   | head     | the header is complete and its whole payload is here                   |
 * | view     | head     | the next chunk is the next bytes of the same buffer: decoded in place  |
 * | view     | assembly | the next chunk lies in another buffer: the payload gets a buffer       |
 * | assembly | head     | the payload is complete                                                |
 *
 * @module
 */
import { TruncatedFrameError } from "../errors.ts";
import type { FrameAssembly } from "./_frame_assembly.ts";
import type { PacketSize } from "./length_prefixed.ts";

/**
 * Where the decoder stands between two chunks (tokio's `DecodeState { Head, Data }`).
 * - `head`: between frames; the next byte starts a header.
 * - `header`: a header split across chunks; `fill` of its bytes are gathered (in the decoder's header buffer).
 * - `view`: a payload of `length` whose first bytes, `head`, end their chunk, kept as a view into it: the
 *   payload's buffer is made only when its next chunk comes from another buffer, so a connection whose handler
 *   stops asking (a peer that does not read its replies) holds one chunk for the frame it has begun. Its header
 *   starts at `start` in that buffer, or -1 when it came split over chunks of other buffers.
 * - `assembly`: a payload assembled in a buffer of its own (the decoder's FrameAssembly).
 */
export type DecodeState =
  | { readonly kind: "head" }
  | { readonly kind: "header"; readonly fill: number }
  | { readonly kind: "view"; readonly head: Uint8Array; readonly length: number; readonly start: number }
  | { readonly kind: "assembly" };

export const HEAD: DecodeState = { kind: "head" };
export const ASSEMBLY: DecodeState = { kind: "assembly" };

/** Bytes of an unfinished frame `state` holds, its header included (the assembly's, in `assembly`). */
export function heldIn(state: DecodeState, packet: PacketSize, assembly: FrameAssembly | undefined): number {
  switch (state.kind) {
    case "head":
      return 0;
    case "header":
      return state.fill;
    case "view":
      return packet + state.head.length;
    case "assembly":
      return packet + assembly!.fill;
  }
}

/** The error for a stream that ended in `state`, or undefined if it ended between frames. */
export function truncatedIn(
  state: DecodeState,
  packet: PacketSize,
  assembly: FrameAssembly | undefined,
): TruncatedFrameError | undefined {
  switch (state.kind) {
    case "head":
      return undefined;
    case "header":
      return state.fill > 0 ? new TruncatedFrameError(state.fill) : undefined;
    case "view":
      return new TruncatedFrameError(packet + state.head.length, packet + state.length);
    case "assembly":
      return new TruncatedFrameError(packet + assembly!.fill, packet + assembly!.length);
  }
}

/**
 * The bytes of the latest chunk an unfinished frame still needs, from its header on (or its first payload bytes
 * when the header came split): what a reused read buffer must keep. Undefined when the state holds none.
 */
export function keptIn(state: DecodeState): Uint8Array | undefined {
  if (state.kind !== "view" || state.head.length === 0) return undefined;
  const { head, start } = state;
  if (start < 0) return head;
  return new Uint8Array(head.buffer, start, head.byteOffset + head.length - start);
}

/** `state` (a view) with the bytes {@linkcode keptIn} gave now at `kept`: the read buffer moved them. */
export function movedTo(state: DecodeState, kept: Uint8Array, packet: PacketSize): DecodeState {
  if (state.kind !== "view") return state;
  const { head, length, start } = state;
  const at = kept.byteOffset + kept.length - head.length;
  return {
    kind: "view",
    head: new Uint8Array(kept.buffer, at, head.length),
    length,
    start: start < 0 ? -1 : at - packet,
  };
}
