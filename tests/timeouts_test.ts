import assert from "node:assert/strict";
import { GuardError } from "../mod.ts";
import { Timeouts, type TimeoutSettings, type TimeoutVerdict } from "../src/core/connection/timeouts.ts";
import { test } from "./_harness.ts";

/** Ticks `timeouts` until it decides something (at most `limit` ticks); returns the tick and the verdict. */
function firstVerdict(
  timeouts: Timeouts,
  seconds: number,
  state: (tick: number) => { ended?: boolean; framesIn?: number; idleTicks?: number },
  limit = 1000,
): { tick: number; verdict: TimeoutVerdict } {
  for (let tick = 1; tick <= limit; tick++) {
    const { ended = false, framesIn = 0, idleTicks = tick } = state(tick);
    const verdict = timeouts.tick(seconds, ended, framesIn, idleTicks);
    if (verdict !== undefined) return { tick, verdict };
  }
  return { tick: Infinity, verdict: undefined };
}

const guard = (verdict: TimeoutVerdict): GuardError => {
  assert.ok(verdict instanceof GuardError, `a GuardError, not ${verdict}`);
  return verdict;
};

test("Timeouts: firstFrameTimeout fires on the tick that reaches it without a frame, with the limit", () => {
  const { tick, verdict } = firstVerdict(new Timeouts({ firstFrameTimeout: 0.2 }), 0.05, () => ({}));
  assert.equal(tick, 4);
  assert.equal(guard(verdict).code, "first-frame-timeout");
  assert.equal(guard(verdict).limit, 0.2);
  assert.match(guard(verdict).message, /no frame within 0.2 seconds/);
});

test("Timeouts: firstFrameTimeout never fires once a frame came", () => {
  const late = firstVerdict(new Timeouts({ firstFrameTimeout: 0.2 }), 0.05, (t) => ({ framesIn: t >= 3 ? 1 : 0 }));
  assert.equal(late.verdict, undefined);
});

test("Timeouts: idleTimeout counts ticks since the last complete frame", () => {
  // A frame on tick 10 sets the idle count back to 0: the timeout comes 4 ticks after it.
  const { tick, verdict } = firstVerdict(
    new Timeouts({ idleTimeout: 0.2 }),
    0.05,
    (t) => ({ framesIn: t >= 10 ? 1 : 0, idleTicks: t < 10 ? t % 3 : t - 10 }),
  );
  assert.equal(tick, 14);
  assert.equal(guard(verdict).code, "idle-timeout");
  assert.equal(guard(verdict).limit, 0.2);
});

test("Timeouts: the first-frame timeout is decided before the idle one", () => {
  const { verdict } = firstVerdict(new Timeouts({ firstFrameTimeout: 0.2, idleTimeout: 0.2 }), 0.05, () => ({}));
  assert.equal(guard(verdict).code, "first-frame-timeout");
});

test("Timeouts: once input has ended only closeTimeout counts, from the tick input ended", () => {
  const settings: TimeoutSettings = { firstFrameTimeout: 0.1, idleTimeout: 0.1, closeTimeout: 0.2 };
  // Input ends on tick 1, before either timeout; the close deadline counts 4 ticks from there.
  const { tick, verdict } = firstVerdict(new Timeouts(settings), 0.05, () => ({ ended: true }));
  assert.equal(verdict, "force-close");
  assert.equal(tick, 4);
  // Ended on tick 2 after a frame: force-close 4 ticks later, on tick 5.
  const later = firstVerdict(new Timeouts(settings), 0.05, (t) => ({ ended: t >= 2, framesIn: 1, idleTicks: 0 }));
  assert.deepEqual(later, { tick: 5, verdict: "force-close" });
});

test("Timeouts: a timeout left undefined never fires", () => {
  assert.equal(firstVerdict(new Timeouts({}), 1, () => ({})).verdict, undefined);
  assert.equal(firstVerdict(new Timeouts({}), 1, () => ({ ended: true })).verdict, undefined);
});

test("Timeouts fire on the tick that reaches them, whatever the rounding of the interval (10 × 0.1 s, 3 × 0.3 s)", () => {
  for (const [seconds, limit, ticks] of [[0.1, 1, 10], [0.3, 0.9, 3], [0.05, 0.2, 4], [0.01, 3, 300]] as const) {
    const first = firstVerdict(new Timeouts({ firstFrameTimeout: limit }), seconds, () => ({}));
    assert.equal(first.tick, ticks, `firstFrameTimeout ${limit} at ${seconds} s a tick`);
    const idle = firstVerdict(new Timeouts({ idleTimeout: limit }), seconds, (t) => ({ framesIn: 1, idleTicks: t }));
    assert.equal(idle.tick, ticks, `idleTimeout ${limit} at ${seconds} s a tick`);
    const close = firstVerdict(new Timeouts({ closeTimeout: limit }), seconds, () => ({ ended: true }));
    assert.equal(close.tick, ticks, `closeTimeout ${limit} at ${seconds} s a tick`);
  }
});

test("Timeouts: tlsHandshakeTimeout fires while handshaking, first of all, and never once the handshake is done", () => {
  const settings: TimeoutSettings = { tlsHandshakeTimeout: 0.5, firstFrameTimeout: 0.5 };
  const stalled = new Timeouts(settings);
  let verdict: TimeoutVerdict;
  let tick = 0;
  while (verdict === undefined && tick < 100) verdict = stalled.tick(0.1, false, 0, ++tick, true);
  assert.equal(tick, 5);
  assert.equal(guard(verdict).code, "tls-handshake-timeout");
  assert.equal(guard(verdict).limit, 0.5);
  assert.equal(guard(verdict).message, "Cannot continue: tls-handshake-timeout: no TLS handshake within 0.5 seconds");
  const done = new Timeouts({ tlsHandshakeTimeout: 0.5 });
  for (let t = 1; t <= 100; t++) assert.equal(done.tick(0.1, false, 0, t, t <= 4), undefined, `tick ${t}`);
});
