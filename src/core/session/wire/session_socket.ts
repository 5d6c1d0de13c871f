/**
 * A socket that speaks the session wire (session_wire.ts) under a
 * connection: it strips control records from what it reads and answers
 * pings itself, so the handler never wakes for one; it escapes empty frames
 * in what it writes; it keeps the heartbeat (heartbeat.ts); and, when the
 * session can resume, it outlives its links: a link lost without a BYE
 * suspends it, and a new link takes over (link.ts holds what a link is).
 * The connection above sees plain length-prefixed frames, and no drop.
 *
 * Invariants:
 * 1. At most one chunk is held for a connection that is not reading: a read
 *    stays pending on the link while nothing is held, so pings are answered
 *    while the handler is busy, and flow control still holds.
 * 2. A control record is written only between two frames; one write at a
 *    time goes to the link (a chain).
 * 3. A server socket speaks the wire only if the peer's first bytes are a
 *    HELLO (or a RESUME, handed to the gate); any other start leaves it plain,
 *    byte for byte. A start that is a HELLO's beginning and no more for a
 *    whole tick is plain too.
 * 4. While suspended, nothing is read or written; the connection's write
 *    waits (its outbox fills to its high-water mark, then the slow-consumer
 *    policy). Every application byte written is in the resume log until the
 *    peer acknowledges it, so a new link sends again exactly what the peer lacks.
 *
 * @module
 */
import { SessionError } from "../../errors.ts";
import type { Framing } from "../../framing/length_prefixed.ts";
import type { Address, RawSocket } from "../../../transport/types.ts";
import type { Heartbeat } from "./heartbeat.ts";
import { ackRecord, readCount, readWelcome, welcomeRecord } from "./handshake.ts";
import { tryResume } from "./link.ts";
import { ResumeLog } from "./resume_log.ts";
import {
  ACK,
  BYE,
  controlRecord,
  escapeEmpties,
  HELLO,
  HELLO_BODY,
  HELLO_RESUME_BODY,
  OutScanner,
  PING,
  PONG,
  REJECT,
  WELCOME,
} from "./session_wire.ts";
import { type LinkStart, WireIn } from "./wire_in.ts";
import { type Resolvers, WriteChain } from "./write_chain.ts";

type Waiter = { resolve(chunk: Uint8Array | null): void; reject(error: unknown): void };
/** A lost link's session, waiting for a new one: why it was lost, for how long, and the write it holds. */
type Suspension = { readonly error: unknown; age: number; write: Resolvers | undefined };

/** Acknowledge at least every this many bytes received, besides once per tick. */
const ACK_EVERY = 16 * 1024;

/** What a server's socket tells its gate. */
export interface SessionHost {
  /** The peer's first bytes are known: a HELLO of `version`, or plain (0). */
  started(socket: SessionSocket, version: number): void;
  /** The first record was a RESUME: the gate takes the link (`release()`) to the session it names. */
  resumeAsked(socket: SessionSocket, token: Uint8Array, received: number, rest: Uint8Array): void;
  /** The session ended for good. */
  ended(socket: SessionSocket): void;
}

/** How a client's socket gets a new link, and how long one attempt may wait for the server's answer. */
export interface Redial {
  dial(): Promise<RawSocket>;
  /** Milliseconds one attempt (dial, RESUME, the answer) may take: a link that is still silent costs no more. */
  readonly attemptMs: number;
  /** Called once the session went on over a new link. */
  readonly onResumed?: () => void;
}

/** A socket under a connection that speaks the session wire. */
export class SessionSocket implements RawSocket {
  readonly remoteAddr: Address;
  readonly localAddr: Address;
  readonly heartbeat: Heartbeat;
  readonly #framing: Framing;
  readonly #host: SessionHost | undefined;
  readonly #redial: Redial | undefined;
  #inner: RawSocket;
  #gen = 0;
  #chain: WriteChain;
  // The reading half: how the link started, and the records in what it reads (wire_in.ts).
  readonly #wire: WireIn;
  readonly #out: OutScanner;
  #held: Uint8Array | undefined;
  #end: { error?: unknown } | undefined;
  #waiter: Waiter | undefined;
  #reading = false;
  readonly #controls: Uint8Array[] = [];
  #dead: ((error: unknown) => void) | undefined;
  // Resume: the log of what was written, the token, the window, and the state of a lost link.
  #log: ResumeLog | undefined;
  #token: Uint8Array | undefined;
  #windowMs = 0;
  #acked = 0;
  #byeReceived = false;
  #closing = false;
  #suspended: Suspension | undefined;
  // The connection's write on the link now, until it settles.
  #inflight: Resolvers | undefined;

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
    this.#inner = inner;
    this.#framing = framing;
    this.#host = roles.host;
    this.#redial = roles.redial;
    this.#chain = new WriteChain(inner);
    this.remoteAddr = inner.remoteAddr;
    this.localAddr = inner.localAddr;
    this.heartbeat = heartbeat;
    this.#out = new OutScanner(framing.packet);
    this.#wire = new WireIn(framing.packet, roles.host === undefined, {
      start: (start) => this.#started(start),
      control: (kind, body) => this.#onControl(kind, body),
    });
    if (roles.host === undefined) {
      // Logged from the first byte: the server's WELCOME may come after the first frames went out.
      if (roles.redial !== undefined) this.#log = new ResumeLog(roles.logLimit ?? Infinity);
      const body = roles.redial === undefined ? HELLO_BODY : HELLO_RESUME_BODY;
      this.#control(controlRecord(HELLO, framing.packet, body));
    } else if (roles.logLimit !== undefined) {
      // Numbered from the first byte, whatever goes out before the peer's first bytes are known.
      this.#log = new ResumeLog(roles.logLimit);
    }
    heartbeat.attach(() => this.#control(controlRecord(PING, framing.packet)), (error) => this.#lost(this.#gen, error));
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
    return this.#wire.state === "wire";
  }

  /** True while the link is lost and the session waits for a new one. */
  get suspended(): boolean {
    return this.#suspended !== undefined;
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

  /**
   * One tick (the server's ticker, or a client's timer): the heartbeat, an
   * ACK if bytes came since the last, and a suspended session's window (a
   * server's: `windowSeconds`).
   */
  tick(seconds: number): void {
    const suspended = this.#suspended;
    if (suspended !== undefined) {
      if (this.#host !== undefined && (suspended.age += seconds) * 1000 >= this.#windowMs) this.#expire();
      return;
    }
    if (this.#wire.state === "wire") {
      this.heartbeat.tick(seconds, this.#reading);
      return this.#ack(true);
    }
    // Invariant 3: the start of a HELLO and nothing more for a whole tick is a plain peer's empty frame.
    const settled = this.#wire.settle();
    if (settled !== undefined) this.#deliver(settled);
  }

  write(data: Uint8Array): Promise<void> {
    // Followed even before a server knows whether the peer speaks the wire: a greeting may go out first.
    const state = this.#wire.state;
    const empties = state === "plain" ? [] : this.#out.scan(data, true);
    const bytes = empties.length === 0 || state !== "wire" ? data : escapeEmpties(data, empties);
    this.#log?.append(bytes);
    return new Promise((resolve, reject) => {
      const resolvers = { resolve, reject };
      const suspended = this.#suspended;
      // Invariant 4: in the log already; it goes with what the new link sends again.
      if (suspended !== undefined) return void (suspended.write = resolvers);
      this.#send(bytes, resolvers);
    });
  }

  tryWrite(data: Uint8Array): number {
    const inner = this.#inner;
    if (inner.tryWrite === undefined || this.#chain.busy || this.#controls.length > 0 || this.#suspended) return 0;
    if (this.#wire.state === "plain") return inner.tryWrite(data);
    // An empty frame needs its byte: left to write(), which escapes.
    if (this.#out.scan(data, false).length > 0) return 0;
    const taken = inner.tryWrite(data);
    const part = taken === data.length ? data : data.subarray(0, taken);
    this.#out.scan(part, true);
    this.#log?.append(part);
    return taken;
  }

  holdReads(): void {
    this.#inner.holdReads?.();
  }

  watch(dead: (error: unknown) => void): void {
    this.#dead = dead;
  }

  /** Closes for good: a BYE first on the wire (the peer must not wait to resume), then the link. */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    const suspended = this.#suspended;
    if (suspended !== undefined) {
      // Closed while waiting for a new link: no resume now, and the write that waited goes nowhere.
      this.#suspended = undefined;
      suspended.write?.reject(new SessionError("resume-refused", "the session was closed while its link was lost"));
    }
    const inner = this.#inner;
    if (
      this.#wire.state === "wire" && this.#suspended === undefined && this.#end === undefined && this.#out.atBoundary
    ) {
      const bye = controlRecord(BYE, this.#framing.packet);
      const close = () => inner.close();
      if (!this.#chain.busy && (inner.tryWrite?.(bye) ?? 0) === bye.length) close();
      else this.#chain.write(bye).then(close, close);
    } else inner.close();
    this.#finish({});
  }

  /** A server's: starts the resume log and writes the WELCOME that gives the client its token. */
  enableResume(token: Uint8Array, windowMs: number): void {
    this.#token = token;
    this.#windowMs = windowMs;
    const welcome = welcomeRecord({ token, received: 0, windowMs, resumed: false }, this.#framing.packet);
    this.#controls.unshift(welcome);
    this.#flushControls();
  }

  /** A server's socket whose first record was a RESUME gives up its link to the session it names. */
  release(): RawSocket {
    this.#gen++;
    this.#end = {};
    this.heartbeat.detach();
    return this.#inner;
  }

  /**
   * A new link for this session: `received` is what the peer has of ours.
   * A server's writes a WELCOME with `token` first. False (nothing changed)
   * when the log no longer holds those bytes.
   */
  adopt(link: RawSocket, received: number, rest: Uint8Array, token?: Uint8Array): boolean {
    const log = this.#log;
    const resend = log?.from(received);
    if (resend === undefined || this.#end !== undefined || this.#wire.state !== "wire") return false;
    if (this.#suspended === undefined) this.#suspend(undefined); // the old link looked alive: it is not
    const suspended = this.#suspended!;
    this.#suspended = undefined;
    this.#gen++;
    this.#inner = link;
    this.#chain = new WriteChain(link);
    this.#reading = false;
    this.#controls.length = 0;
    this.#wire.restart();
    this.heartbeat.heard();
    this.heartbeat.resumes++;
    this.heartbeat.bytesResent += resend.length;
    log!.ack(received);
    if (token !== undefined) {
      this.#token = token;
      const welcome = { token, received: this.#wire.accepted, windowMs: this.#windowMs, resumed: true };
      this.#chain.write(welcomeRecord(welcome, this.#framing.packet)).catch(() => {});
    }
    const write = suspended.write;
    if (resend.length > 0 || write !== undefined) {
      this.#send(resend, write ?? { resolve() {}, reject() {} });
    }
    if (rest.length > 0) this.#onChunk(this.#gen, rest);
    else this.#pump();
    return true;
  }

  #send(bytes: Uint8Array, resolvers: Resolvers): void {
    const gen = this.#gen;
    this.#inflight = resolvers;
    this.#chain.write(bytes).then(() => {
      // A lost link's write: the suspension took it over, and the new link settles it.
      if (gen !== this.#gen) return;
      this.#inflight = undefined;
      resolvers.resolve();
      this.#flushControls();
    }, (error) => {
      if (gen !== this.#gen) return;
      this.#lost(gen, error);
      if (this.#suspended !== undefined) return;
      this.#inflight = undefined;
      resolvers.reject(error);
    });
  }

  // Keeps one read pending below while nothing is held (invariant 1).
  #pump(): void {
    if (this.#reading || this.#held !== undefined || this.#end !== undefined || this.#suspended) return;
    this.#reading = true;
    const gen = this.#gen;
    this.#inner.read().then((chunk) => this.#onChunk(gen, chunk), (error) => {
      if (gen !== this.#gen) return;
      this.#reading = false;
      this.#lost(gen, error);
    });
  }

  #onChunk(gen: number, chunk: Uint8Array | null): void {
    if (gen !== this.#gen || this.#end !== undefined) return;
    this.#reading = false;
    this.heartbeat.heard();
    if (chunk === null) return this.#lost(gen, undefined);
    let data: Uint8Array;
    try {
      data = this.#decode(chunk);
    } catch (error) {
      return this.#fail(error);
    }
    if (this.#end !== undefined || gen !== this.#gen) return; // released to another session, or refused
    this.#ack(false);
    if (data.length === 0) return this.#pump();
    this.#deliver(data);
  }

  #deliver(data: Uint8Array): void {
    const waiter = this.#waiter;
    if (waiter === undefined) return void (this.#held = data);
    this.#waiter = undefined;
    waiter.resolve(data);
    this.#pump();
  }

  #decode(chunk: Uint8Array): Uint8Array {
    return this.#wire.decode(chunk);
  }

  /** A server's link started: a plain peer or a HELLO of version 1 keeps no log; a RESUME goes to the gate. */
  #started(start: LinkStart): void {
    if (start.kind === "resume") return this.#host?.resumeAsked(this, start.token, start.received, start.rest);
    const version = start.kind === "hello" ? start.version : 0;
    if (version !== 2) this.#log = undefined;
    this.#host?.started(this, version);
  }

  #onControl(kind: number, body: Uint8Array): void {
    const heartbeat = this.heartbeat;
    if (kind === PING) {
      heartbeat.pingsAnswered++;
      this.#control(controlRecord(PONG, this.#framing.packet));
    } else if (kind === PONG) heartbeat.ponged();
    else if (kind === ACK) this.#log?.ack(readCount(body, 0));
    else if (kind === BYE) this.#byeReceived = true;
    else if (kind === WELCOME && this.#host === undefined) {
      const welcome = readWelcome(body);
      this.#token = welcome.token;
      this.#windowMs = welcome.windowMs;
      // A server that does not resume: nothing to keep.
      if (welcome.windowMs === 0) this.#log = undefined;
    } else if (kind === REJECT) this.#fail(new SessionError("resume-refused", "the server refused the session"));
  }

  /** Sends an ACK when `ACK_EVERY` bytes came since the last one, or on a tick (`due`) when any did. */
  #ack(due: boolean): void {
    if (this.#wire.state !== "wire" || this.#token === undefined || this.#windowMs === 0) return;
    const received = this.#wire.accepted;
    if (received === this.#acked || (!due && received - this.#acked < ACK_EVERY)) return;
    this.#acked = received;
    this.#control(ackRecord(received, this.#framing.packet));
  }

  /** Writes a control record now if it may (invariant 2), else after the write under way. */
  #control(record: Uint8Array): void {
    this.#controls.push(record);
    this.#flushControls();
  }

  #flushControls(): void {
    const controls = this.#controls;
    if (controls.length === 0 || this.#chain.busy || !this.#out.atBoundary || this.#end !== undefined) return;
    if (this.#suspended !== undefined) return void (controls.length = 0);
    const bytes = controls.length === 1 ? controls[0]! : concat(...controls);
    controls.length = 0;
    const taken = this.#inner.tryWrite?.(bytes) ?? 0;
    if (taken === bytes.length) return;
    const gen = this.#gen;
    this.#chain.write(bytes.subarray(taken)).then(() => this.#flushControls(), (error) => this.#lost(gen, error));
  }

  /** The link failed, ended or went silent: a session that can resume waits for a new one; else it ends. */
  #lost(gen: number, error: unknown): void {
    if (gen !== this.#gen || this.#end !== undefined || this.#suspended !== undefined) return;
    const canResume = this.#log !== undefined && this.#token !== undefined && this.#windowMs > 0;
    if (!canResume || this.#byeReceived || this.#closing) {
      if (error === undefined) return this.#finish({});
      return this.#fail(error);
    }
    this.#suspend(error);
  }

  #suspend(error: unknown): void {
    // The connection's write under way is in the log: the new link sends it, then settles it.
    this.#suspended = { error, age: 0, write: this.#inflight };
    this.#inflight = undefined;
    this.heartbeat.suspensions++;
    this.#gen++;
    this.#reading = false;
    this.#inner.close();
    if (this.#redial !== undefined) void this.#dialAgain(this.#suspended);
  }

  /** A client's: dials until a new link takes the session, the server refuses it, or the window passes. */
  async #dialAgain(suspended: Suspension): Promise<void> {
    const deadline = Date.now() + this.#windowMs;
    let delay = 50;
    while (this.#suspended === suspended && Date.now() < deadline) {
      const received = this.#wire.accepted;
      const attemptEnd = Math.min(deadline, Date.now() + this.#redial!.attemptMs);
      const answer = await tryResume(this.#redial!.dial, this.#token!, received, this.#framing.packet, attemptEnd);
      if (this.#suspended !== suspended) return answer?.link.close();
      if (answer?.state === "resumed") {
        if (!this.adopt(answer.link, answer.welcome.received, answer.rest)) return answer.link.close();
        this.#token = answer.welcome.token;
        return this.#redial!.onResumed?.();
      }
      if (answer?.state === "refused") {
        answer.link.close();
        this.#suspended = undefined;
        suspended.write?.reject(new SessionError("resume-refused", "the server refused the session"));
        return this.#fail(new SessionError("resume-refused", "the server refused the session"));
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(0, deadline - Date.now()))));
      delay = Math.min(delay * 2, 1000);
    }
    if (this.#suspended === suspended) this.#expire();
  }

  /** The window passed: the session ends as its link did. */
  #expire(): void {
    const error = this.#suspended?.error;
    const write = this.#suspended?.write;
    this.#suspended = undefined;
    // As the link ended: a peer's close ends the connection as `peer-closed`, even one nobody reads.
    const reason = error ?? Object.assign(new Error("Cannot resume: no new link within the window"), {
      code: "peer-closed",
    });
    write?.reject(reason);
    if (error === undefined) {
      this.#finish({});
      this.#dead?.(reason);
    } else this.#fail(error);
  }

  #fail(error: unknown): void {
    if (this.#end !== undefined) return;
    this.#finish({ error });
    this.#dead?.(error);
    this.#inner.close();
  }

  #finish(end: { error?: unknown }): void {
    if (this.#end !== undefined) return;
    this.#end = end;
    this.heartbeat.detach();
    this.#host?.ended(this);
    const waiter = this.#waiter;
    if (waiter === undefined || this.#held !== undefined) return;
    this.#waiter = undefined;
    if ("error" in end) waiter.reject(end.error);
    else waiter.resolve(null);
  }

  /** The token the session holds now (a server's, for its gate). */
  get token(): Uint8Array | undefined {
    return this.#token;
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
