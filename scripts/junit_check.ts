/**
 * Reads the test runners' JUnit reports (deno test --junit-path, bun test
 * --reporter=junit, node --test-reporter=junit) for scripts/test.sh, so that
 * the whole check is decided by test names and outcomes, not by grepping the
 * runners' text:
 *
 *   bun scripts/junit_check.ts lost REFERENCE.xml MAP.xml RUN.xml...
 *     The test files whose tests REFERENCE registered and none of RUN
 *     reported (file names from MAP, a bun report, which names each test's
 *     file), one line; "tests/" when one cannot be placed; nothing when none
 *     is missing.
 *
 *   bun scripts/junit_check.ts summary [--floor N] [--failed-checks N]
 *       [--reference NAME] [--compare NAME]... RUN...
 *     RUN is "NAME=RC:FILE.xml[+RC:FILE.xml...]": a runner's name, then each
 *     of its runs' exit codes and reports (a run again adds to the first).
 *     Prints a line per failure and the closing line
 *     "N passed, N failed, N skipped"; exits 1 when anything failed.
 *
 * The rules (written out at the top of scripts/test.sh too):
 * - Several reports of one runner are merged test by test: a failure seen in
 *   any of them stands; a test one of them lost takes the other's outcome.
 * - Every compared runner registers exactly the reference's test names (as
 *   many times each): a name missing from all its reports, or one the
 *   reference lacks, counts as a failed test.
 * - The reference registers at least --floor tests.
 * - A run that exited non-zero with no failed test in its report, or left
 *   no report, counts as one failure.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import process from "node:process";

/** What one test came to. */
export type Outcome = "pass" | "fail" | "skip";

/** One test case of a report. */
export interface TestCase {
  readonly name: string;
  readonly outcome: Outcome;
  /** The test's file, where the runner says it (bun does; deno and node name the harness). */
  readonly file: string | undefined;
}

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function unescape(text: string): string {
  const once = text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, entity: string) => {
    if (entity.startsWith("#x")) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith("#")) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return ENTITIES[entity] ?? whole;
  });
  // Node's reporter escapes a quote twice (`"` is written `&amp;quot;`): the same name on every runner.
  return once.replaceAll("&quot;", '"');
}

/**
 * The test cases of a JUnit report. Attribute values may hold a raw `>`
 * (node's reporter leaves it), so a tag is read attribute by attribute.
 */
export function parseJunit(xml: string): TestCase[] {
  const cases: TestCase[] = [];
  const tag = /<testcase((?:\s+[\w:.-]+\s*=\s*"[^"]*")*)\s*(\/?)>/g;
  for (let match = tag.exec(xml); match !== null; match = tag.exec(xml)) {
    const attributes = new Map<string, string>();
    for (const [, key, value] of match[1]!.matchAll(/([\w:.-]+)\s*=\s*"([^"]*)"/g)) {
      attributes.set(key!, unescape(value!));
    }
    let body = "";
    if (match[2] !== "/") {
      const end = xml.indexOf("</testcase>", tag.lastIndex);
      body = xml.slice(tag.lastIndex, end === -1 ? xml.length : end);
      if (end !== -1) tag.lastIndex = end;
    }
    const outcome: Outcome = /<(failure|error)\b/.test(body) ? "fail" : /<skipped\b/.test(body) ? "skip" : "pass";
    cases.push({ name: attributes.get("name") ?? "", outcome, file: attributes.get("file") });
  }
  return cases;
}

/** A runner's results by test name: one outcome per time the name was registered. */
export type Results = Map<string, Outcome[]>;

const WORST: Record<Outcome, number> = { skip: 0, pass: 1, fail: 2 };

/** Merges reports of one runner: a name as many times as the most any report has it, each the worst outcome seen. */
export function merge(reports: TestCase[][]): Results {
  const merged: Results = new Map();
  for (const report of reports) {
    const seen = new Map<string, Outcome[]>();
    for (const { name, outcome } of report) seen.set(name, [...(seen.get(name) ?? []), outcome]);
    for (const [name, outcomes] of seen) {
      const had = merged.get(name) ?? [];
      merged.set(
        name,
        Array.from(
          { length: Math.max(had.length, outcomes.length) },
          (_, i) => [had[i], outcomes[i]].filter((o) => o !== undefined).sort((a, b) => WORST[b] - WORST[a])[0]!,
        ),
      );
    }
  }
  return merged;
}

/** The names `a` registers more times than `b`, each as many times as the difference. */
export function missingFrom(a: Results, b: Results): string[] {
  const missing: string[] = [];
  for (const [name, outcomes] of a) {
    for (let i = b.get(name)?.length ?? 0; i < outcomes.length; i++) missing.push(name);
  }
  return missing;
}

function read(file: string): TestCase[] | undefined {
  if (!existsSync(file)) return undefined;
  const xml = readFileSync(file, "utf8");
  return /<testsuites\b/.test(xml) ? parseJunit(xml) : undefined;
}

function lost(args: string[]): void {
  const [referenceFile, mapFile, ...runFiles] = args;
  const reference = merge([read(referenceFile!) ?? []]);
  const run = merge(runFiles.map((file) => read(file) ?? []));
  const missing = new Set(missingFrom(reference, run));
  if (missing.size === 0) return;
  const files = new Map((read(mapFile!) ?? []).map(({ name, file }) => [name, file]));
  const wanted = new Set([...missing].map((name) => files.get(name)));
  console.log(wanted.has(undefined) ? "tests/*_test.ts" : [...wanted].sort().join(" "));
}

/** At most `limit` names, each on a line of its own under `heading`. */
function list(heading: string, names: string[], limit = 30): string[] {
  const shown = names.slice(0, limit).map((name) => `failed: ${heading}: ${name}`);
  if (names.length > limit) shown.push(`failed: ${heading}: and ${names.length - limit} more`);
  return shown;
}

function summary(args: string[]): boolean {
  let floor = 0;
  let failed = 0;
  let reference: string | undefined;
  const compared: string[] = [];
  const runs = new Map<string, Results>();
  const lines: string[] = [];
  let passed = 0;
  let skipped = 0;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--floor") floor = Number(args[++i]);
    else if (arg === "--failed-checks") failed += Number(args[++i]);
    else if (arg === "--reference") reference = args[++i];
    else if (arg === "--compare") compared.push(args[++i]!);
    else {
      const at = arg.indexOf("=");
      const name = arg.slice(0, at);
      const reports: TestCase[][] = [];
      for (const part of arg.slice(at + 1).split("+")) {
        const colon = part.indexOf(":");
        const rc = Number(part.slice(0, colon));
        const report = read(part.slice(colon + 1));
        if (report === undefined) {
          lines.push(`failed: ${name} left no report (exit code ${rc})`);
          failed++;
          continue;
        }
        reports.push(report);
        if (rc !== 0 && !report.some((test) => test.outcome === "fail")) {
          lines.push(`failed: ${name} exited ${rc} with no failed test in its report`);
          failed++;
        }
      }
      const results = merge(reports);
      runs.set(name, results);
      const failures: string[] = [];
      for (const [test, outcomes] of results) {
        for (const outcome of outcomes) {
          if (outcome === "pass") passed++;
          else if (outcome === "skip") skipped++;
          else failures.push(test);
        }
      }
      failed += failures.length;
      lines.push(...list(name, failures));
    }
  }
  const base = reference === undefined ? undefined : runs.get(reference);
  if (reference !== undefined && base !== undefined) {
    const total = [...base.values()].reduce((sum, outcomes) => sum + outcomes.length, 0);
    if (total < floor) {
      lines.push(`failed: ${reference} registered ${total} tests, fewer than the floor of ${floor}`);
      failed++;
    }
    for (const name of compared) {
      const results = runs.get(name);
      if (results === undefined) continue;
      const missing = missingFrom(base, results);
      const extra = missingFrom(results, base);
      failed += missing.length + extra.length;
      lines.push(...list(`${name} did not report, ${reference} did`, missing));
      lines.push(...list(`${name} reported, ${reference} did not`, extra));
    }
  }
  for (const line of lines) console.log(line);
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed === 0;
}

if (import.meta.main) {
  const [command, ...rest] = process.argv.slice(2);
  if (command === "lost") lost(rest);
  else if (command === "summary") process.exitCode = summary(rest) ? 0 : 1;
  else {
    console.error("usage: junit_check.ts lost REFERENCE MAP RUN... | summary [options] NAME=RC:FILE[+RC:FILE]...");
    process.exitCode = 2;
  }
}
