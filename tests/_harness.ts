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

/** How long one test may run on every runtime, in milliseconds: a hung socket fails its test, not the suite. */
export const TEST_TIMEOUT_MS = 30_000;

/**
 * Runs `body`, failing after `ms` milliseconds if it has not settled: Deno.test
 * has no timeout of its own (bun:test and node:test do). The timer is cleared
 * when the body settles, so it holds nothing open after the test.
 */
export async function withTimeout(name: string, body: TestBody, ms: number = TEST_TIMEOUT_MS): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Test "${name}" timed out after ${ms} ms`)), ms);
  });
  try {
    await Promise.race([Promise.resolve().then(body), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

type Register = (name: string, body: TestBody) => void;
type Skip = (name: string, reason: string) => void;

async function pickRunner(): Promise<{ test: Register; skip: Skip }> {
  if (isDeno()) {
    const deno = (globalThis as unknown as { Deno: { test(options: Record<string, unknown>): void } }).Deno;
    return {
      test: (name, body) => deno.test({ name, fn: () => withTimeout(name, body) }),
      skip: (name) => deno.test({ name, ignore: true, fn() {} }),
    };
  }
  if (isNode()) {
    const { test } = await import("node:test");
    return {
      test: (name, body) => void test(name, { timeout: TEST_TIMEOUT_MS }, body),
      skip: (name, reason) => void test(name, { skip: reason }, () => {}),
    };
  }
  // A variable specifier: Deno's type checker must not try to resolve bun:test.
  const bunTest = "bun:test";
  const runner = await import(bunTest) as {
    test: { (name: string, body: TestBody, timeoutMs?: number): void; skip(name: string, body: TestBody): void };
  };
  return {
    test: (name, body) => runner.test(name, body, TEST_TIMEOUT_MS),
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
