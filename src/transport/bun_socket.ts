/**
 * One Bun TCP socket as a {@linkcode RawSocket}, and the handlers Bun calls
 * with its events (a listener's and a client's). Bun pushes bytes to a
 * `data` callback; a {@linkcode ReadQueue} turns that into pull-based reads.
 * The listener and the dial are in bun.ts.
 *
 * @module
 */
import { ReadQueue } from "./_read_queue.ts";
import type { Address, RawSocket } from "./types.ts";

// The few Bun types this adapter uses, declared here so the kit needs no Bun typings.
export interface BunTcpSocket {
  data: BunSocket | undefined;
  /** Empty (null at run time) when the peer was gone before the socket was opened. */
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  write(data: Uint8Array): number;
  end(): void;
  shutdown(halfClose?: boolean): void;
  terminate(): void;
  pause(): void;
  resume(): void;
  setNoDelay(enabled: boolean): boolean;
  /** The delay in milliseconds (checked against `ss -o` on Bun 1.x). */
  setKeepAlive?(enabled: boolean, initialDelayMs: number): boolean;
}
export interface BunSocketHandlers {
  binaryType?: "uint8array";
  open(socket: BunTcpSocket): void;
  data(socket: BunTcpSocket, chunk: Uint8Array): void;
  drain(socket: BunTcpSocket): void;
  end?(socket: BunTcpSocket): void;
  close(socket: BunTcpSocket, error?: Error): void;
  error(socket: BunTcpSocket, error: Error): void;
  connectError?(socket: BunTcpSocket, error: Error): void;
  handshake?(socket: BunTcpSocket, success: boolean, authorizationError: Error | null): void;
}
export class BunSocket implements RawSocket {
  // Set by attach(), before the kit sees the socket (no placeholder objects per accept).
  localAddr!: Address;
  remoteAddr!: Address;
  #socket: BunTcpSocket | undefined;
  // The peer's FIN ends reads only (half-open): writes go on until close().
  readonly #reads = new ReadQueue(this);
  #ended = false;
  #pending: Uint8Array | undefined;
  #writer: { resolve(): void; reject(error: unknown): void } | undefined;
  #handshake: { resolve(): void; reject(error: unknown): void } | undefined;
  /** A server's TLS socket whose handshake has not finished. */
  handshaking = false;

  /** Settles when a TLS client's handshake succeeds; rejects when it fails or the socket ends first. */
  handshaken(): Promise<void> {
    return new Promise((resolve, reject) => this.#handshake = { resolve, reject });
  }

  onHandshake(error: unknown): void {
    const waiter = this.#handshake;
    this.#handshake = undefined;
    if (error === undefined) waiter?.resolve();
    else waiter?.reject(error);
  }

  attach(socket: BunTcpSocket): void {
    this.#socket = socket;
    this.localAddr = { hostname: socket.localAddress, port: socket.localPort };
    this.remoteAddr = { hostname: socket.remoteAddress, port: socket.remotePort };
    socket.setNoDelay(true);
  }

  read(): Promise<Uint8Array | null> {
    return this.#reads.read();
  }

  /** The read queue's (a ReadSource): stop and restart the runtime's reading of the socket. */
  pause(): void {
    this.#socket?.pause();
  }
  resume(): void {
    this.#socket?.resume();
  }

  pull(onChunk: (chunk: Uint8Array | null) => void, onError: (error: unknown) => void): void {
    this.#reads.pull(onChunk, onError);
  }

  onData(chunk: Uint8Array): void {
    this.#reads.push(chunk);
  }

  holdReads(): void {
    this.#reads.hold();
  }

  tryWrite(data: Uint8Array): number {
    const socket = this.#socket;
    if (this.#ended || socket === undefined || this.#pending !== undefined) return 0;
    // Negative when the socket is closed: nothing taken, and the write() that follows says why.
    return Math.max(socket.write(data), 0);
  }

  write(data: Uint8Array): Promise<void> {
    const socket = this.#socket;
    if (this.#ended || socket === undefined) return Promise.reject(closedError());
    const written = socket.write(data);
    if (written === data.length) return Promise.resolve();
    if (written < 0) return Promise.reject(closedError());
    this.#pending = data.subarray(written);
    return new Promise((resolve, reject) => this.#writer = { resolve, reject });
  }

  onDrain(): void {
    const pending = this.#pending;
    if (pending === undefined || this.#socket === undefined) return;
    const written = this.#socket.write(pending);
    if (written < 0) return this.onEnd(closedError());
    if (written < pending.length) {
      this.#pending = pending.subarray(written);
      return;
    }
    this.#pending = undefined;
    const writer = this.#writer;
    this.#writer = undefined;
    writer?.resolve();
  }

  onReadEnd(): void {
    this.#reads.end();
  }

  onEnd(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#reads.end(error);
    const writer = this.#writer;
    this.#writer = undefined;
    this.#pending = undefined;
    writer?.reject(error ?? closedError());
    this.onHandshake(error ?? closedError());
  }

  closeWrite(): void {
    // shutdown(2) of the write side: a FIN, and reading goes on.
    if (!this.#ended) this.#socket?.shutdown();
  }

  close(): void {
    if (this.#ended) return;
    // A write still pending means a peer that does not read: end() would leave the socket to it, terminate() does not.
    const writing = this.#pending !== undefined;
    this.#reads.clear();
    this.onEnd();
    if (writing) this.#socket?.terminate();
    else this.#socket?.end();
  }
}

function closedError(): Error {
  return new Error("Cannot write: socket is closed");
}

export const handlers: BunSocketHandlers = {
  // Plain Uint8Array chunks, as on every runtime (Bun's default is a Buffer); each is a fresh copy.
  binaryType: "uint8array",
  open(socket) {
    socket.data?.attach(socket);
  },
  data(socket, chunk) {
    socket.data?.onData(chunk);
  },
  drain(socket) {
    socket.data?.onDrain();
  },
  // Half-open, as on Deno: the peer's FIN ends reads, and replies still go out until the kit closes.
  end(socket) {
    socket.data?.onReadEnd();
  },
  // Optional: a socket refused in `open` (reset before it was accepted) never got its wrapper.
  close(socket, error) {
    socket.data?.onEnd(error);
  },
  error(socket, error) {
    socket.data?.onEnd(error);
  },
  // A server's failed handshake fails the socket (its first read says why). A server's
  // authorizationError only says that the client sent no certificate: not asked for.
  handshake(socket, success, authorizationError) {
    if (socket.data !== undefined) socket.data.handshaking = false;
    if (!success) socket.data?.onEnd(authorizationError ?? new Error("Cannot accept: TLS handshake failed"));
  },
};

export const clientHandlers: BunSocketHandlers = {
  ...handlers,
  // A client trusts the server only when the handshake succeeded and its certificate verified.
  handshake(socket, success, authorizationError) {
    if (success && authorizationError === null) return socket.data?.onHandshake(undefined);
    socket.data?.onHandshake(authorizationError ?? new Error("Cannot connect: TLS handshake failed"));
  },
};
