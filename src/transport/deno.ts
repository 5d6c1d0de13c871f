/**
 * The Deno adapter: Deno.listen / Deno.connect. Reads go straight to
 * `conn.read()` with a buffer of their own, so nothing is read while no read is
 * pending: the pull-based flow control the kit relies on.
 *
 * @module
 */
import type { Address, ConnectOptions, Listener, ListenOptions, RawSocket, Transport } from "./types.ts";

const FIRST_READ_SIZE = 4096;
const MAX_READ_SIZE = 262_144;
// After an accept error other than a closed listener (EMFILE, say), wait before
// the next accept rather than spin on the same error.
const ACCEPT_RETRY_MS = 100;

class DenoSocket implements RawSocket {
  readonly localAddr: Address;
  readonly remoteAddr: Address;
  readonly #conn: Deno.TcpConn;
  #readSize = FIRST_READ_SIZE;
  #closed = false;

  constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.localAddr = addressOf(conn.localAddr);
    this.remoteAddr = addressOf(conn.remoteAddr);
    try {
      conn.setNoDelay(true);
    } catch { /* closed already: the first read will say so */ }
  }

  async read(): Promise<Uint8Array | null> {
    if (this.#closed) return null;
    const buffer = new Uint8Array(this.#readSize);
    let n: number | null;
    try {
      n = await this.#conn.read(buffer);
    } catch (error) {
      if (this.#closed || isClosedError(error)) return null;
      throw error;
    }
    if (n === null) return null;
    // A read that filled its buffer suggests more is waiting: read more at once next time.
    if (n === buffer.length && this.#readSize < MAX_READ_SIZE) this.#readSize *= 2;
    // A small read is copied out so a big buffer is not kept alive by a few bytes.
    return n * 4 < buffer.length ? buffer.slice(0, n) : buffer.subarray(0, n);
  }

  async write(data: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < data.length) offset += await this.#conn.write(data.subarray(offset));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch { /* already closed by the runtime */ }
  }
}

function addressOf(addr: Deno.Addr): Address {
  const net = addr as Deno.NetAddr;
  return { hostname: net.hostname, port: net.port };
}

function isClosedError(error: unknown): boolean {
  return error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted;
}

/** The transport for Deno. */
export const denoTransport: Transport = {
  name: "deno",

  listen(options: ListenOptions, onSocket, onError): Promise<Listener> {
    const listener = Deno.listen({ hostname: options.hostname, port: options.port, transport: "tcp" });
    let closed = false;
    (async () => {
      while (!closed) {
        let conn: Deno.TcpConn;
        try {
          conn = await listener.accept();
        } catch (error) {
          if (closed || isClosedError(error)) return;
          onError(error);
          await new Promise((resolve) => setTimeout(resolve, ACCEPT_RETRY_MS));
          continue;
        }
        onSocket(new DenoSocket(conn));
      }
    })();
    return Promise.resolve({
      addr: addressOf(listener.addr),
      close() {
        if (closed) return;
        closed = true;
        try {
          listener.close();
        } catch { /* already closed */ }
      },
    });
  },

  async connect(options: ConnectOptions): Promise<RawSocket> {
    const conn = await Deno.connect({ hostname: options.hostname, port: options.port, transport: "tcp" });
    return new DenoSocket(conn);
  },
};
