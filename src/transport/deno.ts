/**
 * The Deno adapter: Deno.listen / Deno.connect for plain TCP (TLS, both ways,
 * goes through Deno's node:tls, the Node adapter). Reads go straight to
 * `conn.read()` with a buffer of their own, so nothing is read while no read is pending: the pull-based flow
 * control the kit relies on.
 *
 * With `reusePort` and no --unstable-net, a listener goes through Deno's
 * node:net (the Node adapter): its sockets are that adapter's.
 *
 * @module
 */
import type { Address, DialOptions, Listener, ListenOptions, RawSocket, ReadHolds, Transport } from "./types.ts";

// The few Deno types this adapter uses, declared here so that tsc needs no Deno typings.
interface DenoNetAddr {
  hostname: string;
  port: number;
}
interface DenoConn {
  readonly localAddr: DenoNetAddr;
  readonly remoteAddr: DenoNetAddr;
  read(buffer: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  close(): void;
  closeWrite(): Promise<void>;
  setNoDelay?(enabled: boolean): void;
  /** On, at the system's delay: Deno takes no delay of its own. */
  setKeepAlive?(enabled: boolean): void;
}
interface DenoListener {
  readonly addr: DenoNetAddr;
  accept(): Promise<DenoConn>;
  close(): void;
}
interface DenoApi {
  listen(options: { hostname: string; port: number; transport: "tcp"; reusePort?: boolean }): DenoListener;
  /** Present only with --unstable-net (Deno leaves unstable APIs out without their flag). */
  listenDatagram?: unknown;
  connect(options: { hostname: string; port: number; transport: "tcp"; signal?: AbortSignal }): Promise<DenoConn>;
  errors: { BadResource: new () => Error; Interrupted: new () => Error };
}

const deno = (globalThis as unknown as { Deno: DenoApi }).Deno;

// Reads go into the free end of one buffer until it is used up: on Deno every typed array has a backing
// store of its own (about 1.5 µs to allocate even at 64 bytes), so a buffer per read cost more than the
// read itself. A buffer used up in fewer than READS_PER_BUFFER reads makes the next one twice as big (up to
// MAX_BUFFER, for bulk transfers), one that took more than 8 times as many halves it (down to MIN_BUFFER);
// SHRINK_AFTER tiny reads in a row (under a sixteenth of the buffer) halve it too and let a big buffer go,
// so that a connection quiet after a burst does not keep one. The free end is read into while it holds at
// least an eighth of the buffer (and 1 KiB). Not below 4 KiB: with 1 or 2 KiB pending reads, idle
// connections hold 3 kB less each, but a broadcast to 10 000 of them took 430 ms, not 320.
const MIN_BUFFER = 4096;
const MAX_BUFFER = 262_144;
const READS_PER_BUFFER = 8;
const SHRINK_AFTER = 16;
// The free end a read goes into: at least an eighth of the buffer, and 1 KiB.
const roomIn = (size: number): number => Math.max(1024, size >>> 3);

class DenoSocket implements RawSocket {
  readonly localAddr: Address;
  readonly remoteAddr: Address;
  readonly #conn: DenoConn;
  #size = MIN_BUFFER;
  // The bytes before #used were handed out (the caller's: never written again); reads go after them.
  #buffer: Uint8Array | undefined;
  #used = 0;
  // The buffer before this one, while a write still read it when the kit handed it back (reuse): the next one.
  #spare: Uint8Array | undefined;
  // The last read filled the free end: a buffer handed back grows (reads are bigger than it).
  #full = false;
  #reads = 0;
  #smallReads = 0;
  #closed = false;

  constructor(conn: DenoConn) {
    this.#conn = conn;
    this.localAddr = addressOf(conn.localAddr);
    this.remoteAddr = addressOf(conn.remoteAddr);
    try {
      // A TLS connection has no setNoDelay: Deno sets TCP_NODELAY on it by itself.
      conn.setNoDelay?.(true);
    } catch { /* closed already: the first read will say so */ }
  }

  async read(): Promise<Uint8Array | null> {
    if (this.#closed) return null;
    let buffer = this.#buffer;
    let at = this.#used;
    if (buffer === undefined || buffer.length - at < roomIn(buffer.length)) {
      if (buffer !== undefined) this.#adapt(this.#reads);
      this.#buffer = buffer = new Uint8Array(this.#size);
      at = this.#used = this.#reads = 0;
    }
    let n: number | null;
    try {
      n = await this.#conn.read(at === 0 ? buffer : buffer.subarray(at));
    } catch (error) {
      if (this.#closed || isClosedError(error)) return null;
      throw error;
    }
    if (n === null) return null;
    this.#reads++;
    this.#used = at + n;
    this.#full = at + n === buffer.length;
    if (n * 16 >= buffer.length) this.#smallReads = 0;
    else if (++this.#smallReads >= SHRINK_AFTER && this.#size > MIN_BUFFER) {
      this.#size /= 2;
      this.#smallReads = 0;
      // The next read starts a buffer of the new size.
      if (buffer.length > this.#size) this.#buffer = this.#spare = undefined;
    }
    return buffer.subarray(at, at + n);
  }

  /**
   * The kit is done with every chunk but `keep` (RawSocket.reuse): the next read goes into this buffer again (or
   * the spare, while a write reads this one), `keep` moved to its front, as the raw server's one buffer. A
   * buffer whose reads filled it is handed back twice as big; `keep` too big for the biggest is declined.
   */
  reuse(keep: Uint8Array, held: ReadHolds): Uint8Array | undefined {
    const buffer = this.#buffer;
    if (buffer === undefined || this.#closed) return undefined;
    const at = keep.byteOffset - buffer.byteOffset;
    if (keep.length > 0 && (keep.buffer !== buffer.buffer || at + keep.length !== this.#used)) return undefined;
    let size = this.#full && this.#size < MAX_BUFFER ? this.#size * 2 : this.#size;
    while (size - keep.length < roomIn(size) && size < MAX_BUFFER) size *= 2;
    if (size - keep.length < roomIn(size)) return undefined;
    let target: Uint8Array;
    if (buffer.length === size && !held.holds(buffer)) target = buffer;
    else if (this.#spare?.length === size && !held.holds(this.#spare)) target = this.#spare;
    else if (buffer.length === size && buffer.length - this.#used >= roomIn(size)) return undefined;
    else target = new Uint8Array(size);
    // The buffer a write still reads becomes the spare: free again once it settled.
    this.#spare = target === buffer ? this.#spare : buffer.length === size ? buffer : undefined;
    if (target === buffer) buffer.copyWithin(0, at, at + keep.length);
    else target.set(keep);
    this.#size = size;
    this.#buffer = target;
    this.#used = keep.length;
    this.#reads = 0;
    return target.subarray(0, keep.length);
  }

  /** Idle: the spare goes (the pending read's buffer stays). */
  trim(): void {
    this.#spare = undefined;
  }

  /** A buffer was used up in `reads` reads: the next one is sized for the reads that come. */
  #adapt(reads: number): void {
    if (reads < READS_PER_BUFFER && this.#size < MAX_BUFFER) this.#size *= 2;
    else if (reads > 8 * READS_PER_BUFFER && this.#size > MIN_BUFFER) this.#size /= 2;
  }

  async write(data: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < data.length) offset += await this.#conn.write(data.subarray(offset));
  }

  closeWrite(): void {
    if (this.#closed) return;
    // A socket the peer reset or the kit closed meanwhile: the connection is ending anyway.
    this.#conn.closeWrite().catch(() => {});
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch { /* already closed by the runtime */ }
  }
}

function addressOf(addr: DenoNetAddr): Address {
  return { hostname: addr.hostname, port: addr.port };
}

/** True when Deno runs with --unstable-net, which Deno.listen's reusePort needs. */
function unstableNet(): boolean {
  return typeof deno.listenDatagram === "function";
}

function isClosedError(error: unknown): boolean {
  return error instanceof deno.errors.BadResource || error instanceof deno.errors.Interrupted;
}

/** The transport for Deno. */
export const denoTransport: Transport = {
  name: "deno",

  async listen(options: ListenOptions, onSocket, onError): Promise<Listener> {
    const { hostname, port } = options;
    const reusePort = options.reusePort ?? false;
    // Deno.listen's reusePort needs --unstable-net, and without the flag Deno ends the process (exit
    // code 70) rather than throwing. Deno's node:net sets SO_REUSEPORT with no flag: the same frames
    // per CPU second, about a quarter more CPU per accepted connection (measured here).
    // Over TLS too: a Deno.TlsConn closed before its handshake finished keeps its TCP socket open until the peer
    // goes (Deno 2.x), so a peer that never finishes one would hold a descriptor past tlsHandshakeTimeout.
    if ((reusePort && !unstableNet()) || options.tls !== undefined) {
      return (await import("./node.ts")).nodeTransport.listen(options, onSocket, onError);
    }
    const listener = deno.listen({ hostname, port, transport: "tcp", ...(reusePort ? { reusePort } : {}) });
    let closed = false;
    (async () => {
      while (!closed) {
        let conn: DenoConn;
        try {
          conn = await listener.accept();
        } catch (error) {
          if (closed || isClosedError(error)) return;
          // The kit says how long: at once after a peer's reset, a pause when out of descriptors.
          const wait = onError(error);
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          continue;
        }
        if (options.keepAlive) keepAlive(conn);
        onSocket(new DenoSocket(conn));
      }
    })();
    return {
      addr: addressOf(listener.addr),
      close() {
        if (closed) return;
        closed = true;
        try {
          listener.close();
        } catch { /* already closed */ }
      },
    };
  },

  async connect(options: DialOptions): Promise<RawSocket> {
    const { hostname, port, tls, signal } = options;
    signal?.throwIfAborted();
    if (tls === undefined) {
      const conn = await deno.connect({ hostname, port, transport: "tcp", signal });
      if (options.keepAlive) keepAlive(conn);
      return new DenoSocket(conn);
    }
    // Through node:tls, as a TLS listener is: a Deno.TlsConn closed during its handshake keeps its TCP socket
    // open (Deno 2.x), so a dial given up there (connectTimeout, an abort) would leave a descriptor behind.
    return (await import("./node.ts")).nodeTransport.connect(options);
  },
};

function keepAlive(conn: DenoConn): void {
  try {
    conn.setKeepAlive?.(true);
  } catch { /* closed already: the first read will say so */ }
}
