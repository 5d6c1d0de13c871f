/**
 * A client's side of the session wire: its options, and the socket
 * `connect()` puts under a connection that keeps a heartbeat, with the timer
 * that drives it (a client has no server ticker).
 *
 * @module
 */
import type { Framing } from "../../framing/length_prefixed.ts";
import { checkNumber } from "../../options.ts";
import type { RawSocket } from "../../../transport/types.ts";
import { DEFAULT_HEARTBEAT_INTERVAL, Heartbeat } from "./heartbeat.ts";
import { SessionSocket } from "./session_socket.ts";

/** A client's heartbeat (`connect()`'s `heartbeat`); the server must run `sessions()`. */
export interface HeartbeatOptions {
  /** Seconds of silence from the server after which the client pings. @default {15} */
  interval?: number;
  /**
   * Seconds to wait for anything after a ping; then the connection ends with
   * `heartbeat-timeout` (and a reconnecting client dials again).
   * @default the interval
   */
  timeout?: number;
}

/** The checked numbers of a client's heartbeat, in seconds. */
export interface HeartbeatPlan {
  readonly interval: number;
  readonly timeout: number;
}

/**
 * Checks a client's heartbeat options.
 * @throws {RangeError} a bad interval or timeout.
 */
export function heartbeatPlanOf(options: true | HeartbeatOptions): HeartbeatPlan {
  const given = options === true ? {} : options;
  const interval = checkNumber("heartbeatInterval", given.interval) ?? DEFAULT_HEARTBEAT_INTERVAL;
  return { interval, timeout: checkNumber("heartbeatTimeout", given.timeout) ?? interval };
}

/** What a client that asks to resume gives its session socket. */
export interface ClientResume {
  /** Opens a new link to the server, for a session whose link was lost. */
  readonly redial: () => Promise<RawSocket>;
  /** The session went on over a new link. */
  readonly onResumed?: () => void;
  /** The server's first WELCOME came: the session has its token (or knows that it cannot resume). */
  readonly onWelcome?: () => void;
}

/**
 * `inner` speaking the session wire as a client, its heartbeat ticking every
 * `interval` until it ends. With `resume`, it asks the server for a session
 * that resumes, and takes it to a new link when one is lost.
 */
export function clientSessionSocket(
  inner: RawSocket,
  framing: Framing,
  plan: HeartbeatPlan,
  resume?: ClientResume,
): SessionSocket {
  const heartbeat = new Heartbeat(plan.interval, plan.timeout);
  // An attempt that hears nothing for as long as a ping may is given up, as a silent link would be.
  const roles = resume === undefined ? {} : {
    redial: {
      dial: resume.redial,
      attemptMs: plan.timeout * 1000,
      onResumed: resume.onResumed,
      onWelcome: resume.onWelcome,
    },
  };
  const socket = new SessionSocket(inner, framing, heartbeat, roles);
  const timer = setInterval(() => socket.tick(plan.interval), plan.interval * 1000);
  heartbeat.onDetach(() => clearInterval(timer));
  return socket;
}
