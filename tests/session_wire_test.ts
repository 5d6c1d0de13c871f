import assert from "node:assert/strict";
import {
  controlRecord,
  EMPTY,
  escapeEmpties,
  HELLO,
  HELLO_BODY,
  InScanner,
  OutScanner,
  PING,
  PONG,
  SessionWireError,
} from "../src/core/session/wire/session_wire.ts";
import { encodeFrame } from "../mod.ts";
import { test } from "./_harness.ts";
import { concat } from "./_fixtures.ts";

function random(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

test("InScanner gives a chunk of application frames back as itself", () => {
  const chunk = concat([encodeFrame(new Uint8Array([1, 2])), encodeFrame(new Uint8Array([3]))]);
  const scanner = new InScanner(4);
  const out = scanner.push(chunk);
  assert.equal(out.buffer, chunk.buffer, "no copy");
  assert.deepEqual(out, chunk);
  assert.deepEqual(scanner.controls, []);
});

test("InScanner strips records and restores empty frames, for any chunking (property, 200 seeded cases)", () => {
  for (const packet of [1, 2, 4] as const) {
    for (let seed = 1; seed <= 200; seed++) {
      const next = random(seed);
      const wire: Uint8Array[] = [];
      const plain: Uint8Array[] = [];
      const kinds: number[] = [];
      for (let i = 0; i < 12; i++) {
        const pick = next();
        if (pick < 0.2) {
          wire.push(controlRecord(EMPTY, packet));
          plain.push(new Uint8Array(packet));
        } else if (pick < 0.4) {
          const kind = [PING, PONG, HELLO][Math.floor(next() * 3)]!;
          wire.push(controlRecord(kind, packet, kind === HELLO ? HELLO_BODY : []));
          kinds.push(kind);
        } else {
          const frame = encodeFrame(new Uint8Array(1 + Math.floor(next() * 40)).fill(i + 1), { packet });
          wire.push(frame);
          plain.push(frame);
        }
      }
      const bytes = concat(wire);
      const scanner = new InScanner(packet);
      const out: Uint8Array[] = [];
      const seen: number[] = [];
      for (let at = 0; at < bytes.length;) {
        const size = 1 + Math.floor(next() * 9);
        out.push(scanner.push(bytes.slice(at, at + size)));
        seen.push(...scanner.controls);
        at += size;
      }
      assert.deepEqual(concat(out), concat(plain), `packet ${packet}, seed ${seed}`);
      assert.deepEqual(seen, kinds);
    }
  }
});

test("InScanner refuses an unknown control kind and a HELLO of another version", () => {
  assert.throws(() => new InScanner(4).push(new Uint8Array([0, 0, 0, 0, 0x7f])), SessionWireError);
  assert.throws(() => new InScanner(2).push(new Uint8Array([0, 0, HELLO, 0x73, 0x6b, 9])), SessionWireError);
});

test("OutScanner finds empty frames across writes, and escapeEmpties gives them their byte", () => {
  const bytes = concat([
    encodeFrame(new Uint8Array([1])),
    encodeFrame(new Uint8Array()),
    encodeFrame(new Uint8Array([2])),
  ]);
  const scanner = new OutScanner(4);
  assert.deepEqual(scanner.scan(bytes.subarray(0, 7), true), []);
  assert.equal(scanner.atBoundary, false, "inside the empty frame's header");
  const rest = bytes.subarray(7);
  const at = scanner.scan(rest, true);
  assert.deepEqual(at, [2]);
  assert.ok(scanner.atBoundary);
  assert.deepEqual(escapeEmpties(rest, at), new Uint8Array([0, 0, EMPTY, 0, 0, 0, 1, 2]));
});
