/**
 * What the session tests share (resume over TCP and over WebSocket): a fast
 * ticker, a handler whose answers show a frame handled twice, and a reader of
 * a number of text frames.
 */
import type { CallbackHandler, Connection } from "../mod.ts";
import { decoder, text } from "./_fixtures.ts";

/** A ticker of 20 ms: heartbeats, windows and ACKs in test time. */
export const fast = { tickInterval: 0.02 };

/** Counts the frames of its connection in its state and answers each with the count: a frame handled twice shows. */
export const counter: CallbackHandler<{ frames: number }> = {
  open: (conn, server) => {
    server.rooms.join(conn, "lobby");
    return { frames: 0 };
  },
  frame(conn, frame, state) {
    state.frames++;
    return conn.send(text(`${decoder.decode(frame)}:${state.frames}`));
  },
};

/** The next `count` frames of `conn`, as text. */
export async function takeText(conn: Connection, count: number): Promise<string[]> {
  const out: string[] = [];
  for await (const frame of conn) {
    out.push(decoder.decode(frame));
    if (out.length === count) break;
  }
  return out;
}
