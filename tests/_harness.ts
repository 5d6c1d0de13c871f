/**
 * One test API over each runtime's own runner: Deno.test on Deno, bun:test on
 * Bun, node:test on Node (run through the tsx loader: `node --import tsx
 * --test tests/*_test.ts`). Test files import `test` from here and assertions
 * from node:assert, so the same files run everywhere.
 *
 * @module
 */

import { isDeno, isNode } from "../src/transport/select.ts";

/** A test body. */
export type TestBody = () => void | Promise<void>;

type Register = (name: string, body: TestBody) => void;
type Skip = (name: string, reason: string) => void;

async function pickRunner(): Promise<{ test: Register; skip: Skip }> {
  if (isDeno()) {
    const deno = (globalThis as unknown as { Deno: { test(options: Record<string, unknown>): void } }).Deno;
    return {
      test: (name, body) => deno.test({ name, fn: body }),
      skip: (name) => deno.test({ name, ignore: true, fn() {} }),
    };
  }
  if (isNode()) {
    const { test } = await import("node:test");
    return {
      test: (name, body) => void test(name, { timeout: 30_000 }, body),
      skip: (name, reason) => void test(name, { skip: reason }, () => {}),
    };
  }
  // A variable specifier: Deno's type checker must not try to resolve bun:test.
  const bunTest = "bun:test";
  const runner = await import(bunTest) as {
    test: { (name: string, body: TestBody, timeoutMs?: number): void; skip(name: string, body: TestBody): void };
  };
  return {
    test: (name, body) => runner.test(name, body, 30_000),
    skip: (name) => runner.test.skip(name, () => {}),
  };
}

const runner = await pickRunner();

/** Registers a test with the runtime's runner. */
export const test: Register = runner.test;

/**
 * Registers a test that does not run here, and prints why, so that a skip is
 * never silent: `skip("deno compile ...", "cannot reach the download server")`.
 */
export const skip: Skip = (name, reason) => {
  console.log(`skipped: ${name}: ${reason}`);
  runner.skip(name, reason);
};
