/**
 * A client's attempt to take its session to a new link: dial, send RESUME
 * with the token and the bytes received, and read the server's first record
 * apart from what follows it (which may go on in the middle of a frame).
 * Bounded by a deadline: a server that never answers costs one attempt.
 *
 * @module
 */
import type { PacketSize } from "../../framing/length_prefixed.ts";
import type { RawSocket } from "../../../transport/types.ts";
import { readFirstRecord, readWelcome, resumeRecord, type Welcome } from "./handshake.ts";
import { concat, REJECT, WELCOME } from "./session_wire.ts";

/** What one attempt gave: the session back, a refusal, or nothing (no link, or no answer in time). */
export type ResumeAnswer =
  | { readonly state: "resumed"; readonly link: RawSocket; readonly welcome: Welcome; readonly rest: Uint8Array }
  | { readonly state: "refused"; readonly link: RawSocket }
  | undefined;

/** Dials with `dial` and asks for the session of `token`, having `received` bytes of the server's; gives up at `deadline` (ms since the epoch). */
export async function tryResume(
  dial: () => Promise<RawSocket>,
  token: Uint8Array,
  received: number,
  packet: PacketSize,
  deadline: number,
): Promise<ResumeAnswer> {
  let link: RawSocket;
  try {
    link = await beforeDeadline(dial(), deadline);
  } catch {
    return undefined;
  }
  const timer = setTimeout(() => link.close(), Math.max(0, deadline - Date.now()));
  try {
    await link.write(resumeRecord(token, received, packet));
    let bytes: Uint8Array = new Uint8Array(0);
    while (true) {
      const chunk = await link.read();
      if (chunk === null) break;
      bytes = bytes.length === 0 ? chunk : concat([bytes, chunk]);
      const first = readFirstRecord(bytes, packet, [WELCOME, REJECT]);
      if (first.state === "more") continue;
      if (first.state === "plain") break;
      if (first.kind === REJECT) return { state: "refused", link };
      return { state: "resumed", link, welcome: readWelcome(first.body), rest: first.rest };
    }
  } catch {
    /* the link failed: another attempt, if the window allows */
  } finally {
    clearTimeout(timer);
  }
  link.close();
  return undefined;
}

/** The socket `dialing` gives, or a rejection at `deadline`; a socket that comes later is closed. */
function beforeDeadline(dialing: Promise<RawSocket>, deadline: number): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(new Error("Cannot resume: no link before the attempt's deadline"));
    }, Math.max(0, deadline - Date.now()));
    dialing.then((socket) => {
      clearTimeout(timer);
      if (late) socket.close();
      else resolve(socket);
    }, (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
