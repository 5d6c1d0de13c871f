/**
 * The Node adapter: node:net, and node:tls for TLS. Node pushes bytes to a
 * `data` event; a {@linkcode ReadQueue} turns that into pull-based reads, as
 * in the Bun adapter.
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
import { ReadQueue } from "./_read_queue.ts";
import type { Address, DialOptions, Listener, ListenOptions, RawSocket, Transport } from "./types.ts";

class NodeSocket implements RawSocket {
  readonly localAddr: Address;
  readonly remoteAddr: Address;
  readonly #socket: net.Socket;
  // Ended by the peer's FIN, a failure or close(); queued chunks are still read first.
  readonly #reads: ReadQueue;
  /** The socket failed or closed: writes fail. */
  #ended = false;
  /** A server's TLS socket whose handshake has not finished. */
  handshaking = false;
  #writer: { resolve(): void; reject(error: unknown): void } | undefined;

  /** `tcp` is the TCP socket under `socket` (the same socket without TLS). */
  constructor(socket: net.Socket, tcp: net.Socket = socket) {
    this.#socket = socket;
    this.#reads = new ReadQueue(socket);
    this.localAddr = { hostname: tcp.localAddress ?? "", port: tcp.localPort ?? 0 };
    this.remoteAddr = { hostname: tcp.remoteAddress ?? "", port: tcp.remotePort ?? 0 };
    tcp.setNoDelay(true);
    socket.on("data", (chunk: Uint8Array) => this.#onData(chunk));
    socket.on("end", () => this.#reads.end());
    socket.on("close", () => this.#onEnd());
    // A listener for "error" is what keeps a reset from crashing the process.
    socket.on("error", (error) => this.#onEnd(error));
  }

  read(): Promise<Uint8Array | null> {
    return this.#reads.read();
  }

  pull(onChunk: (chunk: Uint8Array | null) => void, onError: (error: unknown) => void): void {
    this.#reads.pull(onChunk, onError);
  }

  #onData(data: Uint8Array): void {
    // Node hands a Buffer; the kit's frames are plain Uint8Array views on every runtime.
    this.#reads.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }

  holdReads(): void {
    // Only while Node holds bytes it could not pass to the kernel at once: a write that went out whole leaves
    // nothing to wait for, and a pause then would cost a resume at the next read for nothing.
    if (this.#socket.writableLength > 0) this.#reads.hold();
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

  #onEnd(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#reads.end(error);
    const writer = this.#writer;
    this.#writer = undefined;
    writer?.reject(error ?? closedError());
  }

  closeWrite(): void {
    // allowHalfOpen: a FIN, and reading goes on.
    if (!this.#ended) this.#socket.end();
  }

  close(): void {
    const writing = this.#writer !== undefined;
    this.#reads.clear();
    this.#onEnd();
    // Nothing pending: end cleanly (TLS close_notify, FIN) and free the socket once that is out.
    // A write still pending means a peer that does not read: do not wait for it.
    if (writing) this.#socket.destroy();
    else this.#socket.destroySoon();
  }
}

function goneBeforeAccept(): Error {
  return Object.assign(new Error("Cannot accept: the peer reset the connection before it was accepted"), {
    code: "ENOTCONN",
  });
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
      // Reset before it was accepted: the address is gone with the peer. An accept error, as on Deno.
      if (tcp.remoteAddress === undefined) {
        tcp.on("error", () => {});
        tcp.destroy();
        return void onError(goneBeforeAccept());
      }
      if (options.keepAlive) tcp.setKeepAlive(true, options.keepAlive * 1000);
      if (context === undefined) return onSocket(new NodeSocket(tcp));
      // Built by hand, the TLS socket has none of node:tls's handshakeTimeout: the kit's tlsHandshakeTimeout
      // bounds it, and "secure" says when it is done.
      const secure = new tls.TLSSocket(tcp, { isServer: true, secureContext: context });
      const socket = new NodeSocket(secure, tcp);
      socket.handshaking = true;
      secure.once("secure", () => socket.handshaking = false);
      onSocket(socket);
    });
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      // reusePort: Node 22.12 and 23.1 on (SO_REUSEPORT; older lines ignore it and meet EADDRINUSE).
      server.listen({ host: options.hostname, port: options.port, reusePort: options.reusePort ?? false }, () => {
        server.off("error", reject);
        // Accept errors arrive here; Node keeps listening, and libuv's own accept loop cannot be paused
        // (out of descriptors, it accepts and closes the waiting connections itself).
        server.on("error", (error) => void onError(error));
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

  connect(options: DialOptions): Promise<RawSocket> {
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
      const signal = options.signal;
      const fail = (error: unknown) => {
        signal?.removeEventListener("abort", onAbort);
        reject(error);
      };
      const onAbort = () => {
        socket.off("error", fail);
        socket.destroy();
        reject(signal!.reason);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      socket.once("error", fail);
      socket.once(trust === undefined ? "connect" : "secureConnect", () => {
        socket.off("error", fail);
        signal?.removeEventListener("abort", onAbort);
        if (options.keepAlive) socket.setKeepAlive(true, options.keepAlive * 1000);
        resolve(new NodeSocket(socket));
      });
    });
  },
};
