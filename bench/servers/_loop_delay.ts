/**
 * An event-loop delay probe measured in-process, the same way on every
 * runtime: a timer chain asks to wake every `intervalMs`, and each wake-up's
 * lateness (actual minus due) is one sample. Each runtime's node:perf_hooks
 * `monitorEventLoopDelay` is an implementation of its own; one probe in
 * plain timers measures the three alike.
 *
 * @module
 */

/** The delay figures of one period, in milliseconds. */
export interface LoopDelay {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Samples in the period. */
  readonly n: number;
}

/** A running probe: `take()` returns the period's figures since the last call and starts a new one. */
export interface LoopDelayProbe {
  take(): LoopDelay;
  stop(): void;
}

/** Starts the timer chain; the timer does not keep the process alive. */
export function probeLoopDelay(intervalMs = 10): LoopDelayProbe {
  let samples: number[] = [];
  let due = performance.now() + intervalMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const wake = () => {
    const now = performance.now();
    samples.push(Math.max(0, now - due));
    due = now + intervalMs;
    timer = setTimeout(wake, intervalMs);
    unref(timer);
  };
  timer = setTimeout(wake, intervalMs);
  unref(timer);
  return {
    take() {
      const sorted = samples.sort((a, b) => a - b);
      samples = [];
      const at = (q: number) =>
        sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
      return { p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted.at(-1) ?? 0), n: sorted.length };
    },
    stop: () => clearTimeout(timer),
  };
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

function unref(timer: unknown): void {
  if (typeof timer === "object" && timer !== null && "unref" in timer) (timer as { unref(): void }).unref();
  else if (typeof timer === "number") {
    (globalThis as { Deno?: { unrefTimer(id: number): void } }).Deno?.unrefTimer(timer);
  }
}
