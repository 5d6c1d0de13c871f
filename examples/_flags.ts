/**
 * Flag parsing for the example servers: node:util's parseArgs (built into
 * Deno, Bun and Node) plus typed checks that name the flag and the bad value.
 *
 * @module
 */
import process from "node:process";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { describeNumber, NUMBER_OPTIONS, type NumberOption, parseNumber } from "../src/_internal.ts";

/** A flag with a bad value: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Parses `args` with parseArgs' strict mode; an unknown flag is a UsageError.
 * A value that starts with "-" (`--max-frame-size -1`) is taken as the flag's
 * value, so that the flag's own check names it, rather than as another flag.
 */
export function parseFlags<T extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: T,
): Record<keyof T, string | undefined> {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    const option = arg.startsWith("--") ? options[arg.slice(2)] : undefined;
    if (option?.type === "string" && next !== undefined && next.startsWith("-") && !(next.slice(2) in options)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else joined.push(arg);
  }
  try {
    const { values } = parseArgs({ args: joined, options, strict: true, allowPositionals: false });
    return values as unknown as Record<keyof T, string | undefined>;
  } catch (error) {
    throw new UsageError((error as Error).message.split("\n")[0]!);
  }
}

/**
 * A flag that sets a numeric option of the kit, checked by the kit's own rule
 * for it (the range `serve()` enforces); undefined when absent.
 */
export function optionFlag(name: string, option: NumberOption, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = parseNumber(option, value);
  if (number === undefined) {
    throw new UsageError(`--${name} must be ${describeNumber(NUMBER_OPTIONS[option])}, got "${value}"`);
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
