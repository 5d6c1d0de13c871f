import assert from "node:assert/strict";
import { encodeFrame, FrameTooLargeError, GuardError, TruncatedFrameError } from "../mod.ts";
import { Inbox } from "../src/core/connection/inbox.ts";
import { type InboxItem, Posted, Tick } from "../src/core/connection/mailbox.ts";
import { RateLimits } from "../src/core/connection/rate_limit.ts";
import { FrameDecoder } from "../src/core/framing/frame_decoder.ts";
import type { FramingOptions } from "../src/core/framing/length_prefixed.ts";
import { test } from "./_harness.ts";
import { concat, text } from "./_fixtures.ts";
import { ScriptedSocket, settle, socketPair } from "./_memory.ts";

/** An inbox over a hand-driven socket, with its ends and its outbox's flushes recorded. */
function inboxOver(
  options: { capacity?: number; limits?: RateLimits; framing?: FramingOptions } = {},
) {
  const socket = new ScriptedSocket();
  const ends: Array<[string, unknown]> = [];
  const outbox = {
    flushes: 0,
    loopWaits() {
      this.flushes++;
    },
  };
  const inbox = new Inbox(
    socket,
    new FrameDecoder(options.framing),
    options.capacity ?? 16,
    (reason, error) => void ends.push([reason, error]),
    outbox,
    options.limits,
  );
  return { inbox, socket, ends, outbox };
}

const frames = (...payloads: string[]) => concat(payloads.map((p) => encodeFrame(text(p))));
const decoder = new TextDecoder();

/** What an item is, as text: "frame x", "message m", "tick". */
function describe(item: InboxItem | undefined): string {
  if (item === undefined) return "end";
  if (item instanceof Uint8Array) return `frame ${decoder.decode(item)}`;
  if (item instanceof Posted) return `message ${item.message}`;
  return "tick";
}

/** Takes every item queued now, without waiting. */
function takeAll(inbox: Inbox): string[] {
  const items: string[] = [];
  for (let item = inbox.take(); item !== undefined; item = inbox.take()) items.push(describe(item));
  return items;
}

test("Inbox reads only when the loop waits and nothing is queued: no read ahead, one read at a time", async () => {
  const { inbox, socket } = inboxOver();
  await settle();
  assert.equal(socket.reads, 0, "nothing read before the loop asks");
  const first = inbox.next();
  assert.equal(socket.reads, 1);
  assert.equal(inbox.waitingForInput, true);
  socket.deliver(frames("a", "b", "c"));
  assert.equal(describe(await first), "frame a");
  assert.equal(describe(await inbox.next()), "frame b", "queued: no read");
  assert.equal(describe(inbox.take()), "frame c");
  assert.equal(socket.reads, 1);
  const fourth = inbox.next();
  assert.equal(socket.reads, 2, "the queue is empty: now it reads");
  assert.equal(socket.readPending, true);
  socket.deliver(frames("d"));
  assert.equal(describe(await fourth), "frame d");
  assert.equal(inbox.framesIn, 4);
  assert.equal(inbox.bytesIn, 4 * 5);
});

test("Inbox over a memory pair: a peer's frames wait in the socket until the loop asks", async () => {
  const { client, server } = await socketPair();
  const inbox = new Inbox(server, new FrameDecoder(), 16, () => {}, { loopWaits() {} });
  await client.write(frames("x", "y"));
  await settle();
  assert.equal(server.unread, 10, "not read: nobody asked");
  assert.equal(describe(await inbox.next()), "frame x");
  assert.equal(server.unread, 0);
  assert.equal(describe(inbox.take()), "frame y");
});

test("Inbox flushes the outbox each time the loop is about to wait for input, and only then", async () => {
  const { inbox, socket, outbox } = inboxOver();
  const waiting = inbox.next();
  assert.equal(outbox.flushes, 1, "about to wait: the flush point");
  socket.deliver(frames("a", "b"));
  await waiting;
  await inbox.next(); // b is queued: no wait, no flush
  assert.equal(outbox.flushes, 1);
  void inbox.next();
  assert.equal(outbox.flushes, 2);
  let parked = false;
  socket.deliver(frames("c"));
  await settle();
  inbox.take();
  inbox.park(() => parked = true);
  assert.equal(outbox.flushes, 3, "park() is a wait too");
  assert.equal(parked, false);
  socket.deliver(frames("d"));
  await settle();
  assert.equal(parked, true);
  assert.equal(describe(inbox.take()), "frame d");
});

test("Inbox queues a read's frames together, after the messages that came before the read completed", async () => {
  const { inbox, socket } = inboxOver();
  const waiting = inbox.next(); // starts the read
  assert.equal(inbox.deliver("m0"), true);
  assert.equal(describe(await waiting), "message m0", "a message wakes the waiting loop; the read stays pending");
  inbox.deliver("m1");
  inbox.deliver("m2");
  socket.deliver(frames("f1", "f2"));
  inbox.deliver("m3"); // before the read's promise reaction ran: before the read completed
  await settle();
  inbox.deliver("m4");
  assert.deepEqual(takeAll(inbox), ["message m1", "message m2", "message m3", "frame f1", "frame f2", "message m4"]);
  assert.equal(inbox.messagesIn, 5);
  assert.equal(socket.reads, 1);
});

test("Inbox holds at most mailboxCapacity messages and one tick, counting what it refuses", () => {
  const { inbox } = inboxOver({ capacity: 2 });
  assert.equal(inbox.deliver("a"), true);
  assert.equal(inbox.deliver("b"), true);
  assert.equal(inbox.deliver("c"), false, "full");
  assert.equal(inbox.messagesDropped, 1);
  inbox.tick(0.5, true);
  inbox.tick(0.5, true);
  assert.equal(inbox.idleTicks, 2, "both ticks counted");
  assert.deepEqual(takeAll(inbox), ["message a", "message b", "tick"], "one tick waits, not two");
  assert.equal(inbox.deliver("d"), true, "taken messages free their places");
  inbox.tick(0.5, false);
  assert.deepEqual(takeAll(inbox), ["message d"], "no tick queued unless asked for");
  inbox.tick(0.5, true);
  const tick = inbox.take();
  assert.ok(tick instanceof Tick);
  assert.equal(tick.idleSeconds, 2, "idle time counted in ticks since the last frame: 4 × 0.5 s");
});

test("Inbox: a complete frame sets the idle count back to zero; half a frame does not", async () => {
  const { inbox, socket } = inboxOver();
  inbox.tick(1, false);
  inbox.tick(1, false);
  const waiting = inbox.next();
  socket.deliver(new Uint8Array([0, 0, 0, 1])); // a header only
  await settle();
  assert.equal(inbox.idleTicks, 2);
  socket.deliver(new Uint8Array([7]));
  await waiting;
  assert.equal(inbox.idleTicks, 0);
});

test("Inbox.end: no read after it, items already queued still handed out, later messages refused", async () => {
  const { inbox, socket, ends } = inboxOver();
  const waiting = inbox.next();
  socket.deliver(frames("a", "b"));
  await waiting;
  inbox.end("closed");
  inbox.end("aborted"); // the first reason is the one
  assert.deepEqual(ends, [["closed", undefined]]);
  assert.equal(inbox.done, true);
  assert.equal(describe(await inbox.next()), "frame b");
  assert.equal(describe(await inbox.next()), "end");
  assert.equal(socket.reads, 1, "no read after the end");
  assert.equal(inbox.deliver("late"), false);
  assert.equal(inbox.messagesDropped, 1);
});

test("Inbox ends input with the reason: peer-closed at the FIN, truncated-frame inside a frame, socket-error", async () => {
  const fin = inboxOver();
  const one = fin.inbox.next();
  fin.socket.deliver(null);
  assert.equal(describe(await one), "end");
  assert.deepEqual(fin.ends, [["peer-closed", undefined]]);

  const cut = inboxOver();
  const two = cut.inbox.next();
  cut.socket.deliver(new Uint8Array([0, 0, 0, 9, 1, 2]));
  await settle();
  cut.socket.deliver(null);
  assert.equal(describe(await two), "end");
  assert.equal(cut.ends[0]![0], "truncated-frame");
  assert.ok(cut.ends[0]![1] instanceof TruncatedFrameError);

  const reset = inboxOver();
  const error = Object.assign(new Error("reset"), { code: "ECONNRESET" });
  const three = reset.inbox.next();
  reset.socket.deliver(null, error);
  assert.equal(describe(await three), "end");
  assert.deepEqual(reset.ends, [["socket-error", error]]);
});

test("Inbox: an oversize header ends input with frame-too-large; the frames before it are still handed out", async () => {
  const { inbox, socket, ends } = inboxOver({ framing: { maxFrameSize: 10 } });
  const waiting = inbox.next();
  socket.deliver(concat([frames("ok"), new Uint8Array([0, 0, 0, 11])]));
  assert.equal(describe(await waiting), "frame ok");
  assert.equal(describe(await inbox.next()), "end");
  assert.equal(ends[0]![0], "frame-too-large");
  assert.ok(ends[0]![1] instanceof FrameTooLargeError);
});

test("Inbox with a pause budget: the frames within it are handed out, the rest stay undecoded until a refill", async () => {
  const { inbox, socket, ends } = inboxOver({ limits: new RateLimits(undefined, 2, "pause") });
  const waiting = inbox.next();
  socket.deliver(frames("a", "b", "c")); // 3 frames against a budget of 2
  assert.equal(describe(await waiting), "frame a");
  assert.deepEqual(takeAll(inbox), ["frame b"], "the third is not decoded");
  const next = inbox.next();
  await settle();
  assert.equal(socket.reads, 1, "no read while the budget is spent");
  inbox.tick(0.25, false); // +0.5: not a whole frame
  await settle();
  assert.equal(socket.reads, 1);
  inbox.tick(0.25, false); // +0.5: one frame
  assert.equal(describe(await next), "frame c");
  assert.equal(socket.reads, 1, "decoded from the bytes kept, not read again");
  const after = inbox.next();
  await settle();
  assert.equal(socket.reads, 1, "the budget is spent again");
  inbox.tick(0.5, false);
  await settle();
  assert.equal(socket.reads, 2, "refilled: reading goes on");
  socket.deliver(frames("d"));
  assert.equal(describe(await after), "frame d");
  assert.deepEqual(ends, [], "not closed");
});

test("Inbox with a frame budget under close: the frames within it are handed out, then rate-limit", async () => {
  const { inbox, socket, ends } = inboxOver({ limits: new RateLimits(undefined, 2, "close") });
  const waiting = inbox.next();
  socket.deliver(frames("a", "b", "c", "d"));
  assert.equal(describe(await waiting), "frame a");
  assert.equal(describe(await inbox.next()), "frame b");
  assert.equal(describe(await inbox.next()), "end", "c passed the budget: not handed out, and d never decoded");
  assert.equal(ends[0]![0], "rate-limit");
  assert.match(String(ends[0]![1]), /over 2 frames per second, 1 over budget/);
});

test("Inbox with a close budget: over it, input ends with a rate-limit GuardError after the frames read", async () => {
  const { inbox, socket, ends } = inboxOver({ limits: new RateLimits(8, undefined, "close") });
  const waiting = inbox.next();
  socket.deliver(frames("a", "b")); // 10 bytes against 8
  assert.equal(describe(await waiting), "frame a");
  assert.equal(describe(await inbox.next()), "frame b");
  assert.equal(describe(await inbox.next()), "end");
  assert.equal(ends[0]![0], "rate-limit");
  assert.ok(ends[0]![1] instanceof GuardError);
  assert.equal((ends[0]![1] as GuardError).limit, 8);
});
