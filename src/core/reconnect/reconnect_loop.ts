/**
 * The retry loop of a reconnecting connection (reconnector.ts): back off,
 * dial, wait until the lost leg's frames are read and its loss told, run the
 * reconnect hook, and hand the new leg the sends that waited; or give up at
 * `maxRetries`. It keeps the counts the loop moves by (attempts, the last
 * delay, reconnects).
 *
 * @module
 */
import type { FramedConnection } from "../connection/framed_connection.ts";
import { ConnectionClosedError } from "../errors.ts";
import type { Framing } from "../framing/length_prefixed.ts";
import type { Logger } from "../logger.ts";
import { backoffDelay, sleep } from "./backoff.ts";
import type { Leg, Legs } from "./legs.ts";
import type { Outgoing } from "./outgoing.ts";
import { ReconnectFailedError } from "./reconnect_errors.ts";
import type { ReconnectSettings } from "./reconnect_options.ts";
import type { ReconnectHook } from "./reconnecting_connection.ts";
import type { ReconnectEvent, ReconnectingConnection, ReconnectState } from "./reconnecting_connection.ts";

/** What `connect()` gives a reconnecting connection besides its options. */
export interface ReconnectorSettings extends ReconnectSettings {
  /** "host:port", for messages. */
  readonly target: string;
  readonly framing: Framing;
  readonly logger: Logger;
  /** Opens the next leg; rejects with the signal's reason when it aborts first. */
  readonly dial: (signal: AbortSignal) => Promise<FramedConnection>;
}

/** What the loop needs of the reconnecting connection it serves. */
export interface LoopHost {
  readonly conn: ReconnectingConnection;
  readonly settings: ReconnectorSettings;
  readonly legs: Legs;
  readonly outgoing: Outgoing;
  /** Aborted when the connection ends for good: the loop stops wherever it is. */
  readonly stop: AbortSignal;
  hook(): ReconnectHook | undefined;
  emit(event: ReconnectEvent): void;
  /** Gives up for good with `error`. */
  giveUp(error: unknown): void;
}

/** One reconnecting connection's retry loop and its counts. */
export class ReconnectLoop {
  readonly #host: LoopHost;
  #wake: (() => void) | undefined;
  /** Where the connection is (see `ReconnectState`). */
  state: ReconnectState = "open";
  /** Dials since the last leg proved the server serves. */
  attempts = 0;
  /** Seconds of the last back-off. */
  lastDelay = 0;
  /** Reconnects that succeeded. */
  reconnects = 0;

  constructor(host: LoopHost) {
    this.#host = host;
  }

  /** Wakes the loop where it waits for the previous leg's loss to be told. */
  wake(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Runs until a leg is open again, the retry limit is met, or the connection ends; `cause`: why it was lost. */
  async run(cause: unknown): Promise<void> {
    const { settings, legs, stop } = this.#host;
    let lastError = cause;
    while (!stop.aborted) {
      if (this.attempts >= settings.maxRetries) {
        return this.#host.giveUp(new ReconnectFailedError(settings.target, this.attempts, { cause: lastError }));
      }
      const delay = this.lastDelay = backoffDelay(this.attempts, settings, settings.random);
      this.#host.emit({ type: "retry", attempt: this.attempts + 1, delay, error: lastError });
      if (!await sleep(delay, stop)) return;
      this.attempts++;
      let leg: Leg;
      try {
        leg = legs.adopt(await settings.dial(stop));
      } catch (error) {
        if (stop.aborted) return;
        lastError = error;
        settings.logger.debug("reconnect to {target} failed (attempt {attempt}): {error}", {
          target: settings.target,
          attempt: this.attempts,
          error,
        });
        continue;
      }
      // The previous leg's frames are all read and its loss told before this one carries anything.
      while (!legs.last.told && !stop.aborted) await new Promise<void>((resolve) => this.#wake = resolve);
      if (stop.aborted) return leg.conn.close();
      if (leg.lost) {
        lastError = leg.final!.error ?? new ConnectionClosedError(leg.final!.closeReason ?? "closed");
        continue;
      }
      legs.activate(leg);
      this.state = "rejoining";
      const failure = await this.#rejoin(leg);
      if (stop.aborted) return;
      if (failure !== undefined || leg.lost) {
        lastError = failure !== undefined
          ? failure.error
          : leg.final!.error ?? new ConnectionClosedError(leg.final!.closeReason ?? "closed");
        if (leg === legs.live) {
          legs.live = undefined;
          this.state = "reconnecting";
          leg.conn.abort(lastError);
        }
        continue;
      }
      this.state = "open";
      const attempts = this.attempts;
      if (leg.handed > 0) this.served(leg);
      this.reconnects++;
      this.#host.outgoing.release(leg);
      settings.logger.info("connection {id} reconnected to {remote} after {attempts} attempts", {
        id: this.#host.conn.id,
        remote: settings.target,
        attempts,
      });
      this.#host.emit({ type: "reconnect", reconnects: this.reconnects, attempts });
      return;
    }
  }

  /**
   * The live leg handed out its first frame. Once its hook has finished, that
   * proves the server serves: the retry count starts again. (Not before: a
   * server that accepts and closes at once, or refuses every login, meets the
   * back-off and the retry limit as a refused dial does.)
   */
  served(leg: Leg): void {
    if (this.state === "open" && leg === this.#host.legs.live) this.attempts = 0;
  }

  /** Runs the hook on a new leg; settles early if the leg is lost. Returns the hook's error, if it threw. */
  async #rejoin(leg: Leg): Promise<{ error: unknown } | undefined> {
    const hook = this.#host.hook();
    if (hook === undefined) return undefined;
    const conn = this.#host.conn;
    const info = { reconnects: this.reconnects + 1, attempts: this.attempts, signal: leg.conn.signal, resumed: false };
    try {
      await Promise.race([Promise.resolve().then(() => hook(conn, info)), leg.conn.finished]);
      return undefined;
    } catch (error) {
      this.#host.settings.logger.warn("reconnect hook of connection {id} failed: {error}", { id: conn.id, error });
      return { error };
    }
  }
}
