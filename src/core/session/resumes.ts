/**
 * The sessions of a server that may resume: each holds one token at a time,
 * issued with the WELCOME of the link it came on and replaced at every
 * resume, so that a token works once. A RESUME with a token that names no
 * session (unknown, used, or past its window) or that asks for bytes the
 * session no longer holds is refused.
 *
 * @module
 */
import type { Connection } from "../connection/connection.ts";
import { SessionError } from "../errors.ts";
import type { PacketSize } from "../framing/length_prefixed.ts";
import { checkNumber } from "../options.ts";
import type { RawSocket } from "../../transport/types.ts";
import { newToken, tokenKey } from "./wire/handshake.ts";
import type { SessionSocket } from "./wire/session_socket.ts";
import { controlRecord, REJECT } from "./wire/session_wire.ts";

/** The default `maxResumeBytes`: what a session keeps to send again, in bytes. */
export const DEFAULT_MAX_RESUME_BYTES = 1024 * 1024;

/** The checked resume options of `sessions()`. */
export interface ResumePlan {
  readonly windowSeconds: number;
  readonly logLimit: number;
  readonly onResume: ((conn: Connection) => void) | undefined;
}

/**
 * Checks the resume options; undefined when `resumeWindow` is 0 or absent.
 * @throws {RangeError} a bad `resumeWindow` or `maxResumeBytes`.
 * @throws {TypeError} an `onResume` that is not a function.
 */
export function resumePlanOf(options: {
  resumeWindow?: number;
  maxResumeBytes?: number;
  onResume?: (conn: Connection) => void;
}): ResumePlan | undefined {
  const windowSeconds = checkNumber("resumeWindow", options.resumeWindow) ?? 0;
  const logLimit = checkNumber("maxResumeBytes", options.maxResumeBytes) ?? DEFAULT_MAX_RESUME_BYTES;
  if (options.onResume !== undefined && typeof options.onResume !== "function") {
    throw new TypeError("Cannot make sessions: onResume is not a function");
  }
  return windowSeconds === 0 ? undefined : { windowSeconds, logLimit, onResume: options.onResume };
}

/** A refused resume: why, and the record that tells the peer. */
export interface Refusal {
  readonly error: SessionError;
  readonly reject: Uint8Array;
}

/** Tokens to sessions, and sessions to their connections. */
export class Resumes {
  readonly #plan: ResumePlan;
  readonly #packet: PacketSize;
  readonly #byToken = new Map<string, SessionSocket>();
  readonly #conns = new Map<SessionSocket, Connection>();
  /** Resumes refused (a token unknown or used, or bytes gone). */
  refused = 0;

  constructor(plan: ResumePlan, packet: PacketSize) {
    this.#plan = plan;
    this.#packet = packet;
  }

  /** Bytes each session's resume log may hold. */
  get logLimit(): number {
    return this.#plan.logLimit;
  }

  /** Sessions that hold a token now (open or suspended). */
  get size(): number {
    return this.#byToken.size;
  }

  /** A socket's first bytes are known: a client that can resume (HELLO version 2) gets a token. */
  started(socket: SessionSocket, version: number): void {
    if (version !== 2) return;
    const token = newToken();
    this.#byToken.set(tokenKey(token), socket);
    socket.enableResume(token, this.#plan.windowSeconds * 1000);
  }

  /** The connection over `socket`, for `onResume`. */
  opened(socket: SessionSocket, conn: Connection): void {
    this.#conns.set(socket, conn);
  }

  /**
   * The server shuts down: its port is closed, so no client can come back.
   * Every suspended session ends now, as its window's end would end it (a
   * tick past any window), rather than hold its connection, and the pushes
   * waiting for it, until the shutdown's deadline.
   */
  close(): void {
    for (const socket of [...this.#byToken.values()]) if (socket.suspended) socket.tick(Number.POSITIVE_INFINITY);
  }

  /** A session ended for good: its token goes. */
  ended(socket: SessionSocket): void {
    const token = socket.token;
    if (token !== undefined && this.#byToken.get(tokenKey(token)) === socket) this.#byToken.delete(tokenKey(token));
    this.#conns.delete(socket);
  }

  /**
   * Takes `link` to the session of `token`; when it cannot, returns why, and
   * the REJECT to write to the peer before the link is closed.
   */
  resume(link: RawSocket, token: Uint8Array, received: number, rest: Uint8Array): Refusal | undefined {
    const key = tokenKey(token);
    const session = this.#byToken.get(key);
    // Used once: a second RESUME with it finds nothing.
    this.#byToken.delete(key);
    const fresh = newToken();
    if (session !== undefined && session.adopt(link, received, rest, fresh)) {
      this.#byToken.set(tokenKey(fresh), session);
      const conn = this.#conns.get(session);
      if (conn !== undefined) this.#plan.onResume?.(conn);
      return undefined;
    }
    this.refused++;
    const detail = session === undefined
      ? "no session has this token (unknown, used, or past its window)"
      : "the bytes to send again are gone";
    return { error: new SessionError("resume-refused", detail), reject: controlRecord(REJECT, this.#packet) };
  }
}
