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

async function pickRunner(): Promise<Register> {
  if (isDeno()) {
    const deno = (globalThis as unknown as { Deno: { test(options: Record<string, unknown>): void } }).Deno;
    return (name, body) => deno.test({ name, fn: body });
  }
  if (isNode()) {
    const { test } = await import("node:test");
    return (name, body) => void test(name, { timeout: 30_000 }, body);
  }
  // A variable specifier: Deno's type checker must not try to resolve bun:test.
  const bunTest = "bun:test";
  const runner = await import(bunTest) as { test(name: string, body: TestBody, timeoutMs?: number): void };
  return (name, body) => runner.test(name, body, 30_000);
}

/** Registers a test with the runtime's runner. */
export const test: Register = await pickRunner();
