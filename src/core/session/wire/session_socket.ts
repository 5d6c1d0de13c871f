/**
 * A socket that speaks the session wire (session_wire.ts) under a
 * connection: it strips control records from what it reads and answers
 * pings itself, so the handler never wakes for one; it escapes empty frames
 * in what it writes; and it keeps the heartbeat (heartbeat.ts). The
 * connection above sees plain length-prefixed frames.
 *
 * Invariants:
 * 1. At most one chunk is held for a connection that is not reading: a read
 *    stays pending on the socket below only while nothing is held, so pings
 *    are answered while the handler is busy, and flow control still holds.
 * 2. A control record is written only between two frames, and never while
 *    another write is pending.
 * 3. A server socket speaks the wire only if the peer's first bytes are a
 *    HELLO; any other start leaves it plain, byte for byte. A start that is
 *    a HELLO's beginning and no more for a whole tick is plain too.
 *
 * @module
 */
import type { Framing } from "../../framing/length_prefixed.ts";
import type { Address, RawSocket } from "../../../transport/types.ts";
import type { Heartbeat } from "./heartbeat.ts";
import { controlRecord, escapeEmpties, HELLO, HELLO_BODY, InScanner, OutScanner, PING, PONG } from "./session_wire.ts";

type Waiter = { resolve(chunk: Uint8Array | null): void; reject(error: unknown): void };

/** A socket under a connection that speaks the session wire. */
export class SessionSocket implements RawSocket {
  readonly remoteAddr: Address;
  readonly localAddr: Address;
  /** The heartbeat: its counters, and its tick. */
  readonly heartbeat: Heartbeat;
  /** Present when the socket under it can end its write side. */
  readonly closeWrite?: () => void;
  readonly #inner: RawSocket;
  readonly #framing: Framing;
  // Undefined until a server socket knows whether its peer speaks the wire; then a scanner, or null (plain).
  #in: InScanner | null | undefined;
  #prefix: Uint8Array | undefined;
  readonly #out: OutScanner;
  #held: Uint8Array | undefined;
  #end: { error?: unknown } | undefined;
  #waiter: Waiter | undefined;
  #reading = false;
  #writing = false;
  readonly #controls: number[] = [];
  #dead: ((error: unknown) => void) | undefined;

  /** `client`: sends HELLO first, and pings; else a server's socket, which answers pings of a peer that said HELLO. */
  constructor(inner: RawSocket, framing: Framing, heartbeat: Heartbeat, client: boolean) {
    this.#inner = inner;
    this.#framing = framing;
    this.remoteAddr = inner.remoteAddr;
    this.localAddr = inner.localAddr;
    this.heartbeat = heartbeat;
    this.#out = new OutScanner(framing.packet);
    if (inner.closeWrite !== undefined) this.closeWrite = () => inner.closeWrite!();
    if (client) {
      this.#in = new InScanner(framing.packet);
      this.#control(HELLO);
    }
    heartbeat.attach(() => this.#control(PING), (error) => this.#fail(error));
    // Listening from the start: a ping is answered, and silence counted, before the handler first reads.
    this.#pump();
  }

  /** The counters, for the connection's stats. */
  get session(): Heartbeat {
    return this.heartbeat;
  }

  get preambleBytes(): number | undefined {
    return this.#inner.preambleBytes;
  }

  get handshaking(): boolean | undefined {
    return this.#inner.handshaking;
  }

  /** True when the peer speaks the session wire. */
  get speaksWire(): boolean {
    return this.#in instanceof InScanner;
  }

  read(): Promise<Uint8Array | null> {
    const held = this.#held;
    if (held !== undefined) {
      this.#held = undefined;
      this.#pump();
      return Promise.resolve(held);
    }
    if (this.#end !== undefined) {
      return "error" in this.#end ? Promise.reject(this.#end.error) : Promise.resolve(null);
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
      this.#pump();
    });
  }

  /** One tick of the heartbeat (the server's ticker, or a client's timer). */
  tick(seconds: number): void {
    if (this.#in) return this.heartbeat.tick(seconds, this.#reading);
    const prefix = this.#prefix;
    if (this.#in === null || prefix === undefined) return;
    // A first chunk that is the start of a HELLO and nothing more for a whole tick: a plain peer whose first
    // frame is empty (invariant 3). Its bytes go up as they came.
    this.#in = null;
    this.#prefix = undefined;
    this.#deliver(prefix);
  }

  write(data: Uint8Array): Promise<void> {
    // Followed even before a server knows whether the peer speaks the wire: a greeting may go out first.
    const empties = this.#in === null ? [] : this.#out.scan(data, true);
    const bytes = empties.length === 0 || !this.#in ? data : escapeEmpties(data, empties);
    this.#writing = true;
    return this.#inner.write(bytes).finally(() => {
      this.#writing = false;
      this.#flushControls();
    });
  }

  tryWrite(data: Uint8Array): number {
    const inner = this.#inner;
    if (inner.tryWrite === undefined || this.#writing || this.#controls.length > 0) return 0;
    if (this.#in === null) return inner.tryWrite(data);
    // An empty frame needs its byte: left to write(), which escapes.
    if (this.#out.scan(data, false).length > 0) return 0;
    const taken = inner.tryWrite(data);
    this.#out.scan(taken === data.length ? data : data.subarray(0, taken), true);
    return taken;
  }

  holdReads(): void {
    this.#inner.holdReads?.();
  }

  close(): void {
    this.heartbeat.detach();
    this.#inner.close();
  }

  // Keeps one read pending below while nothing is held (invariant 1).
  #pump(): void {
    if (this.#reading || this.#held !== undefined || this.#end !== undefined) return;
    this.#reading = true;
    this.#inner.read().then(this.#onChunk, (error) => {
      this.#reading = false;
      this.#fail(error);
    });
  }

  readonly #onChunk = (chunk: Uint8Array | null): void => {
    this.#reading = false;
    if (this.#end !== undefined) return;
    this.heartbeat.heard();
    if (chunk === null) return this.#finish({});
    let data: Uint8Array;
    try {
      data = this.#decode(chunk);
    } catch (error) {
      return this.#fail(error);
    }
    if (data.length === 0) return this.#pump();
    this.#deliver(data);
  };

  #deliver(data: Uint8Array): void {
    const waiter = this.#waiter;
    if (waiter === undefined) return void (this.#held = data);
    this.#waiter = undefined;
    waiter.resolve(data);
    this.#pump();
  }

  #decode(chunk: Uint8Array): Uint8Array {
    if (this.#in === undefined) {
      // A server socket: the peer's first bytes say whether it speaks the wire (invariant 3).
      const expected = controlRecord(HELLO, this.#framing.packet, HELLO_BODY);
      const seen = this.#prefix === undefined ? chunk : concat(this.#prefix, chunk);
      const upTo = Math.min(seen.length, expected.length);
      for (let i = 0; i < upTo; i++) {
        if (seen[i] !== expected[i]) {
          this.#in = null;
          this.#prefix = undefined;
          return seen;
        }
      }
      if (seen.length < expected.length) {
        this.#prefix = seen;
        return seen.subarray(0, 0);
      }
      this.#prefix = undefined;
      this.#in = new InScanner(this.#framing.packet);
      chunk = seen;
    }
    if (this.#in === null) return chunk;
    const data = this.#in.push(chunk);
    for (const kind of this.#in.controls) {
      if (kind === PING) {
        this.heartbeat.pingsAnswered++;
        this.#control(PONG);
      } else if (kind === PONG) this.heartbeat.ponged();
    }
    return data;
  }

  /** Writes a control record now if it may (invariant 2), else after the write under way. */
  #control(kind: number): void {
    this.#controls.push(kind);
    this.#flushControls();
  }

  #flushControls(): void {
    if (this.#writing || !this.#out.atBoundary || this.#controls.length === 0 || this.#end !== undefined) return;
    const packet = this.#framing.packet;
    const records = this.#controls.map((kind) => controlRecord(kind, packet, kind === HELLO ? HELLO_BODY : []));
    this.#controls.length = 0;
    const bytes = records.length === 1 ? records[0]! : concat(...records);
    const taken = this.#inner.tryWrite?.(bytes) ?? 0;
    if (taken === bytes.length) return;
    this.#writing = true;
    this.#inner.write(bytes.subarray(taken)).then(() => {
      this.#writing = false;
      this.#flushControls();
    }, (error) => {
      this.#writing = false;
      this.#fail(error);
    });
  }

  watch(dead: (error: unknown) => void): void {
    this.#dead = dead;
  }

  #fail(error: unknown): void {
    if (this.#end !== undefined) return;
    this.#finish({ error });
    this.#dead?.(error);
    // A heartbeat's verdict: the link is dead, so the socket below is closed now.
    this.#inner.close();
  }

  #finish(end: { error?: unknown }): void {
    if (this.#end !== undefined) return;
    this.#end = end;
    this.heartbeat.detach();
    const waiter = this.#waiter;
    if (waiter === undefined || this.#held !== undefined) return;
    this.#waiter = undefined;
    if ("error" in end) waiter.reject(end.error);
    else waiter.resolve(null);
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
