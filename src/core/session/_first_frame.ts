/**
 * The first frame of a socket, read before it is a connection (for the
 * authentication step), and the socket that gives the bytes after it first.
 * Memory is bounded by `maxFrameSize`: a header announcing more fails at once.
 *
 * @module
 */
import { FrameTooLargeError, TruncatedFrameError } from "../errors.ts";
import { type Framing, readLength } from "../framing/length_prefixed.ts";
import type { Address, RawSocket } from "../../transport/types.ts";

/** What pushing a chunk gave: nothing yet, or the frame and the bytes after it. */
export type FirstFrameStep = { done: false } | { done: true; frame: Uint8Array; rest: Uint8Array };

/** Collects the bytes of one length-prefixed frame. */
export class FirstFrameReader {
  readonly #framing: Framing;
  #parts: Uint8Array[] = [];
  #bytes = 0;

  constructor(framing: Framing) {
    this.#framing = framing;
  }

  /** Bytes received so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Adds a chunk.
   * @throws {FrameTooLargeError} the header announces more than `maxFrameSize`.
   */
  push(chunk: Uint8Array): FirstFrameStep {
    this.#parts.push(chunk);
    this.#bytes += chunk.length;
    const packet = this.#framing.packet;
    if (this.#bytes < packet) return { done: false };
    const all = this.#parts.length === 1 ? chunk : concat(this.#parts, this.#bytes);
    this.#parts = [all];
    const length = readLength(all, 0, packet);
    if (length > this.#framing.maxFrameSize) {
      throw new FrameTooLargeError("decode frame", length, this.#framing.maxFrameSize);
    }
    if (all.length < packet + length) return { done: false };
    // Copied: the frame outlives the chunk, which the connection's decoder will own.
    return { done: true, frame: all.slice(packet, packet + length), rest: all.subarray(packet + length) };
  }

  /** The error for a peer that closed before the frame was whole. */
  truncated(): TruncatedFrameError {
    const packet = this.#framing.packet;
    if (this.#bytes < packet) return new TruncatedFrameError(this.#bytes);
    return new TruncatedFrameError(this.#bytes - packet, readLength(this.#parts[0]!, 0, packet));
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A socket whose first read gives `rest` (the bytes after the first frame), and which counts the frame read off it. */
export class ReplaySocket implements RawSocket {
  readonly remoteAddr: Address;
  readonly localAddr: Address;
  readonly preambleBytes: number;
  /** Present when the socket under it can end its write side. */
  readonly closeWrite?: () => void;
  readonly #socket: RawSocket;
  #rest: Uint8Array | undefined;

  constructor(socket: RawSocket, rest: Uint8Array | undefined, consumed: number) {
    this.#socket = socket;
    if (socket.closeWrite !== undefined) this.closeWrite = () => socket.closeWrite!();
    this.remoteAddr = socket.remoteAddr;
    this.localAddr = socket.localAddr;
    this.preambleBytes = (socket.preambleBytes ?? 0) + consumed;
    this.#rest = rest !== undefined && rest.length > 0 ? rest : undefined;
  }

  watch(dead: (error: unknown) => void): void {
    this.#socket.watch?.(dead);
  }

  get session(): RawSocket["session"] {
    return this.#socket.session;
  }

  get handshaking(): boolean | undefined {
    return this.#socket.handshaking;
  }

  read(): Promise<Uint8Array | null> {
    const rest = this.#rest;
    if (rest === undefined) return this.#socket.read();
    this.#rest = undefined;
    return Promise.resolve(rest);
  }

  write(data: Uint8Array): Promise<void> {
    return this.#socket.write(data);
  }

  tryWrite(data: Uint8Array): number {
    return this.#socket.tryWrite?.(data) ?? 0;
  }

  holdReads(): void {
    if (this.#rest === undefined) this.#socket.holdReads?.();
  }

  close(): void {
    this.#socket.close();
  }
}
