/**
 * The callback shape of a handler (Netty's channelRead, Bun's socket
 * handlers): instead of a loop, an object of functions the kit calls once per
 * event, each with the connection's state. A frame costs a function call, not
 * a promise: the shape for throughput. It keeps every guarantee of the loop,
 * because it runs over the same inbox: the next event is taken only once the
 * callback for the last one returned (or its promise settled), frames and
 * posted messages come in arrival order, the socket is read only when every
 * queued event has been handled, and that is the flush point of the outbox.
 *
 * Invariants:
 * 1. One callback runs at a time; a callback that returns a promise (other
 *    than the one a `send()` queued at once returns) holds the next event
 *    until it settles.
 * 2. The functions are looked up on `source.current` at every event, never
 *    kept: replacing `current` takes effect at the connection's next event,
 *    with its state kept.
 * 3. `close` runs once, after input ended and every queued event was handled;
 *    then the handler is done. A callback that throws or rejects ends it with
 *    that error instead (as a loop handler that throws).
 *
 * @module
 */
import type { Connection } from "./connection.ts";
import type { Inbox } from "./inbox.ts";
import { Posted } from "./mailbox.ts";
import { RESOLVED } from "./sender.ts";

/**
 * The callback shape of a handler; the server's name for it is
 * `CallbackHandler` (server.ts), whose owner is the `Server`. `Owner` is what
 * `open` is given besides the connection.
 */
export interface ConnectionCallbacks<State = undefined, Message = unknown, Owner = unknown> {
  /** The connection opened: returns its state. Events wait until it (or its promise) is done. */
  open?(conn: Connection<Message>, owner: Owner): State | Promise<State>;
  /** A frame came (a view into the read buffer: copy it to keep it past the callback). */
  frame(conn: Connection<Message>, frame: Uint8Array, state: State): void | Promise<void>;
  /**
   * A message was posted to the connection. Without this callback, posted
   * messages go to the server's `onMessage`, or are refused and counted in
   * `messagesDropped` (as for a loop over frames only).
   */
  message?(conn: Connection<Message>, message: Message, state: State): void | Promise<void>;
  /** A tick of the server's ticker, given only to handlers that have this callback. */
  tick?(conn: Connection<Message>, idleSeconds: number, state: State): void | Promise<void>;
  /** Input ended and every event was handled: the last call before the connection closes. */
  close?(conn: Connection<Message>, state: State): void | Promise<void>;
}

/** Where a connection looks its callbacks up at every event (invariant 2). */
export interface CallbackSource<Message = unknown, Owner = unknown> {
  // deno-lint-ignore no-explicit-any -- the state's type is the handler's own business
  current: ConnectionCallbacks<any, Message, Owner>;
}

/** What the runner needs of the connection beyond its public interface. */
export interface CallbackHost<Message> {
  readonly conn: Connection<Message>;
  /** A posted message the handler has no callback for (the server's onMessage, or counted as dropped). */
  dispatch(message: unknown): Promise<void>;
  /** The handler is done. */
  returned(): unknown;
  /** The handler failed with `error`. */
  failed(error: unknown): unknown;
}

/**
 * Checks the shape of a callback handler once, where it enters.
 * @throws {TypeError} it is not an object with a `frame` function, or another callback is not a function.
 */
export function checkCallbacks<H extends ConnectionCallbacks<unknown, never, never>>(handler: H): H {
  if (typeof handler !== "object" || handler === null || typeof handler.frame !== "function") {
    throw new TypeError("Cannot use handler: not a function, nor an object with a frame() callback");
  }
  for (const name of ["open", "message", "tick", "close"] as const) {
    const callback = handler[name];
    if (callback !== undefined && typeof callback !== "function") {
      throw new TypeError(`Cannot use handler: its ${name} is a ${typeof callback}, not a function`);
    }
  }
  return handler;
}

function pending(result: unknown): result is PromiseLike<unknown> {
  return result !== undefined && result !== RESOLVED &&
    typeof (result as { then?: unknown } | null)?.then === "function";
}

/** Runs one connection's callbacks until its input ends (the invariants above). */
export class CallbackRunner<Message, Owner = unknown> {
  readonly #inbox: Inbox;
  readonly #source: CallbackSource<Message, Owner>;
  readonly #host: CallbackHost<Message>;
  #state: unknown;
  #closed = false;

  constructor(inbox: Inbox, source: CallbackSource<Message, Owner>, host: CallbackHost<Message>) {
    this.#inbox = inbox;
    this.#source = source;
    this.#host = host;
  }

  /** Calls `open` with `owner` (the server), then handles events. */
  start(owner: Owner): void {
    const open = this.#source.current.open;
    if (open === undefined) return this.#step();
    let state: unknown;
    try {
      state = open.call(this.#source.current, this.#host.conn, owner);
    } catch (error) {
      return void this.#host.failed(error);
    }
    if (!pending(state)) {
      this.#state = state;
      return this.#step();
    }
    state.then((value) => {
      this.#state = value;
      this.#step();
    }, this.#fail);
  }

  // Bound once: no closure per event. Takes events until one is pending or none is queued.
  readonly #step = (): void => {
    const inbox = this.#inbox;
    const conn = this.#host.conn;
    while (true) {
      const item = inbox.take();
      if (item === undefined) {
        if (inbox.done) return this.#close();
        // The flush point: the outbox goes out, the socket is read, and #step runs again when an event comes.
        return inbox.park(this.#step);
      }
      const callbacks = this.#source.current;
      let result: unknown;
      try {
        if (item instanceof Uint8Array) result = callbacks.frame(conn, item, this.#state);
        else if (item instanceof Posted) {
          result = callbacks.message === undefined
            ? this.#host.dispatch(item.message)
            : callbacks.message(conn, item.message as Message, this.#state);
        } else if (callbacks.tick !== undefined) result = callbacks.tick(conn, item.idleSeconds, this.#state);
      } catch (error) {
        return this.#fail(error);
      }
      if (pending(result)) {
        result.then(this.#step, this.#fail);
        return;
      }
    }
  };

  readonly #fail = (error: unknown): void => {
    if (this.#closed) return;
    this.#closed = true;
    this.#host.failed(error);
  };

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const callbacks = this.#source.current;
    let result: unknown;
    try {
      result = callbacks.close?.(this.#host.conn, this.#state);
    } catch (error) {
      return void this.#host.failed(error);
    }
    if (pending(result)) result.then(() => this.#host.returned(), (error) => this.#host.failed(error));
    else this.#host.returned();
  }
}
