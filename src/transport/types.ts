/**
 * The one socket shape the kit sees, whatever the runtime. Each adapter in
 * this folder implements {@linkcode Transport} with its runtime's native API;
 * nothing outside this folder knows which runtime it is on.
 *
 * @module
 */

/** A TCP endpoint. */
export interface Address {
  /** IP address, as the runtime reports it. */
  readonly hostname: string;
  /** Port number. */
  readonly port: number;
}

/**
 * A connected byte stream.
 *
 * Reading is pull-based: bytes are read from the kernel only while a `read()`
 * is pending or a small read-ahead is not full (Erlang's `{active, once}`), so a
 * peer that floods a connection whose handler is busy meets TCP flow control.
 */
export interface RawSocket {
  /** The local end. */
  readonly localAddr: Address;
  /** The peer's end. */
  readonly remoteAddr: Address;
  /**
   * The next chunk of bytes, `null` once the peer has closed or the socket was
   * closed. At most one read is pending at a time. The chunk is the caller's:
   * the adapter never writes to its memory again.
   * @throws the runtime's error when the socket fails (for example a reset).
   */
  read(): Promise<Uint8Array | null>;
  /**
   * Optional, where the runtime pushes bytes (Bun, Node): `read()` without a
   * promise. Calls `onChunk` with the next chunk (or `null`), or `onError`,
   * once: at once when a chunk is queued, else when one arrives. The kit
   * passes the same two functions every time, so that a read allocates nothing.
   */
  pull?(onChunk: (chunk: Uint8Array | null) => void, onError: (error: unknown) => void): void;
  /**
   * Writes every byte of `data`; settles when the runtime has taken them all.
   * At most one write is pending at a time, and `data` is not changed until it settles.
   * @throws the runtime's error when the socket fails or is closed.
   */
  write(data: Uint8Array): Promise<void>;
  /**
   * Optional: writes what the runtime takes at once, without waiting, and
   * returns how many bytes that was (0 when none, or when the socket is
   * closed). Only where the runtime can tell synchronously (Bun); the kit
   * writes the rest with `write()`. Never called while a `write()` is pending.
   */
  tryWrite?(data: Uint8Array): number;
  /**
   * Optional: bytes read off the socket before the connection took it that
   * are not frames (a PROXY protocol header); counted in its `bytesIn`.
   */
  readonly preambleBytes?: number;
  /**
   * Optional, where the adapter reads into memory of its own (Deno): the kit
   * is done with every chunk read so far but `keep` (the last bytes of the
   * latest chunk, an unfinished frame, or empty), so that memory may be read
   * into again, except where `held.holds()` says a write still reads. The adapter
   * moves `keep` to where the next read continues it and returns it there; or
   * returns undefined and changes nothing (its chunks stay the caller's). An
   * adapter whose chunks are the runtime's own (Bun, Node, a WebSocket) leaves
   * it out.
   */
  reuse?(keep: Uint8Array, held: ReadHolds): Uint8Array | undefined;
  /** Optional: the connection is idle; memory kept for the next reads beyond the pending one may go. */
  trim?(): void;
  /**
   * Optional, where the runtime pushes bytes (Bun, Node): stop reading from the
   * kernel until the next `read()`. The kit calls it when a send waits for a
   * peer that does not read, so that the read-ahead (up to a whole runtime
   * chunk, 512 KiB on Bun) does not pile up behind a handler that will not ask.
   */
  holdReads?(): void;
  /**
   * Optional: ends the write side (TCP's FIN) once no write is pending; reads
   * go on until the peer closes. The kit calls it at most once, then only
   * `read()` and `close()`. Without it, closing a connection's writable closes
   * the connection.
   */
  closeWrite?(): void;
  /**
   * Optional, on a socket accepted over TLS: true until its handshake has
   * finished (a failed one fails the first read). The kit closes a socket
   * still handshaking after `tlsHandshakeTimeout` seconds.
   */
  readonly handshaking?: boolean;
  /**
   * Optional, on a socket that can find its link dead by itself (a heartbeat's
   * verdict): the kit hands it `dead` once, to end the connection even while
   * nobody reads it.
   */
  watch?(dead: (error: unknown) => void): void;
  /** Optional, on a socket that speaks the session wire: its counters, for the connection's stats. */
  readonly session?: SessionCounts;
  /** Closes the socket; pending and later reads give `null`. Idempotent. */
  close(): void;
}

/** What says whether a write still reads some bytes where they were read (`RawSocket.reuse`). */
export interface ReadHolds {
  /** True while some of `bytes` must stay as they are. */
  holds(bytes: Uint8Array): boolean;
}

/** The session wire's counters (sessions.md): the heartbeat's ticks, pings and pongs, and resumes. */
export interface SessionCounts {
  /** Ticks of the heartbeat's clock so far (a client's interval, or the server's tick). */
  readonly ticks: number;
  /** Pings this side sent. */
  readonly pingsSent: number;
  /** Pongs this side received. */
  readonly pongsReceived: number;
  /** Pings of the peer this side answered, without waking the handler. */
  readonly pingsAnswered: number;
  /** The tick at which the link was last declared dead, if it was. */
  readonly timedOutAt: number | undefined;
  /** Links lost without a clean close while the session could resume. */
  readonly suspensions: number;
  /** Times the session went on over a new link. */
  readonly resumes: number;
  /** Application bytes sent again over new links: what the peer had not received. */
  readonly bytesResent: number;
}

/**
 * A server's TLS certificate and private key, both PEM text. The key is handed
 * to the runtime and never logged.
 *
 * @example Serving TLS: certificate and key from files
 * ```ts ignore
 * import { readFileSync } from "node:fs";
 * import { serve } from "spawnkit";
 * const tls = { cert: readFileSync("server.pem", "utf8"), key: readFileSync("server.key", "utf8") };
 * const server = await serve({ port: 7443, tls }, async (conn) => {
 *   for await (const frame of conn) await conn.send(frame);
 * });
 * ```
 */
export interface TlsServeOptions {
  /** The certificate chain, PEM: the server's certificate first, then any intermediates. */
  cert: string;
  /** The private key of that certificate, PEM. */
  key: string;
}

/**
 * Whom a TLS client trusts. The server's name is checked against `hostname`.
 *
 * @example A server that does not speak TLS fails connect()
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, serve, silentLogger } from "spawnkit";
 * await using server = await serve({ logger: silentLogger }, () => {});
 * await assert.rejects(connect({ port: server.addr.port, tls: { caCerts: [] }, logger: silentLogger }));
 * ```
 */
export interface TlsConnectOptions {
  /**
   * CA certificates, PEM, that the server's certificate must chain to.
   * @default the runtime's own trust store
   */
  caCerts?: string[];
}

/** Where and how to listen. */
export interface ListenOptions {
  /** Address to bind. */
  hostname: string;
  /** Port to bind; 0 picks a free one. */
  port: number;
  /** Serve TLS with this certificate and key; plain TCP when absent. */
  tls?: TlsServeOptions;
  /**
   * Set SO_REUSEPORT, so that several listeners (threads or processes of the
   * same user) share the port and the kernel spreads connections over them.
   * Linux spreads them; elsewhere a second listener may fail with EADDRINUSE.
   */
  reusePort?: boolean;
  /**
   * Turn on TCP keepalive with this many seconds of idle before the first
   * probe (the kernel's own count and spacing of probes follow); 0 or absent
   * leaves it off. Deno's own sockets cannot set the delay: they use the
   * system's (`net.ipv4.tcp_keepalive_time`, two hours by default).
   */
  keepAlive?: number;
}

/** Where a transport connects (`Transport.connect`). */
export interface DialOptions {
  /** Address of the server; also the name its TLS certificate must carry. */
  hostname: string;
  /** Port of the server. */
  port: number;
  /**
   * Connect over TLS, trusting these CAs; plain TCP when absent. The promise
   * settles after the handshake, and rejects when the server is not trusted.
   */
  tls?: TlsConnectOptions;
  /**
   * Turn on TCP keepalive with this many seconds of idle before the first
   * probe (the kernel's own count and spacing of probes follow); 0 or absent
   * leaves it off. Deno's own sockets cannot set the delay: they use the
   * system's (`net.ipv4.tcp_keepalive_time`, two hours by default).
   */
  keepAlive?: number;
  /**
   * Aborting it gives up the dial: the socket under way (its TCP connect or
   * its TLS handshake) is closed and the promise rejects with the reason.
   */
  signal?: AbortSignal;
}

/** A bound, accepting listener. */
export interface Listener {
  /** The bound address (with the real port when 0 was asked). */
  readonly addr: Address;
  /** Stops accepting and frees the port. Idempotent. */
  close(): void;
}

/** What an adapter gives the kit. */
export interface Transport {
  /** The transport's name, for logs: the runtime's ("deno", "bun", "node"), or another ("memory"). */
  readonly name: string;
  /**
   * Binds and starts accepting; calls `onSocket` for every accepted socket
   * (over TLS, before its handshake: a failed handshake fails the socket's
   * first read) and `onError` for an accept error that did not stop the
   * listener. `onError` returns how long to wait before accepting again, in
   * milliseconds (0: at once); an adapter whose runtime runs its own accept
   * loop cannot wait and reports only. A socket whose peer is gone before its
   * address can be read (reset before it was accepted) is an accept error
   * with code `ENOTCONN`, not a socket: the adapter closes it.
   */
  listen(
    options: ListenOptions,
    onSocket: (socket: RawSocket) => void,
    onError: (error: unknown) => number,
  ): Promise<Listener>;
  /** Opens a connection. */
  connect(options: DialOptions): Promise<RawSocket>;
}
