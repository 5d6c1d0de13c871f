import assert from "node:assert/strict";
import { DEFAULT_HIGH_WATER_MARK } from "../src/_internal.ts";
import { WaterMarks, waterMarksOf } from "../src/core/connection/water_marks.ts";
import { test } from "./_harness.ts";

test("WaterMarks.fits: up to the high mark, and any frame into an empty outbox", () => {
  const marks = new WaterMarks(100, 40);
  assert.equal(marks.fits(60, 40), true, "exactly at the mark");
  assert.equal(marks.fits(60, 41), false);
  assert.equal(marks.fits(0, 1000), true, "alone in an empty outbox rather than never");
  assert.equal(marks.fits(1, 1000), false);
});

test("WaterMarks.hasRoom: at or below the low mark", () => {
  const marks = new WaterMarks(100, 40);
  assert.equal(marks.hasRoom(40), true);
  assert.equal(marks.hasRoom(41), false);
  assert.equal(new WaterMarks(100, 0).hasRoom(0), true);
});

test("waterMarksOf: the default high mark, the low mark half of it, a low mark above the high one refused", () => {
  assert.deepEqual({ ...waterMarksOf({}) }, {
    high: DEFAULT_HIGH_WATER_MARK,
    low: DEFAULT_HIGH_WATER_MARK / 2,
    maxPending: Infinity,
  });
  assert.deepEqual({ ...waterMarksOf({ highWaterMark: 101 }) }, { high: 101, low: 50, maxPending: Infinity });
  assert.deepEqual({ ...waterMarksOf({ highWaterMark: 10, lowWaterMark: 10 }) }, {
    high: 10,
    low: 10,
    maxPending: Infinity,
  });
  assert.equal(waterMarksOf({}, 16_777_216).maxPending, 16_777_216, "a server's default");
  assert.equal(waterMarksOf({ maxPendingSendBytes: 1000 }, 16_777_216).maxPending, 1000);
  assert.throws(() => waterMarksOf({ highWaterMark: 10, lowWaterMark: 11 }), {
    name: "RangeError",
    message: "Cannot use lowWaterMark 11: above highWaterMark 10",
  });
  assert.throws(() => waterMarksOf({ highWaterMark: -1 }), RangeError);
});
