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

/**
 * `inner` speaking the session wire as a client, its heartbeat ticking every
 * `interval` until it ends. With `redial`, it asks the server for a session
 * that resumes, and takes it to a new link when one is lost (then `onResumed`).
 */
export function clientSessionSocket(
  inner: RawSocket,
  framing: Framing,
  plan: HeartbeatPlan,
  redial?: () => Promise<RawSocket>,
  onResumed?: () => void,
): SessionSocket {
  const heartbeat = new Heartbeat(plan.interval, plan.timeout);
  // An attempt that hears nothing for as long as a ping may is given up, as a silent link would be.
  const roles = redial === undefined ? {} : { redial: { dial: redial, attemptMs: plan.timeout * 1000, onResumed } };
  const socket = new SessionSocket(inner, framing, heartbeat, roles);
  const timer = setInterval(() => socket.tick(plan.interval), plan.interval * 1000);
  heartbeat.onDetach(() => clearInterval(timer));
  return socket;
}
