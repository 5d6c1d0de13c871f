/**
 * Flag parsing for the example servers: node:util's parseArgs (built into
 * Deno, Bun and Node) plus typed checks that name the flag and the bad value.
 *
 * @module
 */
import process from "node:process";
import { parseArgs, type ParseArgsConfig } from "node:util";

/** A flag with a bad value: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Parses `args` with parseArgs' strict mode; an unknown flag is a UsageError. */
export function parseFlags<T extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: T,
): Record<keyof T, string | undefined> {
  try {
    const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
    return values as unknown as Record<keyof T, string | undefined>;
  } catch (error) {
    throw new UsageError((error as Error).message.split("\n")[0]!);
  }
}

/** An integer flag within [min, max]; undefined when absent. */
export function intFlag(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < min || number > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${value}"`);
  }
  return number;
}

/** A positive number flag (seconds, say, fractions allowed); undefined when absent. */
export function positiveFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number) || number <= 0) {
    throw new UsageError(`--${name} must be a positive number, got "${value}"`);
  }
  return number;
}

/** One of `choices`; undefined when absent. */
export function choiceFlag<C extends string>(
  name: string,
  value: string | undefined,
  choices: readonly C[],
): C | undefined {
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${choices.join(", ")}, got "${value}"`);
  }
  return value as C;
}

/** Runs `main`; a UsageError becomes one line on stderr and exit code 2. */
export async function runCli(program: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${program}: ${error.message}`);
    process.exit(2);
  }
}
