/**
 * How a session socket outlives its links: the log of the application
 * bytes it wrote (numbered from the session's start), the token and the
 * window the server granted, the count it last acknowledged; and, when a
 * link is lost without a BYE, the suspension that waits for a new link
 * (a client's dials one, redial.ts), the move to it, or the window's end.
 *
 * Invariants:
 * 1. A session can resume only with a log, a token and a window: a server
 *    that grants no window (0), or a peer that speaks no resume, keeps no log.
 * 2. Every application byte written is in the log until the peer
 *    acknowledges it, so a new link sends again exactly what the peer lacks;
 *    a gap the log no longer covers refuses the resume (resume_log.ts).
 * 3. An ACK goes out at least every `ACK_EVERY` bytes received, and on a
 *    tick when any came: never twice for the same count.
 * 4. A BYE heard, or a close of our own, ends the session with its link:
 *    no suspension then.
 * 5. While suspended, nothing is read or written; the connection's write
 *    waits (its outbox fills to its high-water mark, then the slow-consumer
 *    policy), in the log already: the new link sends it again, then settles it.
 * 6. A suspension ends once: a new link, a close, a refusal or the window's
 *    end, and the write it holds is settled by whichever came first.
 *
 * @module
 */
import { SessionError } from "../../errors.ts";
import type { PacketSize } from "../../framing/length_prefixed.ts";
import type { RawSocket } from "../../../transport/types.ts";
import { ackRecord, type Welcome, welcomeRecord } from "./handshake.ts";
import { TOKEN_BYTES } from "./session_wire.ts";
import type { Heartbeat } from "./heartbeat.ts";
import type { LinkIo } from "./link_io.ts";
import { type Redial, redial } from "./redial.ts";
import { ResumeLog } from "./resume_log.ts";
import type { WireIn } from "./wire_in.ts";
import type { Resolvers } from "./write_chain.ts";

/** What the resume logic moves and tells on its socket. */
export interface ResumeSocket {
  readonly io: LinkIo;
  readonly wire: WireIn;
  readonly heartbeat: Heartbeat;
  readonly packet: PacketSize;
  /** A new link took over: reads on, `rest` (what came after the server's answer) first. */
  readFrom(rest: Uint8Array): void;
  /** The session ends for good: with `error`, or cleanly (`error` undefined) as a peer's close of `reason`. */
  end(error: unknown, reason: unknown): void;
}

/** A lost link's session, waiting for a new one: why it was lost, for how long, and the write it holds. */
export type Suspension = { readonly error: unknown; age: number; write: Resolvers | undefined };

/** The token of a WELCOME that grants no resume (its window is 0): never looked up. */
const NO_TOKEN = new Uint8Array(TOKEN_BYTES);

/** Acknowledge at least every this many bytes received, besides once per tick. */
const ACK_EVERY = 16 * 1024;

/** The resume state of one session socket. */
export class Resumption {
  readonly #socket: ResumeSocket;
  readonly #redial: Redial | undefined;
  #log: ResumeLog | undefined;
  #token: Uint8Array | undefined;
  #windowMs = 0;
  #acked = 0;
  #byeReceived = false;
  #suspended: Suspension | undefined;

  /** `logLimit`: bytes the log may hold; none, no log (yet). `redial`: a client's way to a new link. */
  constructor(socket: ResumeSocket, logLimit: number | undefined, redial?: Redial) {
    this.#socket = socket;
    this.#redial = redial;
    if (logLimit !== undefined) this.#log = new ResumeLog(logLimit);
  }

  /** The token the session holds now. */
  get token(): Uint8Array | undefined {
    return this.#token;
  }

  /** Milliseconds a lost link's session waits for a new one. */
  get windowMs(): number {
    return this.#windowMs;
  }

  /** The peer said BYE: a clean close follows, whatever the link does next. */
  get byeReceived(): boolean {
    return this.#byeReceived;
  }

  /** A client's that asked to resume and has no WELCOME yet: a link lost now cannot be resumed. */
  get awaitsWelcome(): boolean {
    return this.#redial !== undefined && this.#token === undefined;
  }

  /** The lost link's suspension, while there is one. */
  get suspended(): Suspension | undefined {
    return this.#suspended;
  }

  /** True when a lost link suspends the session rather than ending it (invariants 1 and 4). */
  canSuspend(closing: boolean): boolean {
    const granted = this.#log !== undefined && this.#token !== undefined && this.#windowMs > 0;
    return granted && !this.#byeReceived && !closing;
  }

  /** Keeps what was written for a new link (invariant 2). */
  append(bytes: Uint8Array): void {
    this.#log?.append(bytes);
  }

  /** The peer has every byte of ours below `received`. */
  acknowledged(received: number): void {
    this.#log?.ack(received);
  }

  /** The bytes of ours from `received` on, or undefined when the log no longer holds them (or keeps none). */
  resendFrom(received: number): Uint8Array | undefined {
    return this.#log?.from(received);
  }

  /** The peer speaks no resume: nothing to keep. */
  dropLog(): void {
    this.#log = undefined;
  }

  /**
   * A server's grant: the WELCOME that gives the client its token goes
   * first, before the records queued. No token: the server keeps no
   * sessions, and its WELCOME grants no window (the client then knows it
   * cannot resume, and stops waiting).
   */
  grant(token: Uint8Array | undefined, windowMs: number): void {
    if (token === undefined) this.#log = undefined;
    else {
      this.#token = token;
      this.#windowMs = windowMs;
    }
    const granted = { token: token ?? NO_TOKEN, received: 0, windowMs: this.#windowMs, resumed: false };
    this.#socket.io.writer.control(welcomeRecord(granted, this.#socket.packet), true);
  }

  /** A client's: the server's WELCOME; a server that does not resume leaves nothing to keep. */
  welcomed(welcome: Welcome): void {
    this.#token = welcome.token;
    this.#windowMs = welcome.windowMs;
    if (welcome.windowMs === 0) this.#log = undefined;
    this.#redial?.onWelcome?.();
  }

  /** The peer said BYE: its close is for good (invariant 4). */
  byeHeard(): void {
    this.#byeReceived = true;
  }

  /** Sends an ACK when enough bytes came since the last one, or on a tick (`due`) when any did (invariant 3). */
  ack(due: boolean): void {
    const { wire, io, packet } = this.#socket;
    if (wire.state !== "wire" || this.#token === undefined || this.#windowMs === 0) return;
    const received = wire.accepted;
    if (received === this.#acked || (!due && received - this.#acked < ACK_EVERY)) return;
    this.#acked = received;
    io.writer.control(ackRecord(received, packet));
  }

  /** The link was lost for `error`: the session waits, holding the connection's write under way (invariant 5). */
  suspend(error: unknown): void {
    const { io, heartbeat } = this.#socket;
    const suspended: Suspension = { error, age: 0, write: io.writer.takeInflight() };
    this.#suspended = suspended;
    heartbeat.suspensions++;
    io.cut();
    if (this.#redial !== undefined) void this.#redialFor(this.#redial, suspended);
  }

  /** A server's tick while suspended: the window's end, once it has passed. */
  age(seconds: number): void {
    const suspended = this.#suspended;
    if (suspended !== undefined && (suspended.age += seconds) * 1000 >= this.#windowMs) this.expire();
  }

  /**
   * A new link for this session: `received` is what the peer has of ours.
   * A server's writes a WELCOME with `token` first. False (nothing changed)
   * when the log no longer holds those bytes.
   */
  adopt(link: RawSocket, received: number, rest: Uint8Array, token?: Uint8Array): boolean {
    const { io, wire, heartbeat, packet } = this.#socket;
    const resend = this.#log?.from(received);
    if (resend === undefined || io.ended || wire.state !== "wire") return false;
    if (this.#suspended === undefined) this.suspend(undefined); // the old link looked alive: it is not
    const write = this.endSuspension()!.write;
    io.switchTo(link);
    wire.restart();
    heartbeat.heard();
    heartbeat.resumes++;
    heartbeat.bytesResent += resend.length;
    this.#log!.ack(received);
    if (token !== undefined) {
      this.#token = token;
      const welcome = { token, received: wire.accepted, windowMs: this.#windowMs, resumed: true };
      io.writer.record(welcomeRecord(welcome, packet));
    }
    if (resend.length > 0 || write !== undefined) {
      io.writer.send(resend, write ?? { resolve() {}, reject() {} });
    }
    this.#socket.readFrom(rest);
    return true;
  }

  /** The window passed: the session ends as its link did. */
  expire(): void {
    const { error, write } = this.endSuspension() ?? {};
    // As the link ended: a peer's close ends the connection as `peer-closed`, even one nobody reads.
    const reason = error ?? Object.assign(new Error("Cannot resume: no new link within the window"), {
      code: "peer-closed",
    });
    write?.reject(reason);
    this.#socket.end(error, reason);
  }

  /** The suspension ends (a new link, a close, the window's end): what it held. */
  endSuspension(): Suspension | undefined {
    const suspended = this.#suspended;
    this.#suspended = undefined;
    return suspended;
  }

  /** A client's: dials until a new link takes the session, the server refuses it, or the window passes. */
  #redialFor(how: Redial, suspended: Suspension): Promise<void> {
    const socket = this.#socket;
    const refusal = () => new SessionError("resume-refused", "the server refused the session");
    return redial(
      how,
      {
        waiting: () => this.#suspended === suspended,
        received: () => socket.wire.accepted,
        token: () => this.#token!,
        resumed: (answer) => {
          if (!this.adopt(answer.link, answer.welcome.received, answer.rest)) return false;
          this.#token = answer.welcome.token;
          return true;
        },
        refused: () => {
          this.endSuspension()?.write?.reject(refusal());
          socket.end(refusal(), undefined);
        },
        expired: () => this.expire(),
      },
      socket.packet,
      this.#windowMs,
    );
  }
}

/**
 * A resume client's link ended, or a frame came, before the server's
 * WELCOME: a server that does not run `sessions()` answers the HELLO as
 * frames, or closes at it.
 */
export function noWelcomeError(): Error {
  return Object.assign(
    new Error(
      "Cannot open session: the link ended, or a frame came, before the server's WELCOME; " +
        "a client with resume needs a server that runs sessions()",
    ),
    { code: "peer-closed" },
  );
}
