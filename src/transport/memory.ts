/**
 * An in-memory transport: listeners and connections inside one process, with
 * no socket, no runtime API and no timer, so it runs the same on every
 * runtime and in a browser. Each connection is a pair of {@linkcode RawSocket}s
 * joined by two bounded pipes, one each way.
 *
 * Invariants (the contract of the real adapters):
 * 1. Pull-based: a pipe holds at most `bufferSize` bytes that its reader has
 *    not read; a write settles once every byte of it is in the pipe, so a
 *    reader that stops reading makes its peer's write wait (backpressure).
 * 2. At most one read and one write pending per socket: a second is refused
 *    with an Error, so a caller that breaks the contract fails loudly. A read
 *    hands out every byte waiting, in one chunk that is the caller's; a write
 *    copies what it takes, so its `data` is free again once it settles.
 * 3. Bytes arrive in the order they were written, and only after the bytes of
 *    earlier writes.
 * 4. `close()` ends both ways: this end's reads give `null`, its pending
 *    write fails, what it had not read is dropped; the peer reads what was
 *    already in its pipe, then `null`, and its writes fail (`EPIPE`).
 * 5. `end()` (a half-close, TCP's FIN) ends only this end's writes: the peer
 *    reads what was written, then `null`, and may still write back until it closes.
 * 6. Everything moves in promise reactions: once the microtask queue is empty,
 *    nothing moves until a socket is read, written or closed.
 *
 * @module
 */
import { networkError, Pipe } from "./_memory_pipe.ts";
import type { Address, DialOptions, Listener, ListenOptions, RawSocket, Transport } from "./types.ts";

/** The default `bufferSize` of a memory connection, in bytes each way. */
const DEFAULT_MEMORY_BUFFER_SIZE = 65_536;

/** Options of {@linkcode memoryTransport}. */
export interface MemoryTransportOptions {
  /**
   * Bytes each direction of a connection holds unread before a write waits
   * (the socket buffers of a real connection, both ends together).
   * @default {65536}
   */
  bufferSize?: number;
}

/** A socket of the in-memory transport: a {@linkcode RawSocket} that can also half-close. */
export interface MemorySocket extends RawSocket {
  /** Bytes that arrived and this end has not read yet. */
  readonly unread: number;
  /**
   * Half-closes: the peer reads what was written, then `null`; this end still
   * reads until it closes. Later writes fail. Idempotent.
   */
  end(): void;
}

/** The in-memory transport, returned by {@linkcode memoryTransport}. */
export interface MemoryTransport extends Transport {
  /** Opens a connection to a listener of this transport. */
  connect(options: DialOptions): Promise<MemorySocket>;
}

/**
 * A transport whose connections live in memory: hand it to `serve()` and
 * `connect()` as `transport` to run a server and its clients in one process
 * without the network, deterministically (every byte moves in promise
 * reactions, none on a timer). Each call makes a network of its own: a client
 * reaches the listeners of the same transport only. Addresses look like TCP's
 * (`127.0.0.1:N`); port 0 picks a free one. There is no TLS.
 *
 * @throws {RangeError} `bufferSize` is not a positive integer.
 * @example A server and a client in one process, over memory
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, memoryTransport, serve, silentLogger } from "spawnkit";
 *
 * const transport = memoryTransport();
 * await using server = await serve({ transport, logger: silentLogger }, async (conn) => {
 *   for await (const frame of conn) await conn.send(frame);
 * });
 * assert.equal(server.addr.hostname, "127.0.0.1");
 * await using client = await connect({ port: server.addr.port, transport });
 * await client.send(new TextEncoder().encode("ping"));
 * const { value } = await client[Symbol.asyncIterator]().next();
 * assert.equal(new TextDecoder().decode(value), "ping");
 * ```
 * @example A peer that does not read makes the writer wait
 * ```ts
 * import assert from "node:assert/strict";
 * import { memoryTransport } from "spawnkit";
 *
 * const transport = memoryTransport({ bufferSize: 4 });
 * const listener = await transport.listen({ hostname: "127.0.0.1", port: 0 }, () => {}, () => 0);
 * const socket = await transport.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * let written = false;
 * const write = socket.write(new Uint8Array(6)).then(() => written = true);
 * await new Promise((resolve) => setTimeout(resolve, 0));
 * assert.equal(written, false, "4 of 6 bytes fit; the write waits for the peer");
 * socket.close();
 * await assert.rejects(write);
 * listener.close();
 * ```
 */
export function memoryTransport(options: MemoryTransportOptions = {}): MemoryTransport {
  const bufferSize = options.bufferSize ?? DEFAULT_MEMORY_BUFFER_SIZE;
  if (!Number.isSafeInteger(bufferSize) || bufferSize <= 0) {
    throw new RangeError(`Cannot use bufferSize ${bufferSize}: must be a positive integer (bytes)`);
  }
  const listeners = new Map<string, (socket: RawSocket) => void>();
  const ports = new PortAllocator(listeners);
  return {
    name: "memory",

    listen(options: ListenOptions, onSocket: (socket: RawSocket) => void): Promise<Listener> {
      if (options.tls !== undefined) return Promise.reject(new TypeError("Cannot listen with TLS: memory has no TLS"));
      const port = options.port === 0 ? ports.free(options.hostname) : options.port;
      const key = keyOf(options.hostname, port);
      if (listeners.has(key)) return Promise.reject(networkError("EADDRINUSE", `Cannot listen on ${key}: in use`));
      listeners.set(key, onSocket);
      let closed = false;
      return Promise.resolve({
        addr: { hostname: options.hostname, port },
        close() {
          if (closed) return;
          closed = true;
          listeners.delete(key);
        },
      });
    },

    connect(options: DialOptions): Promise<MemorySocket> {
      if (options.tls !== undefined) return Promise.reject(new TypeError("Cannot connect with TLS: memory has no TLS"));
      const { hostname, port } = options;
      const accept = listeners.get(keyOf(hostname, port)) ?? listeners.get(keyOf("0.0.0.0", port));
      if (accept === undefined) {
        return Promise.reject(networkError("ECONNREFUSED", `Cannot connect to ${keyOf(hostname, port)}: refused`));
      }
      const clientAddr = { hostname, port: ports.free(hostname) };
      const serverAddr = { hostname, port };
      const toServer = new Pipe(bufferSize);
      const toClient = new Pipe(bufferSize);
      const client = new PipeSocket(clientAddr, serverAddr, toClient, toServer);
      const server = new PipeSocket(serverAddr, clientAddr, toServer, toClient);
      client.peer = server;
      server.peer = client;
      accept(server);
      return Promise.resolve(client);
    },
  };
}

function keyOf(hostname: string, port: number): string {
  return `${hostname}:${port}`;
}

/** Ports handed out by one transport: listeners' and clients' alike, never one in use. */
class PortAllocator {
  readonly #listeners: ReadonlyMap<string, unknown>;
  // The dynamic range, as a kernel picks ephemeral ports from.
  #next = 49_152;

  constructor(listeners: ReadonlyMap<string, unknown>) {
    this.#listeners = listeners;
  }

  free(hostname: string): number {
    while (true) {
      const port = this.#next;
      this.#next = port === 65_535 ? 49_152 : port + 1;
      if (!this.#listeners.has(keyOf(hostname, port))) return port;
    }
  }
}

/** One end of an in-memory connection. */
class PipeSocket implements MemorySocket {
  readonly localAddr: Address;
  readonly remoteAddr: Address;
  peer: PipeSocket | undefined;
  readonly #in: Pipe;
  readonly #out: Pipe;
  #ended = false;
  #closed = false;
  readonly #writeError = (): Error | undefined => {
    if (this.#closed) return networkError("EBADF", "Cannot write: socket is closed");
    if (this.#ended) return networkError("EPIPE", "Cannot write: socket has ended");
    return undefined;
  };

  constructor(localAddr: Address, remoteAddr: Address, incoming: Pipe, outgoing: Pipe) {
    this.localAddr = localAddr;
    this.remoteAddr = remoteAddr;
    this.#in = incoming;
    this.#out = outgoing;
  }

  get unread(): number {
    return this.#in.buffered;
  }

  read(): Promise<Uint8Array | null> {
    return this.#closed ? Promise.resolve(null) : this.#in.read();
  }

  write(data: Uint8Array): Promise<void> {
    return this.#out.write(data, this.#writeError);
  }

  closeWrite(): void {
    this.end();
  }

  end(): void {
    if (this.#ended || this.#closed) return;
    this.#ended = true;
    this.#out.end();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // A write that did not fit is lost, as a real socket's unsent bytes are at close.
    this.#out.failWrite(networkError("EBADF", "Cannot write: socket is closed"));
    this.#out.end();
    this.#in.drop();
  }
}
