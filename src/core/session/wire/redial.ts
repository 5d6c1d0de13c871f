/**
 * A client's way back to its session after a lost link: attempts
 * (link.ts) one after another, with a growing pause, until a new link takes
 * the session, the server refuses it, or the window passes.
 *
 * Invariants:
 * 1. Bounded: no attempt starts after the window's end, and one attempt
 *    waits for its answer `attemptMs` at most (a link that is still silent
 *    costs no more).
 * 2. A link answered for a session that no longer waits (closed, or taken
 *    over meanwhile) is closed, never adopted.
 *
 * @module
 */
import type { PacketSize } from "../../framing/length_prefixed.ts";
import type { RawSocket } from "../../../transport/types.ts";
import { type ResumeAnswer, tryResume } from "./link.ts";

/** How a client's socket gets a new link, and how long one attempt may wait for the server's answer. */
export interface Redial {
  dial(): Promise<RawSocket>;
  /** Milliseconds one attempt (dial, RESUME, the answer) may take: a link that is still silent costs no more. */
  readonly attemptMs: number;
  /** Called once the session went on over a new link. */
  readonly onResumed?: () => void;
  /** Called at the server's first WELCOME: the session has its token, so a link lost from now on resumes. */
  readonly onWelcome?: () => void;
}

/** The suspended session a redial works for. */
export interface RedialTarget {
  /** True while the session still waits for a new link. */
  waiting(): boolean;
  /** The bytes of the server's this side has (the count the RESUME carries). */
  received(): number;
  /** The token the session holds now. */
  token(): Uint8Array;
  /** The server took the session back over `answer`'s link: false when the session cannot go on over it. */
  resumed(answer: Extract<ResumeAnswer, { state: "resumed" }>): boolean;
  /** The server refused the session. */
  refused(): void;
  /** The window passed. */
  expired(): void;
}

/** Dials with `how` until the session resumes, is refused, or `windowMs` passes. */
export async function redial(
  how: Redial,
  target: RedialTarget,
  packet: PacketSize,
  windowMs: number,
): Promise<void> {
  const deadline = Date.now() + windowMs;
  let delay = 50;
  while (target.waiting() && Date.now() < deadline) {
    const attemptEnd = Math.min(deadline, Date.now() + how.attemptMs);
    const answer = await tryResume(how.dial, target.token(), target.received(), packet, attemptEnd);
    if (!target.waiting()) return answer?.link.close();
    if (answer?.state === "resumed") {
      if (!target.resumed(answer)) return answer.link.close();
      return how.onResumed?.();
    }
    if (answer?.state === "refused") {
      answer.link.close();
      return target.refused();
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(0, deadline - Date.now()))));
    delay = Math.min(delay * 2, 1000);
  }
  if (target.waiting()) target.expired();
}
