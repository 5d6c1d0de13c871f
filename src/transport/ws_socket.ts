/**
 * A WebSocket connection as a {@linkcode RawSocket}: the one piece every
 * runtime's WebSocket adapter shares (ws_deno.ts, ws_bun.ts, and Node's in
 * the websocket edge). It turns messages into the length-prefixed byte stream
 * the connection floor reads, and that stream back into messages, so the
 * connection floor (decoder, guards, outbox, stats) runs unchanged:
 *
 * ```text
 *  binary message ──► [len][message] (one copy) ──► read() ──► FrameDecoder: one frame, a view
 *  send(frame) ──► outbox [len][frame][len][frame] ──► write() ──► one message per frame (views, no copy)
 * ```
 *
 * Invariants:
 * 1. One binary message is one chunk from `read()`, header and all, so the
 *    decoder hands it out as one frame; `bytesIn` counts the headers too.
 *    Chunks of small messages share a slab, each written once and never again.
 * 2. `write()` sends one message per whole frame in its bytes; a frame split
 *    over writes is put together first (bounded by `maxFrameSize`).
 * 3. `write()` settles when the runtime has taken every message at or under
 *    its bound (the runtime's buffered amount): a peer that does not read
 *    keeps it pending, and the outbox water marks and the send timeout apply.
 * 4. Close codes (RFC 6455 7.4.1): 1009 for a message over `maxFrameSize`,
 *    1003 for a text message, 1001 once the listener closed (shutdown), 1000
 *    otherwise.
 * 5. With the stream subprotocol (ws_stream.ts), a message is bytes of the
 *    kit's stream as they are: one chunk, no header added (still one copy, at
 *    most `maxFrameSize`; an empty message is dropped), and `write()` sends its bytes as they are, in
 *    messages of at most 64 KiB (views); the decoder bounds frames as on TCP.
 *
 * @module
 */
import { chunkOf } from "./_message_slab.ts";
import { ReadQueue } from "./_read_queue.ts";
import type { Address, RawSocket } from "./types.ts";
import { STREAM_MESSAGE_BYTES, STREAM_PROTOCOL } from "./ws_stream.ts";

/** What a runtime's WebSocket gives this socket. */
export interface WsPeer {
  /**
   * Sends one binary message; true when the runtime holds no more than its
   * bound, false when the socket must wait for {@linkcode WsSocket.onDrain}.
   * The runtime is done with `message` when this returns, or, for a runtime
   * that keeps a reference until written, at the next drain.
   * @throws when the socket is closed.
   */
  send(message: Uint8Array): boolean;
  /** Sends a close frame with this code and reason. */
  close(code: number, reason: string): void;
  /** Drops the connection without a close frame (a peer that does not read). */
  terminate(): void;
  /** Optional: sends a ping (where the kit sends them itself: ws_pings.ts). */
  ping?(): void;
  /** Optional: stop and restart reading from the network (Node's ws). */
  pause?(): void;
  resume?(): void;
}

/** Shared by every socket of one listener. */
export interface WsShared {
  /** Header size of the server's framing (1, 2 or 4). */
  readonly packet: 1 | 2 | 4;
  /** Largest message, in bytes: one over it closes the connection with 1009. */
  readonly maxFrameSize: number;
  /**
   * Bytes read ahead that a runtime that cannot pause its reads (Deno, Bun)
   * may hold for a handler that is not asking; past it the connection ends
   * (`rate-limit`, close 1008): the only back-pressure left.
   */
  readonly readAheadLimit: number;
  /** Set when the listener closes: sockets closed from then on say 1001. */
  goingAway: boolean;
  /** The sockets whose runtime has not reported their end yet (`onGone`). */
  readonly open: Set<WsSocket>;
}

/**
 * Settles once every socket of `shared` is gone (its close frame out and
 * answered, or the connection dropped), or after `ms`: a process that exits
 * after a shutdown then exits after its 1001s went out.
 */
export async function drained(shared: WsShared, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  // Polled: shutdown happens once, and nothing here costs a closure per socket.
  while (shared.open.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** A read ended by a guard of this file: its `code` is the connection's close reason. */
class WsReadError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "WebSocketError";
    this.code = code;
  }
}

/** One accepted WebSocket. The runtime adapter calls the `on…` methods. */
export class WsSocket implements RawSocket {
  readonly localAddr: Address;
  readonly remoteAddr: Address;
  /** The subprotocol agreed at the upgrade ("" when none). */
  readonly protocol: string;
  // The stream subprotocol: bytes as they are, no headers added or removed.
  readonly #stream: boolean;
  readonly #peer: WsPeer;
  readonly #shared: WsShared;
  readonly #reads: ReadQueue;
  #ended = false;
  #writer: { resolve(): void; reject(error: unknown): void } | undefined;
  // A frame split over writes: its header so far, then its payload so far.
  #head = new Uint8Array(4);
  #headFill = 0;
  #body: Uint8Array | undefined;
  #bodyFill = 0;

  constructor(peer: WsPeer, shared: WsShared, localAddr: Address, remoteAddr: Address, protocol = "") {
    this.#peer = peer;
    this.#shared = shared;
    this.localAddr = localAddr;
    this.remoteAddr = remoteAddr;
    this.protocol = protocol;
    this.#stream = protocol === STREAM_PROTOCOL;
    this.#reads = new ReadQueue({ pause: () => peer.pause?.(), resume: () => peer.resume?.() });
    shared.open.add(this);
  }

  /** The runtime reports the end of the connection (its close event): after `onClose`, or for it. */
  onGone(error?: unknown): void {
    this.onClose(error);
    this.#shared.open.delete(this);
  }

  read(): Promise<Uint8Array | null> {
    return this.#reads.read();
  }

  holdReads(): void {
    this.#reads.hold();
  }

  /** A binary message arrived: one chunk, its header in front (the one copy per message). */
  onMessage(message: Uint8Array): void {
    if (this.#ended) return;
    const shared = this.#shared;
    if (message.length > shared.maxFrameSize) {
      return this.#fail(
        1009,
        "frame-too-large",
        `Cannot read a WebSocket message: ${message.length} bytes is over the limit of ${shared.maxFrameSize} bytes`,
      );
    }
    // An empty message in stream mode carries no byte: queued, it would cost memory that readAheadLimit never counts.
    if (this.#stream && message.length === 0) return;
    const packet = this.#stream ? 0 : shared.packet;
    const chunk = chunkOf(packet + message.length);
    if (packet !== 0) writeLength(chunk, message.length, packet);
    chunk.set(message, packet);
    if (this.#reads.queuedBytes + chunk.length > shared.readAheadLimit && this.#peer.pause === undefined) {
      return this.#fail(
        1008,
        "rate-limit",
        `Cannot read ahead: over ${shared.readAheadLimit} bytes of messages wait for a handler that is not reading`,
      );
    }
    this.#reads.push(chunk);
  }

  /** A text message arrived: this kit carries binary frames only (RFC 6455 7.4.1, 1003). */
  onText(): void {
    this.#fail(1003, "unsupported-data", "Cannot read a text message: this endpoint takes binary messages only");
  }

  /** Sends a ping (ws_pings.ts). */
  ping(): void {
    this.#peer.ping?.();
  }

  /** No pong since the last ping: the peer is gone, so no close frame either. */
  pingTimedOut(): void {
    if (this.#ended) return;
    this.onClose(new WsReadError("ping-timeout", "Cannot keep the connection: no pong came back before the next ping"));
    this.#peer.terminate();
  }

  /** The runtime's buffer went back under its bound. */
  onDrain(): void {
    const writer = this.#writer;
    this.#writer = undefined;
    writer?.resolve();
  }

  /** The connection ended (a close frame, a reset, or our own close). */
  onClose(error?: unknown): void {
    if (this.#ended && error === undefined) return void this.#reads.end();
    this.#ended = true;
    this.#reads.end(error);
    const writer = this.#writer;
    this.#writer = undefined;
    writer?.reject(error ?? closedError());
  }

  write(data: Uint8Array): Promise<void> {
    if (this.#ended) return Promise.reject(closedError());
    let room = true;
    try {
      room = this.#stream ? this.#cut(data) : this.#split(data);
    } catch (error) {
      this.close();
      return Promise.reject(error);
    }
    if (room) return Promise.resolve();
    return new Promise((resolve, reject) => this.#writer = { resolve, reject });
  }

  close(): void {
    if (this.#ended) return;
    const goingAway = this.#shared.goingAway;
    this.#end(goingAway ? 1001 : 1000, goingAway ? "server shutting down" : "");
  }

  /** Stream mode: `data` as it is, in messages of at most STREAM_MESSAGE_BYTES; false when the runtime asks to wait. */
  #cut(data: Uint8Array): boolean {
    let room = true;
    for (let at = 0; at < data.length; at += STREAM_MESSAGE_BYTES) {
      room = this.#peer.send(data.subarray(at, Math.min(data.length, at + STREAM_MESSAGE_BYTES))) && room;
    }
    return room;
  }

  /** Sends every whole frame of `data` as a message; false when the runtime asks to wait. */
  #split(data: Uint8Array): boolean {
    const packet = this.#shared.packet;
    let room = true;
    let at = 0;
    while (at < data.length) {
      if (this.#body === undefined) {
        // The fast path: a whole header and a whole frame in this write, sent as a view.
        if (this.#headFill === 0 && data.length - at >= packet) {
          const length = readLength(data, at, packet);
          if (data.length - at - packet >= length) {
            room = this.#peer.send(data.subarray(at + packet, at + packet + length)) && room;
            at += packet + length;
            continue;
          }
        }
        this.#head[this.#headFill++] = data[at++]!;
        if (this.#headFill < packet) continue;
        this.#headFill = 0;
        this.#body = new Uint8Array(readLength(this.#head, 0, packet));
        this.#bodyFill = 0;
      }
      const body = this.#body;
      const take = Math.min(body.length - this.#bodyFill, data.length - at);
      body.set(data.subarray(at, at + take), this.#bodyFill);
      this.#bodyFill += take;
      at += take;
      if (this.#bodyFill === body.length) {
        this.#body = undefined;
        room = this.#peer.send(body) && room;
      }
    }
    return room;
  }

  #fail(code: number, reason: string, message: string): void {
    const error = new WsReadError(reason, message);
    this.#reads.clear();
    this.#end(code, message.slice(0, 120), error);
  }

  #end(code: number, reason: string, error?: unknown): void {
    // A write still pending means a peer that does not read: a close frame would wait behind it.
    const stuck = this.#writer !== undefined;
    this.onClose(error);
    try {
      if (stuck) this.#peer.terminate();
      else this.#peer.close(code, reason);
    } catch { /* closed already */ }
  }
}

function writeLength(target: Uint8Array, length: number, packet: 1 | 2 | 4): void {
  for (let i = packet - 1, rest = length; i >= 0; i--, rest = Math.floor(rest / 256)) target[i] = rest & 0xff;
}

function readLength(bytes: Uint8Array, at: number, packet: 1 | 2 | 4): number {
  let length = 0;
  for (let i = 0; i < packet; i++) length = length * 256 + bytes[at + i]!;
  return length;
}

function closedError(): Error {
  return new Error("Cannot write: WebSocket is closed");
}
