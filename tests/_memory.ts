/**
 * The unit tests' fake socket: a connected pair of in-memory sockets (the
 * kit's own memory transport), a connection over one, and a way to wait until
 * everything that can move without a peer's read, write or close has moved.
 *
 * @module
 */
import { type MemorySocket, memoryTransport, type MemoryTransportOptions } from "../mod.ts";
import type { ConnectionSettings } from "../src/core/connection/connection_settings.ts";
import { FramedConnection } from "../src/core/connection/framed_connection.ts";
import { waterMarksOf } from "../src/core/connection/water_marks.ts";
import { framingOf } from "../src/core/framing/length_prefixed.ts";
import type { RawSocket } from "../src/transport/types.ts";

/** Where a pair is made: the transport's options, and the address the accepted end sees its peer at. */
export interface PairOptions extends MemoryTransportOptions {
  /** @default {"127.0.0.1"} */
  hostname?: string;
}

/** Two connected in-memory sockets: `client` is the connecting end, `server` the accepted one. */
export async function socketPair(options: PairOptions = {}): Promise<{ client: MemorySocket; server: MemorySocket }> {
  const transport = memoryTransport(options);
  const hostname = options.hostname ?? "127.0.0.1";
  let accepted: RawSocket | undefined;
  const listener = await transport.listen({ hostname, port: 0 }, (socket) => accepted = socket, () => 0);
  const client = await transport.connect({ hostname, port: listener.addr.port });
  listener.close();
  return { client, server: accepted as MemorySocket };
}

/** Settings of a connection with the defaults of `serve()`, changed by `more`. */
export function settingsOf(more: Partial<ConnectionSettings> = {}): ConnectionSettings {
  return { framing: framingOf(), waterMarks: waterMarksOf({}), mailboxCapacity: 16, ...more };
}

/** A connection over the accepted end of a fresh pair; `peer` is the other end. */
export async function framedConnection(
  id: number,
  settings: Partial<ConnectionSettings> = {},
  pair: PairOptions = {},
): Promise<{ conn: FramedConnection; peer: MemorySocket }> {
  const { client, server } = await socketPair(pair);
  return { conn: new FramedConnection(server, settingsOf(settings), id), peer: client };
}

/**
 * Settles after the microtask queue has run empty. The memory transport and
 * the connection's parts move bytes in promise reactions only, so by then
 * everything that could happen without another read, write, close or tick has
 * happened: a condition, not a guess at a duration.
 */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

interface Pending<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

/**
 * A RawSocket driven by hand, for invariants a pair cannot reach on cue: it
 * counts reads, keeps a copy of every write, and settles each read and write
 * when the test says. A write's buffer changed before it settled, or a second
 * read or write while one is pending, fails loudly.
 */
export class ScriptedSocket implements RawSocket {
  readonly localAddr = { hostname: "127.0.0.1", port: 7000 };
  readonly remoteAddr = { hostname: "192.0.2.1", port: 40000 };
  /** Copies of the data of every write, in order. */
  readonly writes: Uint8Array[] = [];
  reads = 0;
  closed = false;
  /** Set to give the socket a synchronous `tryWrite` that takes up to this many bytes a call. */
  tryWrite?: (data: Uint8Array) => number;
  #read: Pending<Uint8Array | null> | undefined;
  #write: (Pending<void> & { data: Uint8Array; copy: Uint8Array }) | undefined;

  /** Lets `tryWrite` take up to `bytes` bytes each call; the bytes taken are recorded as a write. */
  acceptSynchronously(bytes: number): void {
    this.tryWrite = (data) => {
      const taken = Math.min(bytes, data.length);
      if (taken > 0) this.writes.push(data.slice(0, taken));
      return taken;
    };
  }

  get readPending(): boolean {
    return this.#read !== undefined;
  }

  get writePending(): boolean {
    return this.#write !== undefined;
  }

  read(): Promise<Uint8Array | null> {
    this.reads++;
    if (this.#read !== undefined) throw new Error("Cannot read: a read is pending");
    return new Promise((resolve, reject) => this.#read = { resolve, reject });
  }

  write(data: Uint8Array): Promise<void> {
    if (this.#write !== undefined) throw new Error("Cannot write: a write is pending");
    const copy = data.slice();
    this.writes.push(copy);
    return new Promise((resolve, reject) => this.#write = { resolve, reject, data, copy });
  }

  close(): void {
    this.closed = true;
  }

  /** Settles the pending read with `chunk` (`null`: the peer's FIN), or fails it with `error`. */
  deliver(chunk: Uint8Array | null, error?: unknown): void {
    const read = this.#read;
    if (read === undefined) throw new Error("Cannot deliver: no read is pending");
    this.#read = undefined;
    if (error === undefined) read.resolve(chunk);
    else read.reject(error);
  }

  /** Settles the pending write, or fails it with `error`; throws if its buffer changed meanwhile. */
  completeWrite(error?: unknown): void {
    const write = this.#write;
    if (write === undefined) throw new Error("Cannot complete: no write is pending");
    this.#write = undefined;
    if (!write.data.every((byte, i) => byte === write.copy[i])) {
      throw new Error("Cannot complete: the buffer of a pending write was changed");
    }
    if (error === undefined) write.resolve();
    else write.reject(error);
  }
}
