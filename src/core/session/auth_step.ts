/**
 * The authentication step of the session gate: it reads each socket's first
 * frame, asks the hook who the peer is, and opens the connection with that
 * identity (the first frame and what followed it replayed), or refuses it
 * with the close reason `unauthenticated`.
 *
 * Invariants:
 * 1. Memory per socket is bounded by `maxFrameSize` (one frame, then the hook).
 * 2. Every socket leaves exactly once: opened, or refused, at the latest at
 *    `authTimeout` (the ticker's resolution) after it was taken.
 * 3. A hook's answer that comes after the socket left is dropped, and the
 *    hook's signal is aborted when the socket leaves without its answer.
 *
 * @module
 */
import { type CloseReason, SessionError } from "../errors.ts";
import type { Framing } from "../framing/length_prefixed.ts";
import type { RawSocket } from "../../transport/types.ts";
import { type Authenticate, AuthRefusal, MAX_IDENTITY_LENGTH } from "./auth.ts";
import { FirstFrameReader } from "./_first_frame.ts";
import { ReplaySocket } from "../../transport/replay_socket.ts";

/** Where the step sends a socket it is done with. */
export interface AuthExits {
  /** The peer is `identity`: the connection opens on `socket` (`session`: the socket under the replay). */
  open(socket: RawSocket, identity: string, session: RawSocket): void;
  /** The socket is refused for `reason`, with the hook's `goodbye` if it gave one. */
  refuse(socket: RawSocket, reason: CloseReason, error: unknown, goodbye?: Uint8Array): void;
}

/** One socket waiting for its first frame or its hook's answer. */
class Waiting {
  age = 0;
  /** True once the first frame is whole and the hook was asked. */
  asked = false;
  readonly controller = new AbortController();
  constructor(readonly socket: RawSocket, readonly reader: FirstFrameReader) {}
}

/** The sockets waiting for their first frame or the hook's answer. */
export class AuthStep {
  readonly #waiting = new Set<Waiting>();
  readonly #framing: Framing;
  readonly #authenticate: Authenticate;
  readonly #timeout: number;
  readonly #exits: AuthExits;

  /** `timeout`: seconds from the take to the hook's answer. */
  constructor(framing: Framing, authenticate: Authenticate, timeout: number, exits: AuthExits) {
    this.#framing = framing;
    this.#authenticate = authenticate;
    this.#timeout = timeout;
    this.#exits = exits;
  }

  /** Sockets waiting here. */
  get size(): number {
    return this.#waiting.size;
  }

  /** Reads `socket`'s first frame, then asks the hook. */
  take(socket: RawSocket): void {
    const waiting = new Waiting(socket, new FirstFrameReader(this.#framing));
    this.#waiting.add(waiting);
    this.#read(waiting);
  }

  /** `socket` leaves without a word (its link went to another session): the hook's answer is no longer wanted. */
  drop(socket: RawSocket): void {
    for (const waiting of this.#waiting) {
      if (waiting.socket !== socket) continue;
      this.#waiting.delete(waiting);
      waiting.controller.abort();
    }
  }

  /** Refuses the sockets that waited `timeout` (invariant 2). */
  tick(seconds: number): void {
    for (const waiting of this.#waiting) {
      waiting.age += seconds;
      if (waiting.age < this.#timeout) continue;
      const detail = waiting.asked
        ? `no answer within ${this.#timeout} seconds`
        : `no first frame within ${this.#timeout} seconds (${waiting.reader.bytes} bytes received)`;
      this.#refuse(waiting, new SessionError("unauthenticated", detail));
    }
  }

  /** The server shuts down: every waiting socket closes. */
  close(): void {
    for (const waiting of this.#waiting) {
      waiting.controller.abort();
      waiting.socket.close();
    }
    this.#waiting.clear();
  }

  #read(waiting: Waiting): void {
    waiting.socket.read().then(
      (chunk) => this.#onChunk(waiting, chunk),
      (error) => this.#fail(waiting, "socket-error", error),
    );
  }

  #onChunk(waiting: Waiting, chunk: Uint8Array | null): void {
    if (!this.#waiting.has(waiting)) return;
    if (chunk === null) {
      if (waiting.reader.bytes === 0) return this.#fail(waiting, "peer-closed");
      return this.#fail(waiting, "truncated-frame", waiting.reader.truncated());
    }
    let step;
    try {
      step = waiting.reader.push(chunk);
    } catch (error) {
      return this.#fail(waiting, "frame-too-large", error);
    }
    if (!step.done) return this.#read(waiting);
    const { frame, rest } = step;
    const consumed = waiting.reader.bytes - rest.length;
    let answer: ReturnType<Authenticate>;
    waiting.asked = true;
    try {
      answer = this.#authenticate(frame, {
        remoteAddr: waiting.socket.remoteAddr,
        localAddr: waiting.socket.localAddr,
        signal: waiting.controller.signal,
      });
    } catch (error) {
      return this.#refuse(waiting, new SessionError("unauthenticated", "authenticate threw", { cause: error }));
    }
    Promise.resolve(answer).then(
      (identity) => this.#answered(waiting, identity, rest, consumed),
      (error) => this.#refuse(waiting, new SessionError("unauthenticated", "authenticate threw", { cause: error })),
    );
  }

  #answered(waiting: Waiting, answer: unknown, rest: Uint8Array, consumed: number): void {
    if (answer instanceof AuthRefusal) {
      const reason = String(answer.reason).slice(0, MAX_IDENTITY_LENGTH);
      return this.#refuse(waiting, new SessionError("unauthenticated", `refused: ${reason}`), answer.goodbye);
    }
    if (typeof answer !== "string" || answer.length === 0 || answer.length > MAX_IDENTITY_LENGTH) {
      const detail = `authenticate gave no identity (a string of 1 to ${MAX_IDENTITY_LENGTH} characters)`;
      return this.#refuse(waiting, new SessionError("unauthenticated", detail));
    }
    // Timed out or closed at shutdown meanwhile: the socket has left already.
    if (!this.#waiting.delete(waiting)) return;
    this.#exits.open(new ReplaySocket(waiting.socket, rest, consumed), answer, waiting.socket);
  }

  #refuse(waiting: Waiting, error: SessionError, goodbye?: Uint8Array): void {
    if (!this.#waiting.delete(waiting)) return;
    waiting.controller.abort(error);
    const socket = new ReplaySocket(waiting.socket, undefined, waiting.reader.bytes);
    this.#exits.refuse(socket, "unauthenticated", error, goodbye);
  }

  #fail(
    waiting: Waiting,
    reason: "peer-closed" | "socket-error" | "truncated-frame" | "frame-too-large",
    error?: unknown,
  ): void {
    if (!this.#waiting.delete(waiting)) return;
    waiting.controller.abort();
    this.#exits.refuse(new ReplaySocket(waiting.socket, undefined, waiting.reader.bytes), reason, error);
  }
}
