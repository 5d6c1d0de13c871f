/**
 * The Bun adapter: Bun.listen / Bun.connect, with their `tls` option for TLS.
 * Each socket is a {@linkcode BunSocket} (bun_socket.ts), fed by Bun's
 * socket handlers.
 *
 * @module
 */
import { BunSocket, type BunSocketHandlers, type BunTcpSocket, clientHandlers, handlers } from "./bun_socket.ts";
import type { DialOptions, Listener, ListenOptions, RawSocket, Transport } from "./types.ts";

// The Bun API this adapter uses, declared here so the kit needs no Bun typings.
interface BunApi {
  listen(options: {
    hostname: string;
    port: number;
    allowHalfOpen?: boolean;
    reusePort?: boolean;
    tls?: { cert: string; key: string };
    socket: BunSocketHandlers;
  }): {
    readonly port: number;
    readonly hostname: string;
    stop(closeActiveConnections?: boolean): void;
  };
  connect(options: {
    hostname: string;
    port: number;
    allowHalfOpen?: boolean;
    tls?: { rejectUnauthorized: boolean; ca?: string[] };
    data: BunSocket;
    socket: BunSocketHandlers;
  }): Promise<BunTcpSocket>;
}

const bun = (globalThis as unknown as { Bun: BunApi }).Bun;

function goneBeforeAccept(): Error {
  return Object.assign(new Error("Cannot accept: the peer reset the connection before it was accepted"), {
    code: "ENOTCONN",
  });
}

/** The transport for Bun. */
export const bunTransport: Transport = {
  name: "bun",

  listen(options: ListenOptions, onSocket, onError): Promise<Listener> {
    const listener = bun.listen({
      hostname: options.hostname,
      port: options.port,
      allowHalfOpen: true,
      reusePort: options.reusePort ?? false,
      // Over TLS, `open` comes before the handshake: the socket joins the kit, and data follows it.
      ...(options.tls === undefined ? {} : { tls: { cert: options.tls.cert, key: options.tls.key } }),
      socket: {
        ...handlers,
        open(socket) {
          // Reset before it was accepted: the address is gone with the peer. An accept error, as on Deno.
          if (!socket.remoteAddress) {
            socket.terminate();
            return void onError(goneBeforeAccept());
          }
          const wrapped = new BunSocket();
          socket.data = wrapped;
          wrapped.attach(socket);
          if (options.keepAlive) socket.setKeepAlive?.(true, options.keepAlive * 1000);
          // Bounded by the kit's tlsHandshakeTimeout; the `handshake` callback says when it is done.
          wrapped.handshaking = options.tls !== undefined;
          onSocket(wrapped);
        },
      },
    });
    let closed = false;
    return Promise.resolve({
      addr: { hostname: listener.hostname, port: listener.port },
      close() {
        if (closed) return;
        closed = true;
        listener.stop(false);
      },
    });
  },

  async connect(options: DialOptions): Promise<RawSocket> {
    const wrapped = new BunSocket();
    const trust = options.tls;
    // Waiting starts before connecting: the handshake may finish before `connect` settles.
    const handshaken = trust === undefined ? undefined : wrapped.handshaken();
    // Handled here too: if connecting fails, nobody awaits the handshake.
    handshaken?.catch(() => {});
    const socket = await bun.connect({
      hostname: options.hostname,
      port: options.port,
      allowHalfOpen: true,
      // rejectUnauthorized is Bun's default, but said here on purpose: Bun reads a `tls` object
      // with no option it knows (`{}`, `{ ca: undefined }`) as no TLS at all.
      ...(trust === undefined ? {} : { tls: { rejectUnauthorized: true, ca: trust.caCerts } }),
      data: wrapped,
      socket: trust === undefined ? handlers : clientHandlers,
    });
    wrapped.attach(socket);
    if (options.keepAlive) socket.setKeepAlive?.(true, options.keepAlive * 1000);
    const signal = options.signal;
    // Closing the socket is what ends a handshake under way (and a dial that connected after the abort).
    const onAbort = () => wrapped.close();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      signal?.throwIfAborted();
      await handshaken;
      signal?.throwIfAborted();
    } catch (error) {
      wrapped.close();
      throw signal?.aborted ? signal.reason : error;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
    return wrapped;
  },
};
