/**
 * Pings every WebSocket of a listener on one timer, and closes those whose
 * pong did not come back before the next ping (`ping-timeout`): a dead
 * browser tab, or a peer behind a network that dropped, is noticed within two
 * intervals. One timer per listener, not one per connection.
 *
 * @module
 */

/** What a pinged socket offers. */
export interface Pinged {
  /** Sends a ping. */
  ping(): void;
  /** No pong came back in time: close the connection. */
  pingTimedOut(): void;
}

/** The pings of one listener. */
export class Pings<Socket extends Pinged> {
  readonly #waiting = new Map<Socket, boolean>();
  readonly #timer: ReturnType<typeof setInterval> | undefined;

  /** `interval` in seconds; 0 sends no pings. */
  constructor(interval: number) {
    if (interval <= 0) return;
    this.#timer = setInterval(() => this.#round(), interval * 1000);
    // Never what keeps a process alive.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Starts pinging `socket`. */
  add(socket: Socket): void {
    if (this.#timer !== undefined) this.#waiting.set(socket, false);
  }

  /** A pong (or any message) came: the socket is alive. */
  alive(socket: Socket): void {
    if (this.#waiting.has(socket)) this.#waiting.set(socket, false);
  }

  /** Stops pinging `socket`. */
  delete(socket: Socket): void {
    this.#waiting.delete(socket);
  }

  /** Stops the timer. */
  close(): void {
    clearInterval(this.#timer);
    this.#waiting.clear();
  }

  #round(): void {
    for (const [socket, waiting] of this.#waiting) {
      if (waiting) {
        this.#waiting.delete(socket);
        socket.pingTimedOut();
        continue;
      }
      this.#waiting.set(socket, true);
      try {
        socket.ping();
      } catch { /* closing: its close event removes it */ }
    }
  }
}
