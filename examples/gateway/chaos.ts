/**
 * The bots' chaos (`bots.ts --chaos P`): each bot dials the gateway through
 * a relay of its own in the bots' process (examples/_fault_proxy.ts, on
 * loopback), and once a second, with probability P, the relay drops the
 * bot's link: half the time a reset (an RST both ways), half the time a
 * stall (nothing passes either way and nothing closes, as a dead NAT entry;
 * the client's heartbeat finds it and dials again through the relay, and
 * the silent pair is destroyed a few seconds later).
 *
 * @module
 */
import { type FaultProxy, startFaultProxy } from "../_fault_proxy.ts";

/** How long a stalled pair lingers before the relay destroys it, as a NAT forgets an entry. */
const STALLED_PAIR_MS = 3000;

/** One bot's relay to the gateway, and its dice. */
export class ChaosRelay {
  readonly #proxy: FaultProxy;
  readonly #probability: number;
  #phase: ReturnType<typeof setTimeout> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #resets = 0;

  private constructor(proxy: FaultProxy, probability: number) {
    this.#proxy = proxy;
    this.#probability = probability;
  }

  /**
   * A relay on 127.0.0.1 to the gateway at `hostname`:`port` (loopback) that
   * drops its links with probability `probability` (0 to 1) each second once
   * started.
   * @throws {RangeError} `probability` is not within 0 to 1.
   * @example
   * ```ts ignore
   * const relay = await ChaosRelay.open("127.0.0.1", 7100, 0.5);
   * const conn = await connect({ port: relay.port, resume: true, heartbeat: { interval: 0.25 } });
   * relay.start();
   * ```
   */
  static async open(hostname: string, port: number, probability: number): Promise<ChaosRelay> {
    if (!(probability >= 0 && probability <= 1)) {
      throw new RangeError(`Cannot start a chaos relay: probability ${probability} is not within 0 to 1`);
    }
    return new ChaosRelay(await startFaultProxy(port, hostname), probability);
  }

  /** The port the bot dials. */
  get port(): number {
    return this.#proxy.port;
  }

  /** Drops by a reset, and links stalled (each counted only when there was a link to drop). */
  get drops(): { resets: number; stalls: number } {
    return { resets: this.#resets, stalls: this.#proxy.counters.silenced };
  }

  /** Rolls the dice once a second from a random phase, so that the bots' drops do not fall in one instant. */
  start(): void {
    if (this.#probability === 0 || this.#phase !== undefined) return;
    this.#phase = setTimeout(() => {
      this.#roll();
      this.#timer = setInterval(() => this.#roll(), 1000);
    }, Math.random() * 1000);
  }

  /** No more drops (a link stalled already is still found and dialled again). */
  stop(): void {
    clearTimeout(this.#phase);
    clearInterval(this.#timer);
  }

  /** Stops, and closes the relay and every pair it still holds. */
  async close(): Promise<void> {
    this.stop();
    await this.#proxy.close();
  }

  #roll(): void {
    if (Math.random() >= this.#probability) return;
    if (Math.random() >= 0.5) return this.#proxy.silence(STALLED_PAIR_MS);
    // A reset also ends a stalled pair still lingering: one drop however many pairs it takes.
    if (this.#proxy.open > 0) this.#resets++;
    this.#proxy.reset();
  }
}
