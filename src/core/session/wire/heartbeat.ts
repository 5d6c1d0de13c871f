/**
 * The heartbeat of one link, counted in ticks. A client pings when it has
 * heard nothing for `interval` seconds and gives up when no answer came
 * within `timeout` (NATS' and MQTT's keepalive); a server pings nobody, and
 * gives up on a peer silent for `timeout`. Anything heard (a frame, a pong)
 * counts as life. Silence counts only while the link is listened to: a
 * connection whose handler holds its input is not silent, it is busy.
 *
 * @module
 */
import { GuardError } from "../../errors.ts";
import type { SessionCounts } from "../../../transport/types.ts";

/** The default `interval` of a client's heartbeat, in seconds. */
export const DEFAULT_HEARTBEAT_INTERVAL = 15;

/** The heartbeat of one link: its counters and its verdict. */
export class Heartbeat implements SessionCounts {
  /** Ticks seen: the clock the verdict is counted on. */
  ticks = 0;
  /** Pings this side sent. */
  pingsSent = 0;
  /** Pongs this side received. */
  pongsReceived = 0;
  /** Pings of the peer this side answered (the handler never saw them). */
  pingsAnswered = 0;
  /** Links lost without a clean close while the session could resume. */
  suspensions = 0;
  /** Times the session went on over a new link. */
  resumes = 0;
  /** Application bytes sent again over new links: what the peer had not received. */
  bytesResent = 0;
  /** Set to the tick of the verdict when the link was declared dead. */
  timedOutAt: number | undefined;
  readonly #interval: number | undefined;
  readonly #timeout: number;
  #heard = false;
  #silent = 0;
  #pingAge: number | undefined;
  #ping: (() => void) | undefined;
  #fail: ((error: unknown) => void) | undefined;
  #stop: (() => void) | undefined;

  /** `interval`: ping after that many seconds of silence (a client); undefined for a server, which only listens. */
  constructor(interval: number | undefined, timeout: number) {
    this.#interval = interval;
    this.#timeout = timeout;
  }

  /** Wires the heartbeat to its socket: how to ping, how to declare the link dead. */
  attach(ping: () => void, fail: (error: unknown) => void): void {
    this.#ping = ping;
    this.#fail = fail;
  }

  /** Runs `stop` when the socket ends (a client's timer). */
  onDetach(stop: () => void): void {
    this.#stop = stop;
  }

  /** The socket ended: no more pings, no verdict. */
  detach(): void {
    this.#ping = this.#fail = undefined;
    this.#stop?.();
    this.#stop = undefined;
  }

  /** Something came from the peer. */
  heard(): void {
    this.#heard = true;
  }

  /** A pong came. */
  ponged(): void {
    this.pongsReceived++;
  }

  /** One tick of `seconds`; `listening`: a read is pending below, so silence means something. */
  tick(seconds: number, listening: boolean): void {
    if (this.#fail === undefined) return;
    this.ticks++;
    if (this.#heard || !listening) {
      this.#heard = false;
      this.#silent = 0;
      this.#pingAge = undefined;
      return;
    }
    this.#silent += seconds;
    if (this.#pingAge !== undefined) {
      this.#pingAge += seconds;
      if (this.#pingAge >= this.#timeout) this.#dead(`no answer to a ping within ${this.#timeout} seconds`);
    } else if (this.#interval !== undefined) {
      if (this.#silent < this.#interval) return;
      this.#pingAge = 0;
      this.pingsSent++;
      this.#ping?.();
    } else if (this.#silent >= this.#timeout) {
      this.#dead(`nothing heard for ${this.#timeout} seconds`);
    }
  }

  #dead(detail: string): void {
    this.timedOutAt = this.ticks;
    // Ready for the next link: a session that resumes keeps its heartbeat.
    this.#silent = 0;
    this.#pingAge = undefined;
    this.#fail?.(new GuardError("heartbeat-timeout", detail, this.#timeout));
  }
}
