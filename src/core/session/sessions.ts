/**
 * The session layer of a server: `sessions()` makes the gate `serve()` puts
 * between the acceptor and the handler (the `sessions` option). Every socket
 * speaks the session wire if its peer does (a SessionSocket, whose heartbeat
 * the gate's ticks drive); with an authentication hook it goes through the
 * authentication step (auth_step.ts) first, and each identity is held to its
 * limit; with resume, a socket whose first record is a RESUME takes its link
 * to the session it names (resumes.ts), and opens nothing.
 *
 * Invariants:
 * 1. A socket waiting here counts against `maxConnections`; memory per socket
 *    is bounded by `maxFrameSize` (one frame, then the hook).
 * 2. Every socket leaves exactly once: opened, refused, or taken to its
 *    session; at the latest at `authTimeout` (the ticker's resolution) after
 *    it was taken, a socket still here is refused.
 *
 * @module
 */
import { checkNumber } from "../options.ts";
import type { Admission, AdmissionContext, AdmissionExits, AdmissionExtension } from "../server/admission.ts";
import type { Connection } from "../connection/connection.ts";
import { GOODBYE_WAIT_MS } from "../server/goodbye.ts";
import { GuardError } from "../errors.ts";
import type { RawSocket } from "../../transport/types.ts";
import { type Authenticate, DEFAULT_AUTH_TIMEOUT } from "./auth.ts";
import { AuthStep } from "./auth_step.ts";
import { Identities } from "./identities.ts";
import { Heartbeat } from "./wire/heartbeat.ts";
import { type SessionHost, SessionSocket } from "./wire/session_socket.ts";
import { type ResumePlan, resumePlanOf, Resumes } from "./resumes.ts";

/** The default `heartbeatTimeout`, in seconds: three of a client's default intervals. */
export const DEFAULT_HEARTBEAT_TIMEOUT = 45;

/** Options of {@linkcode sessions}. */
export interface SessionOptions {
  /**
   * Names the peer from the connection's first frame before the handler
   * runs; the identity is `conn.identity` and in the records and the close log.
   * @default none: no authentication step
   */
  authenticate?: Authenticate;
  /**
   * Seconds from the accept to the hook's answer (the first frame included);
   * past it the socket is refused (`unauthenticated`).
   * @default {10}
   */
  authTimeout?: number;
  /**
   * Open connections one identity may hold; a login over it ends the oldest
   * of that identity with the close reason `replaced`.
   * @default {Infinity}
   */
  maxSessionsPerIdentity?: number;
  /**
   * Seconds a peer that speaks the session wire (a client with `heartbeat`)
   * may stay silent, pings included, before its connection ends with
   * `heartbeat-timeout`. Plain peers are held by `idleTimeout` alone.
   * @default {45}
   */
  heartbeatTimeout?: number;
  /**
   * Seconds a session of a client that asked to resume (`connect({ resume })`)
   * is kept after its link is lost without a clean close: its connection, its
   * handler's state, its rooms and identity stay, and what is sent meanwhile
   * waits (sessions.md). 0: no session resumes.
   * @default {0}
   */
  resumeWindow?: number;
  /**
   * Bytes a session keeps of what it sent and the peer has not acknowledged,
   * to send again on a new link; past it the oldest go, and a resume that
   * needs them is refused (`resume-refused`).
   * @default {1048576}
   */
  maxResumeBytes?: number;
  /** Called with the connection whose session went on over a new link. */
  onResume?: (conn: Connection) => void;
}

/**
 * Makes the session layer of a server: pass it as `serve()`'s `sessions`.
 *
 * @throws {TypeError} `authenticate` that is not a function.
 * @throws {RangeError} a bad `authTimeout` or `maxSessionsPerIdentity`.
 * @example One login per player, the newest wins
 * ```ts
 * import assert from "node:assert/strict";
 * import { AuthRefusal, connect, serve, sessions, silentLogger } from "spawnkit";
 * const layer = sessions({
 *   authenticate: (frame) => new TextDecoder().decode(frame) || new AuthRefusal("no name"),
 *   maxSessionsPerIdentity: 1,
 * });
 * await using server = await serve({ logger: silentLogger, sessions: layer }, async (conn) => {
 *   await conn.send(new TextEncoder().encode(`hello ${conn.identity}`));
 * });
 * await using client = await connect({ port: server.addr.port });
 * await client.send(new TextEncoder().encode("alice"));
 * assert.equal(new TextDecoder().decode(await client.receive()), "hello alice");
 * ```
 */
export function sessions(options: SessionOptions = {}): AdmissionExtension {
  const authenticate = options.authenticate;
  if (authenticate !== undefined && typeof authenticate !== "function") {
    throw new TypeError("Cannot make sessions: authenticate is not a function");
  }
  const timeout = checkNumber("authTimeout", options.authTimeout) ?? DEFAULT_AUTH_TIMEOUT;
  const limit = checkNumber("maxSessionsPerIdentity", options.maxSessionsPerIdentity) ?? Infinity;
  const heartbeatTimeout = checkNumber("heartbeatTimeout", options.heartbeatTimeout) ?? DEFAULT_HEARTBEAT_TIMEOUT;
  const resume = resumePlanOf(options);
  return {
    admission(context) {
      if (context.framing.format !== undefined) {
        throw new TypeError("Cannot serve sessions: the session wire needs length-prefixed framing");
      }
      return new SessionGate(context, authenticate, timeout, new Identities(limit), heartbeatTimeout, resume);
    },
  };
}

/** The gate: the session wire, the authentication step, resume; open or refuse. */
class SessionGate implements Admission {
  readonly #context: AdmissionContext;
  readonly #auth: AuthStep | undefined;
  readonly #timeout: number;
  readonly #heartbeatTimeout: number;
  // Every socket of the server, waiting or open, until it ends: the ticker drives their heartbeats.
  readonly #sockets = new Set<SessionSocket>();
  // With resume and no authentication: sockets whose first bytes are not known yet (a RESUME opens nothing).
  readonly #deciding = new Map<SessionSocket, { age: number }>();
  readonly #resumes: Resumes | undefined;
  readonly #host: SessionHost;
  #exits: AdmissionExits | undefined;

  constructor(
    context: AdmissionContext,
    authenticate: Authenticate | undefined,
    timeout: number,
    ids: Identities,
    heartbeatTimeout: number,
    resume: ResumePlan | undefined,
  ) {
    this.#context = context;
    this.#timeout = timeout;
    this.#auth = authenticate === undefined ? undefined : new AuthStep(context.framing, authenticate, timeout, {
      open: (socket, identity, session) => ids.add(identity, this.#open(socket, identity, session)),
      refuse: (socket, reason, error, goodbye) => this.#exits!.refuse(socket, reason, error, goodbye),
    });
    this.#heartbeatTimeout = heartbeatTimeout;
    this.#resumes = resume === undefined ? undefined : new Resumes(resume, context.framing.packet);
    this.#host = {
      started: (socket, version) => {
        // A client that asks to resume waits for a WELCOME: one with no window, when this server keeps no sessions.
        if (this.#resumes === undefined && version === 2) socket.enableResume(undefined, 0);
        this.#resumes?.started(socket, version);
        if (this.#deciding.delete(socket)) this.#open(socket, undefined);
      },
      resumeAsked: (socket, token, received, rest) => {
        this.#deciding.delete(socket);
        this.#auth?.drop(socket);
        this.#sockets.delete(socket);
        const link = socket.release();
        const refusal = this.#resumes?.resume(link, token, received, rest);
        if (refusal === undefined) return;
        // The REJECT first (bounded, as a refused peer's goodbye), then the record of a refused connection.
        const refuse = () => this.#exits!.refuse(link, "resume-refused", refusal.error);
        sayFirst(link, refusal.reject).then(refuse);
      },
      ended: (socket) => this.#resumes?.ended(socket),
    };
  }

  get size(): number {
    return (this.#auth?.size ?? 0) + this.#deciding.size;
  }

  take(raw: RawSocket, exits: AdmissionExits): void {
    this.#exits = exits;
    const heartbeat = new Heartbeat(undefined, this.#heartbeatTimeout);
    const logLimit = this.#resumes?.logLimit;
    const socket = new SessionSocket(raw, this.#context.framing, heartbeat, { host: this.#host, logLimit });
    this.#sockets.add(socket);
    heartbeat.onDetach(() => this.#sockets.delete(socket));
    if (this.#auth !== undefined) return this.#auth.take(socket);
    if (this.#resumes === undefined) return void this.#open(socket, undefined);
    this.#deciding.set(socket, { age: 0 });
  }

  tick(seconds: number): void {
    for (const socket of this.#sockets) socket.tick(seconds);
    for (const [socket, deciding] of this.#deciding) {
      if ((deciding.age += seconds) < this.#timeout) continue;
      this.#deciding.delete(socket);
      const error = new GuardError("first-frame-timeout", `nothing within ${this.#timeout} seconds`, this.#timeout);
      this.#exits!.refuse(socket, "first-frame-timeout", error);
    }
    this.#auth?.tick(seconds);
  }

  close(): void {
    this.#auth?.close();
    this.#resumes?.close();
    for (const socket of this.#deciding.keys()) socket.close();
    this.#deciding.clear();
  }

  #open(socket: RawSocket, identity: string | undefined, session = socket): ReturnType<AdmissionExits["open"]> {
    const conn = this.#exits!.open(socket, identity);
    if (session instanceof SessionSocket) this.#resumes?.opened(session, conn);
    return conn;
  }
}

/** Writes `bytes` to `socket`; settles once written, failed, or after `GOODBYE_WAIT_MS`, whichever comes first. */
function sayFirst(socket: RawSocket, bytes: Uint8Array): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<void>((resolve) => timer = setTimeout(resolve, GOODBYE_WAIT_MS));
  const written = socket.write(bytes).catch(() => {});
  return Promise.race([written, bound]).then(() => clearTimeout(timer));
}
