/**
 * What the echo micro benches share (session_wire.ts, ws_stream.ts): the
 * frames per second one connection gets echoed with `window` frames in
 * flight, and the median of a round's figures.
 *
 * @module
 */
import type { Connection } from "../../mod.ts";

/** Frames of `size` bytes per second, `frames` of them echoed by the server with `window` in flight. */
export async function echoRate(conn: Connection, size: number, window: number, frames: number): Promise<number> {
  const payload = new Uint8Array(size).fill(7);
  const start = performance.now();
  let sent = 0;
  let received = 0;
  while (sent < Math.min(window, frames)) {
    void conn.send(payload);
    sent++;
  }
  for await (const _ of conn) {
    received++;
    if (sent < frames) {
      void conn.send(payload);
      sent++;
    }
    if (received === frames) break;
  }
  return frames / ((performance.now() - start) / 1000);
}

/** The median of `values` (the upper one of an even count). */
export const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
