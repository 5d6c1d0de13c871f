/**
 * A socket that speaks the session wire (session_wire.ts) under a
 * connection: it strips control records from what it reads and answers
 * pings itself, so the handler never wakes for one; it escapes empty frames
 * in what it writes (link_writer.ts); it keeps the heartbeat (heartbeat.ts);
 * and, when the session can resume, it outlives its links (resumption.ts):
 * a link lost without a BYE suspends it, and a new link takes over. The
 * connection above sees plain length-prefixed frames, and no drop.
 *
 * Invariants:
 * 1. At most one chunk is held for a connection that is not reading
 *    (read_slot.ts), and a read stays pending on the link while nothing is
 *    held (link_io.ts): pings are answered while the handler is busy.
 * 2. A control record is written only between two frames; one write at a
 *    time goes to the link (link_writer.ts).
 * 3. A server socket speaks the wire only if the peer's first bytes are a
 *    HELLO (or a RESUME, handed to the gate); any other start leaves it plain,
 *    byte for byte. A start that is a HELLO's beginning and no more for a
 *    whole tick is plain too.
 * 4. While suspended, nothing is read or written; every application byte
 *    written is in the resume log until the peer acknowledges it.
 * 5. The session ends once: the end hooks (`watch`, the host) hear of it once.
 * 6. A client that asked to resume takes nothing before the server's WELCOME:
 *    a frame before it, or the link's end, is a server without `sessions()`.
 *
 * @module
 */
import { SessionError } from "../../errors.ts";
import type { Framing } from "../../framing/length_prefixed.ts";
import type { Address, RawSocket } from "../../../transport/types.ts";
import type { Heartbeat } from "./heartbeat.ts";
import { readCount, readWelcome } from "./handshake.ts";
import { LinkIo } from "./link_io.ts";
import { ReadSlot } from "./read_slot.ts";
import type { Redial } from "./redial.ts";
import { noWelcomeError, Resumption } from "./resumption.ts";
import {
  ACK,
  BYE,
  controlRecord,
  HELLO,
  HELLO_BODY,
  HELLO_RESUME_BODY,
  PING,
  PONG,
  REJECT,
  WELCOME,
} from "./session_wire.ts";
import { type LinkStart, WireIn } from "./wire_in.ts";

/** What a server's socket tells its gate. */
export interface SessionHost {
  /** The peer's first bytes are known: a HELLO of `version`, or plain (0). */
  started(socket: SessionSocket, version: number): void;
  /** The first record was a RESUME: the gate takes the link (`release()`) to the session it names. */
  resumeAsked(socket: SessionSocket, token: Uint8Array, received: number, rest: Uint8Array): void;
  /** The session ended for good. */
  ended(socket: SessionSocket): void;
}

/** A socket under a connection that speaks the session wire. */
export class SessionSocket implements RawSocket {
  readonly remoteAddr: Address;
  readonly localAddr: Address;
  readonly heartbeat: Heartbeat;
  readonly #framing: Framing;
  readonly #host: SessionHost | undefined;
  // The reading half: how the link started, and the records in what it reads (wire_in.ts).
  readonly #wire: WireIn;
  readonly #reads = new ReadSlot();
  readonly #io: LinkIo;
  readonly #resume: Resumption;
  #dead: ((error: unknown) => void) | undefined;
  #closing = false;

  /**
   * A client's socket (no `host`): sends HELLO first, pings, and with `redial`
   * asks to resume. A server's socket (`host`): answers the pings of a peer
   * that said HELLO. `logLimit`: bytes the resume log may hold.
   */
  constructor(
    inner: RawSocket,
    framing: Framing,
    heartbeat: Heartbeat,
    roles: { host?: SessionHost; redial?: Redial; logLimit?: number },
  ) {
    const client = roles.host === undefined;
    this.#framing = framing;
    this.#host = roles.host;
    this.remoteAddr = inner.remoteAddr;
    this.localAddr = inner.localAddr;
    this.heartbeat = heartbeat;
    const io = this.#io = new LinkIo(inner, framing.packet, this.#reads, {
      suspended: () => this.suspended,
      chunk: (gen, chunk) => this.#onChunk(gen, chunk),
      lost: (gen, error) => this.#lost(gen, error),
    });
    const wire = this.#wire = new WireIn(framing.packet, client, {
      start: (start) => this.#started(start),
      control: (kind, body) => this.#onControl(kind, body),
    });
    const resumeSocket = {
      io,
      wire,
      heartbeat,
      packet: framing.packet,
      readFrom: (rest: Uint8Array) => rest.length > 0 ? this.#onChunk(io.gen, rest) : io.pump(),
      end: (error: unknown, reason: unknown) => error === undefined ? this.#end({}, reason) : this.#fail(error),
    };
    // Logged from the first byte: a client's first frames may go out before the server's WELCOME, a
    // server's before the peer's first bytes are known.
    const logLimit = client && roles.redial !== undefined ? roles.logLimit ?? Infinity : roles.logLimit;
    this.#resume = new Resumption(resumeSocket, logLimit, roles.redial);
    if (client) io.writer.control(controlRecord(HELLO, framing.packet, roles.redial ? HELLO_RESUME_BODY : HELLO_BODY));
    heartbeat.attach(
      () => io.writer.control(controlRecord(PING, framing.packet)),
      (error) => this.#lost(io.gen, error),
    );
    // Listening from the start: a ping is answered, and silence counted, before the handler first reads.
    io.pump();
  }

  /** The counters, for the connection's stats. */
  get session(): Heartbeat {
    return this.heartbeat;
  }

  get preambleBytes(): number | undefined {
    return this.#io.link.preambleBytes;
  }

  get handshaking(): boolean | undefined {
    return this.#io.link.handshaking;
  }

  /** True when the peer speaks the session wire. */
  get speaksWire(): boolean {
    return this.#wire.state === "wire";
  }

  /** True while the link is lost and the session waits for a new one. */
  get suspended(): boolean {
    return this.#resume.suspended !== undefined;
  }

  /** The token the session holds now (a server's, for its gate). */
  get token(): Uint8Array | undefined {
    return this.#resume.token;
  }

  read(): Promise<Uint8Array | null> {
    const chunk = this.#reads.read();
    this.#io.pump();
    return chunk;
  }

  /**
   * One tick (the server's ticker, or a client's timer): the heartbeat, an
   * ACK if bytes came since the last, and a suspended session's window (a
   * server's: `windowSeconds`).
   */
  tick(seconds: number): void {
    if (this.suspended) {
      if (this.#host !== undefined) this.#resume.age(seconds);
      return;
    }
    if (this.#wire.state === "wire") {
      this.heartbeat.tick(seconds, this.#io.reading);
      return this.#resume.ack(true);
    }
    // Invariant 3: the start of a HELLO and nothing more for a whole tick is a plain peer's empty frame.
    const settled = this.#wire.settle();
    if (settled !== undefined) this.#deliver(settled);
  }

  write(data: Uint8Array): Promise<void> {
    const bytes = this.#io.writer.encode(data, this.#wire.state);
    this.#resume.append(bytes);
    return new Promise((resolve, reject) => {
      const resolvers = { resolve, reject };
      const suspended = this.#resume.suspended;
      // Invariant 4: in the log already; it goes with what the new link sends again.
      if (suspended !== undefined) return void (suspended.write = resolvers);
      this.#io.writer.send(bytes, resolvers);
    });
  }

  tryWrite(data: Uint8Array): number {
    return this.#io.writer.tryWrite(data, this.#wire.state, (part) => this.#resume.append(part));
  }

  holdReads(): void {
    this.#io.link.holdReads?.();
  }

  watch(dead: (error: unknown) => void): void {
    this.#dead = dead;
  }

  /** Closes for good: a BYE first on the wire (the peer must not wait to resume), then the link. */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    // Closed while waiting for a new link: no resume now, and the write that waited goes nowhere.
    const suspended = this.#resume.endSuspension();
    suspended?.write?.reject(new SessionError("resume-refused", "the session was closed while its link was lost"));
    const writer = this.#io.writer;
    if (this.#wire.state === "wire" && !this.#reads.ended && writer.atBoundary) {
      writer.closeWith(controlRecord(BYE, this.#framing.packet));
    } else this.#io.link.close();
    this.#finish({});
  }

  /** A server's: starts the resume log and writes the WELCOME that gives the client its token (none: no resume). */
  enableResume(token: Uint8Array | undefined, windowMs: number): void {
    this.#resume.grant(token, windowMs);
  }

  /** A server's socket whose first record was a RESUME gives up its link to the session it names. */
  release(): RawSocket {
    const link = this.#io.release();
    this.#reads.finish({}, true);
    this.heartbeat.detach();
    return link;
  }

  /**
   * A new link for this session: `received` is what the peer has of ours.
   * A server's writes a WELCOME with `token` first. False (nothing changed)
   * when the log no longer holds those bytes.
   */
  adopt(link: RawSocket, received: number, rest: Uint8Array, token?: Uint8Array): boolean {
    return this.#resume.adopt(link, received, rest, token);
  }

  #onChunk(gen: number, chunk: Uint8Array | null): void {
    this.heartbeat.heard();
    if (chunk === null) return this.#lost(gen, undefined);
    let data: Uint8Array;
    try {
      data = this.#wire.decode(chunk);
    } catch (error) {
      return this.#fail(error);
    }
    if (this.#reads.ended || gen !== this.#io.gen) return; // released to another session, or refused
    this.#resume.ack(false);
    if (data.length === 0) return this.#io.pump();
    if (this.#resume.awaitsWelcome) return this.#fail(noWelcomeError()); // invariant 6
    this.#deliver(data);
  }

  #deliver(data: Uint8Array): void {
    if (this.#reads.deliver(data)) this.#io.pump();
  }

  /** A server's link started: a plain peer or a HELLO of version 1 keeps no log; a RESUME goes to the gate. */
  #started(start: LinkStart): void {
    if (start.kind === "resume") return this.#host?.resumeAsked(this, start.token, start.received, start.rest);
    const version = start.kind === "hello" ? start.version : 0;
    if (version !== 2) this.#resume.dropLog();
    this.#host?.started(this, version);
  }

  #onControl(kind: number, body: Uint8Array): void {
    const heartbeat = this.heartbeat;
    if (kind === PING) {
      heartbeat.pingsAnswered++;
      this.#io.writer.control(controlRecord(PONG, this.#framing.packet));
    } else if (kind === PONG) heartbeat.ponged();
    else if (kind === ACK) this.#resume.acknowledged(readCount(body, 0));
    else if (kind === BYE) this.#resume.byeHeard();
    else if (kind === WELCOME && this.#host === undefined) this.#resume.welcomed(readWelcome(body));
    else if (kind === REJECT) this.#fail(new SessionError("resume-refused", "the server refused the session"));
  }

  /** The link failed, ended or went silent: a session that can resume waits for a new one; else it ends. */
  #lost(gen: number, error: unknown): void {
    if (gen !== this.#io.gen || this.#reads.ended || this.suspended) return;
    if (this.#resume.canSuspend(this.#closing)) return this.#resume.suspend(error);
    if ((error === undefined || this.#resume.byeReceived) && !this.#resume.awaitsWelcome) return this.#finish({});
    this.#fail(error ?? noWelcomeError());
  }

  /** Ends cleanly, and tells `watch` of `reason` (a suspended session whose window passed). */
  #end(end: { error?: unknown }, reason: unknown): void {
    this.#finish(end);
    this.#dead?.(reason);
  }

  #fail(error: unknown): void {
    if (this.#reads.ended) return;
    this.#finish({ error });
    this.#dead?.(error);
    this.#io.link.close();
  }

  #finish(end: { error?: unknown }): void {
    if (!this.#reads.finish(end)) return;
    this.heartbeat.detach();
    this.#host?.ended(this);
  }
}
