/**
 * The socket a gate in front of a connection hands on (the PROXY gate, the
 * session's authentication step): the bytes it read past what it consumed
 * come first.
 *
 * @module
 */
import type { Address, RawSocket } from "./types.ts";

/**
 * A socket whose first read gives `rest`, the bytes a gate read after what it
 * consumed (a PROXY header, a first frame), and which counts what was consumed
 * in `preambleBytes`; `addresses` replace the socket's where the gate learned
 * better ones (a PROXY header's). Everything else is the socket's own.
 */
export class ReplaySocket implements RawSocket {
  readonly remoteAddr: Address;
  readonly localAddr: Address;
  readonly preambleBytes: number;
  /** Present when the socket under it can end its write side. */
  readonly closeWrite?: () => void;
  /**
   * Present when the socket under it reads without a promise (Bun, Node): a
   * connection behind a PROXY header or an authentication step keeps that
   * path. `reuse` is not passed on: a gate may have handed out views of what
   * it read (the first frame to `authenticate`), which a reused buffer would
   * overwrite.
   */
  readonly pull?: RawSocket["pull"];
  /** Present when the socket under it keeps memory for reads to come. */
  readonly trim?: () => void;
  readonly #socket: RawSocket;
  #rest: Uint8Array | undefined;

  constructor(
    socket: RawSocket,
    rest: Uint8Array | undefined,
    consumed: number,
    addresses: { readonly remote?: Address; readonly local?: Address } = {},
  ) {
    this.#socket = socket;
    if (socket.closeWrite !== undefined) this.closeWrite = () => socket.closeWrite!();
    if (socket.pull !== undefined) {
      this.pull = (onChunk, onError) => {
        const rest = this.#rest;
        if (rest === undefined) return socket.pull!(onChunk, onError);
        this.#rest = undefined;
        onChunk(rest);
      };
    }
    if (socket.trim !== undefined) this.trim = () => socket.trim!();
    this.remoteAddr = addresses.remote ?? socket.remoteAddr;
    this.localAddr = addresses.local ?? socket.localAddr;
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
    // Bytes still to hand out: the next read takes them, the socket need not pause yet.
    if (this.#rest === undefined) this.#socket.holdReads?.();
  }

  close(): void {
    this.#socket.close();
  }
}
