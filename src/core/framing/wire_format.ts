/**
 * The wire-format seam: how frames are put on the byte stream. A connection
 * reads through the format's decoder and sends through its encoder, and
 * nothing else changes: the kit still reads only when the loop asks (pull
 * reads), charges every read and every decoded frame to the rate limits,
 * refuses a payload over `maxFrameSize` before it is encoded, and closes a
 * connection whose decoder throws with the error's `code` as the close reason
 * (`frame-too-large` for a {@linkcode FrameTooLargeError}).
 *
 * ```text
 *  socket bytes ──► decoder.decode(chunk, frames) ──► frames, to the loop
 *  send(payload) ──► encoder.encode(payload) ──► outbox ──► socket
 * ```
 *
 * Two ship with the kit: `lengthPrefixed()` (length_prefixed_format.ts; the
 * default, the connection's own fast path) and `newlineDelimited()` (newline_delimited.ts).
 * `FrameDecoderStream` and `FrameEncoderStream` take any of them as a
 * `framing` option: the stream adapter, for pipelines outside a connection.
 *
 * @module
 */
/**
 * One connection's decoder: chunks of any size in, whole frames out. It is
 * where the largest frame is enforced on input: a frame (or the part of one
 * received so far) over `maxFrameSize` throws {@linkcode FrameTooLargeError}
 * before it is buffered.
 */
export interface WireDecoder {
  /**
   * Decodes one chunk, appending every frame it completes to `frames`. A
   * frame may be a view into the chunk: the kit never writes to a chunk again.
   *
   * With `limit`, a decoder may stop after that many frames and keep the rest
   * of the chunk undecoded, to decode it first at the next call: the kit then
   * calls it with an empty chunk before it reads again (a frame-rate limit
   * stops so within one read). A decoder that ignores `limit` still works:
   * the kit counts what it returned against the limit.
   * @throws {FrameTooLargeError} a frame over the limit (frames completed before it stay in `frames`).
   */
  decode(chunk: Uint8Array, frames: Uint8Array[], limit?: number): void;
  /**
   * Input has ended.
   * @throws {TruncatedFrameError} input ended inside a frame.
   */
  finish(): void;
}

/**
 * A wire format: a decoder per connection and an encoder. The kit checks
 * `maxFrameSize` on every payload before `encode()`, and the decoder on
 * every frame it reads.
 */
export interface WireFormat {
  /** Its name, for messages and logs. */
  readonly name: string;
  /** The largest payload in bytes, encoding and decoding. */
  readonly maxFrameSize: number;
  /** A decoder for one connection (or one stream). */
  decoder(): WireDecoder;
  /**
   * One frame's bytes, in a new buffer (the kit keeps it until written).
   * @throws {FrameTooLargeError} over `maxFrameSize`.
   * @throws {TypeError} a payload the format cannot carry (a newline in a line, say).
   */
  encode(payload: Uint8Array): Uint8Array;
}
