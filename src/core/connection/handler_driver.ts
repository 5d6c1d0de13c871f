/**
 * The handler's side of one connection: how its handler reads (a function
 * over the reader faces, reader_faces.ts, or callbacks, callbacks.ts), where a
 * posted message goes that no reader takes, and how the handler's end, by
 * return or by throw, closes the connection.
 *
 * @module
 */
import { ConnectionClosedError } from "../errors.ts";
import type { ConnectionStats } from "../stats.ts";
import { type CallbackHost, CallbackRunner, type CallbackSource } from "./callbacks.ts";
import type { Connection } from "./connection.ts";
import type { FlushPolicy } from "./flush_policy.ts";
import type { Inbox } from "./inbox.ts";
import type { Lifecycle } from "./lifecycle.ts";
import { ReaderFaces, type ReaderHost } from "./reader_faces.ts";

/** The connection a driver drives, and the parts of it the driver reaches. */
export interface DriverParts<Message> {
  readonly conn: DrivenConnection<Message>;
  readonly inbox: Inbox;
  readonly life: Lifecycle;
  readonly flushes: FlushPolicy;
  /** The server's handler of posted messages a loop over frames only meets. */
  // deno-lint-ignore no-explicit-any -- the server's Message type, as in ConnectionSettings
  readonly onMessage: ((conn: Connection<any>, message: any) => void | Promise<void>) | undefined;
}

/** The connection, with what the driver asks of it beyond its public interface. */
export type DrivenConnection<Message> = Connection<Message> & {
  abort(reason: unknown): void;
  /** Closes once what is queued is written; settles with the final stats. */
  finish(): Promise<ConnectionStats>;
};

/** Runs one connection's handler, and reads for it. */
export class HandlerDriver<Message> implements CallbackHost<Message>, ReaderHost {
  readonly conn: DrivenConnection<Message>;
  readonly #inbox: Inbox;
  readonly #life: Lifecycle;
  readonly #flushes: FlushPolicy;
  readonly #onMessage: DriverParts<Message>["onMessage"];
  // The faces the handler reads through (reader_faces.ts), made on first use.
  #readers: ReaderFaces | undefined;
  // Set when the handler is callbacks: looked up at every event (ticks and messages included).
  #callbacks: CallbackSource<Message, unknown> | undefined;

  constructor(parts: DriverParts<Message>) {
    this.conn = parts.conn;
    this.#inbox = parts.inbox;
    this.#life = parts.life;
    this.#flushes = parts.flushes;
    this.#onMessage = parts.onMessage;
  }

  get id(): number {
    return this.conn.id;
  }

  /** The faces the handler reads through; callbacks read the connection already, so no stream may. */
  get faces(): ReaderFaces {
    if (this.#readers === undefined) {
      this.#readers = new ReaderFaces(this.#inbox, this);
      if (this.#callbacks !== undefined) this.#readers.claim("loop");
    }
    return this.#readers;
  }

  /** Queues a posted message; false (counted as dropped) when nothing would take it, or the inbox refuses it. */
  deliver(message: unknown): boolean {
    const framesOnly = this.#callbacks === undefined
      ? this.#readers?.framesOnly ?? false
      : this.#callbacks.current.message === undefined;
    if (framesOnly && this.#onMessage === undefined) {
      this.#inbox.mailbox.messagesDropped++;
      return false;
    }
    return this.#inbox.deliver(message);
  }

  /** True when the handler takes ticks. */
  get wantsTicks(): boolean {
    return this.#readers?.wantsTicks === true || this.#callbacks?.current.tick !== undefined;
  }

  /** Runs `handler` to its end, then closes. Settles with the final stats. */
  run<S>(handler: (conn: Connection<Message>, server: S) => unknown, server: S): Promise<ConnectionStats> {
    let result: unknown;
    try {
      result = handler(this.conn, server);
    } catch (error) {
      return this.failed(error);
    }
    // Chained, not awaited: an async function suspended for the handler's whole life holds about
    // half a kilobyte per connection (its generator, registers and await closures).
    return Promise.resolve(result).then(this.returned, this.failed);
  }

  /** Runs the callbacks of `source.current` until input ends, then closes. */
  runCallbacks<Owner>(source: CallbackSource<Message, Owner>, owner: Owner): void {
    // Made only if the handler reaches for a face later (it then starts claimed by this loop, see faces).
    this.#readers?.claim("loop");
    this.#callbacks = source as CallbackSource<Message, unknown>;
    new CallbackRunner<Message, Owner>(this.#inbox, source, this).start(owner);
  }

  readonly returned = (): Promise<ConnectionStats> => this.conn.finish();

  readonly failed = (error: unknown): Promise<ConnectionStats> => {
    // A send refused because the connection already ended is not the handler's fault.
    // The server's log writes the error with its stack, from the final stats.
    if (!(error instanceof ConnectionClosedError && this.#life.reason !== undefined)) {
      this.#inbox.end("handler-error", error);
      this.#life.ended("handler-error", error);
    }
    return this.conn.finish();
  };

  dispatch(message: unknown): Promise<void> {
    return this.dispatchMessage(message);
  }

  /** A posted message a loop over frames only met: to the server's onMessage, or counted as dropped. */
  async dispatchMessage(message: unknown): Promise<void> {
    const onMessage = this.#onMessage;
    // Posted before the handler began to iterate frames only: nowhere to go, counted (no log line per message).
    if (onMessage === undefined) this.#inbox.mailbox.dropDelivered();
    else await onMessage(this.conn, message);
  }

  /** The loop stopped iterating (a `break`): no flush point is coming, so flush now (F5). */
  stopHandling(): void {
    this.#inbox.processing = false;
    this.#flushes.now();
  }

  abort(reason: unknown): void {
    this.conn.abort(reason);
  }
}
