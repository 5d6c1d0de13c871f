/**
 * The parts of one connection, made and wired to each other: the outbox and
 * its flush points, the decoder and the inbox that reads through it, the
 * loans of borrowed frames, the sender, the timeouts. The path of a frame
 * through them is drawn in connection.ts.
 *
 * Invariants:
 * 1. The parts reach each other directly: one closure (the end of input) is
 *    made per connection, rather than one per hook.
 * 2. The outbox's one reference back to the inbound side is the inbox: a
 *    failed write ends input.
 * 3. Frames are lent (read_loans.ts) only over the kit's own decoder, and
 *    the loans know the sender: a send waiting for room may hold bytes where
 *    they were read.
 *
 * @module
 */
import { FrameDecoder } from "../framing/frame_decoder.ts";
import type { RawSocket } from "../../transport/types.ts";
import type { ConnectionSettings } from "./connection_settings.ts";
import { FlushPolicy } from "./flush_policy.ts";
import { Inbox, type InboxEnd } from "./inbox.ts";
import { Outbox } from "./outbox.ts";
import { loansOf } from "./read_loans.ts";
import { Sender } from "./sender.ts";
import { Timeouts } from "./timeouts.ts";

/** The parts of one connection. */
export interface ConnectionParts {
  readonly inbox: Inbox;
  readonly outbox: Outbox;
  readonly flushes: FlushPolicy;
  readonly sender: Sender;
  readonly timeouts: Timeouts;
}

/** Makes the parts of a connection over `socket`; `ended` hears when its input ends. */
export function connectionParts(socket: RawSocket, settings: ConnectionSettings, ended: InboxEnd): ConnectionParts {
  const outbox = new Outbox(socket, settings.waterMarks);
  const flushes = new FlushPolicy(outbox, settings.waterMarks, settings.deferredFlush);
  const decoder = settings.framing.format?.decoder() ?? new FrameDecoder(settings.framing);
  const loans = loansOf(socket, decoder, outbox, settings.debugBorrowedFrames === true);
  const limits = settings.rateLimits?.budget();
  const inbox = new Inbox(socket, decoder, settings.mailboxCapacity, ended, flushes, limits, loans);
  outbox.input = inbox; // invariant 2
  const sender = new Sender(outbox, settings.framing, settings.waterMarks, inbox, flushes);
  if (loans !== undefined) loans.sender = sender;
  return { inbox, outbox, flushes, sender, timeouts: new Timeouts(settings) };
}
