/**
 * The Node adapter: node:net, and node:tls for TLS. Node pushes bytes to a
 * `data` event; this adapter turns that into pull-based reads as the Bun one
 * does: at most `READ_AHEAD_BYTES` are queued while no read is pending, and
 * the socket is paused beyond that, so a peer that floods a busy connection
 * meets TCP flow control instead of growing the queue.
 *
 * A write settles when Node has handed its bytes to the kernel (the write
 * callback), so the kit never touches a buffer Node still holds. Sockets are
 * half-open, as Deno's are: after the peer's FIN, reads end but replies still
 * go out until the kit closes the socket.
 *
 * @module
 */
import * as net from "node:net";
import * as tls from "node:tls";
import type { Address, ConnectOptions, Listener, ListenOptions, RawSocket, Transport } from "./types.ts";

// Enough to keep a busy server's reads large, small enough to bound memory per connection.
const READ_AHEAD_BYTES = 65_536;

class NodeSocket implements RawSocket {
  readonly localAddr: Address;
  readonly remoteAddr: Address;
  readonly #socket: net.Socket;
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #paused = false;
  /** The peer closed its side, or the socket failed or closed: reads give what is queued, then end. */
  #readEnded = false;
  /** The socket failed or closed: writes fail. */
  #ended = false;
  #error: unknown;
  #reader: { resolve(chunk: Uint8Array | null): void; reject(error: unknown): void } | undefined;
  #writer: { resolve(): void; reject(error: unknown): void } | undefined;

  /** `tcp` is the TCP socket under `socket` (the same socket without TLS). */
  constructor(socket: net.Socket, tcp: net.Socket = socket) {
    this.#socket = socket;
    this.localAddr = { hostname: tcp.localAddress ?? "", port: tcp.localPort ?? 0 };
    this.remoteAddr = { hostname: tcp.remoteAddress ?? "", port: tcp.remotePort ?? 0 };
    tcp.setNoDelay(true);
    socket.on("data", (chunk: Uint8Array) => this.#onData(chunk));
    socket.on("end", () => this.#onReadEnd());
    socket.on("close", () => this.#onEnd());
    // A listener for "error" is what keeps a reset from crashing the process.
    socket.on("error", (error) => this.#onEnd(error));
  }

  read(): Promise<Uint8Array | null> {
    const chunk = this.#queue.shift();
    if (chunk !== undefined) {
      this.#queuedBytes -= chunk.length;
      if (this.#paused && this.#queuedBytes < READ_AHEAD_BYTES) {
        this.#paused = false;
        this.#socket.resume();
      }
      return Promise.resolve(chunk);
    }
    if (this.#readEnded) return this.#error === undefined ? Promise.resolve(null) : Promise.reject(this.#error);
    return new Promise((resolve, reject) => this.#reader = { resolve, reject });
  }

  #onData(data: Uint8Array): void {
    // Bytes Node had in hand when the kit closed the socket: nobody will read them.
    if (this.#readEnded) return;
    // Node hands a Buffer; the kit's frames are plain Uint8Array views on every runtime.
    const chunk = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const reader = this.#reader;
    if (reader !== undefined) {
      this.#reader = undefined;
      reader.resolve(chunk);
      return;
    }
    this.#queue.push(chunk);
    this.#queuedBytes += chunk.length;
    if (this.#queuedBytes >= READ_AHEAD_BYTES && !this.#paused) {
      this.#paused = true;
      this.#socket.pause();
    }
  }

  write(data: Uint8Array): Promise<void> {
    if (this.#ended) return Promise.reject(closedError());
    return new Promise((resolve, reject) => {
      this.#writer = { resolve, reject };
      this.#socket.write(data, (error) => {
        const writer = this.#writer;
        this.#writer = undefined;
        if (error === undefined || error === null) writer?.resolve();
        else writer?.reject(error);
      });
    });
  }

  #onReadEnd(error?: unknown): void {
    if (this.#readEnded) return;
    this.#readEnded = true;
    this.#error = error;
    const reader = this.#reader;
    this.#reader = undefined;
    if (reader !== undefined) error === undefined ? reader.resolve(null) : reader.reject(error);
  }

  #onEnd(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#onReadEnd(error);
    const writer = this.#writer;
    this.#writer = undefined;
    writer?.reject(error ?? closedError());
  }

  close(): void {
    const writing = this.#writer !== undefined;
    this.#queue = [];
    this.#onEnd();
    // Nothing pending: end cleanly (TLS close_notify, FIN) and free the socket once that is out.
    // A write still pending means a peer that does not read: do not wait for it.
    if (writing) this.#socket.destroy();
    else this.#socket.destroySoon();
  }
}

function closedError(): Error {
  return new Error("Cannot write: socket is closed");
}

/** The transport for Node. */
export const nodeTransport: Transport = {
  name: "node",

  listen(options: ListenOptions, onSocket, onError): Promise<Listener> {
    const context = options.tls === undefined ? undefined : tls.createSecureContext(options.tls);
    // A plain TCP server even for TLS: the socket joins the kit before its handshake, as on
    // Deno and Bun, so a client that never finishes one is bounded by the kit's own timeouts.
    const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (tcp) => {
      if (context === undefined) return onSocket(new NodeSocket(tcp));
      onSocket(new NodeSocket(new tls.TLSSocket(tcp, { isServer: true, secureContext: context }), tcp));
    });
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: options.hostname, port: options.port }, () => {
        server.off("error", reject);
        // Accept errors (out of file descriptors, say) arrive here; Node keeps listening.
        server.on("error", onError);
        const bound = server.address() as net.AddressInfo;
        let closed = false;
        resolve({
          addr: { hostname: bound.address, port: bound.port },
          close() {
            if (closed) return;
            closed = true;
            server.close();
          },
        });
      });
    });
  },

  connect(options: ConnectOptions): Promise<RawSocket> {
    return new Promise((resolve, reject) => {
      const trust = options.tls;
      const socket = trust === undefined
        ? net.connect({ host: options.hostname, port: options.port, noDelay: true, allowHalfOpen: true })
        : tls.connect({
          host: options.hostname,
          port: options.port,
          // Honoured by tls.connect, missing from its typings (hence the spread).
          ...{ allowHalfOpen: true },
          ca: trust.caCerts,
        });
      socket.once("error", reject);
      socket.once(trust === undefined ? "connect" : "secureConnect", () => {
        socket.off("error", reject);
        resolve(new NodeSocket(socket));
      });
    });
  },
};
