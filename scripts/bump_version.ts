/**
 * Makes a version: `bump_version.ts VERSION [--date YYYY-MM-DD] [--root DIR]`.
 *
 * - package.json, package-lock.json (its own entry) and deno.json get
 *   `"version": "VERSION"`, each file otherwise as it was;
 * - CHANGELOG.md's `## Unreleased` section becomes `## VERSION - DATE`
 *   (default: today, UTC), under a new, empty `## Unreleased`.
 *
 * It refuses, changing nothing, a version that is not `MAJOR.MINOR.PATCH`
 * (with an optional `-pre.N`), one not above the current one, files whose
 * versions disagree, and an empty Unreleased section. Tagging is left to
 * whoever commits the result (`git tag vVERSION`).
 *
 *   deno task bump 0.2.0        npm run bump -- 0.2.0
 *
 * Runs on Deno, Bun and Node (node:fs only).
 *
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";

const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$/;
const UNRELEASED = "## Unreleased\n";

/** -1, 0 or 1 as `a` is below, equal to or above `b` (pre-releases below their release, compared as text). */
export function compareVersions(a: string, b: string): number {
  const [x, y] = [SEMVER.exec(a), SEMVER.exec(b)];
  if (x === null || y === null) throw new TypeError(`Cannot compare versions ${a} and ${b}: not MAJOR.MINOR.PATCH`);
  for (let i = 1; i <= 3; i++) {
    const d = Number(x[i]) - Number(y[i]);
    if (d !== 0) return Math.sign(d);
  }
  if (x[4] === y[4]) return 0;
  if (x[4] === undefined) return 1;
  if (y[4] === undefined) return -1;
  return x[4] < y[4] ? -1 : 1;
}

/** The CHANGELOG with its Unreleased section turned into `version`, under a new empty one. */
export function releaseChangelog(text: string, version: string, date: string): string {
  const start = text.indexOf(UNRELEASED);
  if (start === -1) throw new Error("Cannot bump the version: CHANGELOG.md has no '## Unreleased' section");
  const bodyStart = start + UNRELEASED.length;
  const next = text.indexOf("\n## ", bodyStart);
  const body = text.slice(bodyStart, next === -1 ? text.length : next + 1);
  if (!/^- /m.test(body)) {
    throw new Error("Cannot bump the version: CHANGELOG.md's Unreleased section lists no change");
  }
  if (text.includes(`\n## ${version} `) || text.includes(`\n## ${version}\n`)) {
    throw new Error(`Cannot bump the version: CHANGELOG.md already has a section for ${version}`);
  }
  return `${text.slice(0, start)}${UNRELEASED}\n## ${version} - ${date}\n${text.slice(bodyStart)}`;
}

/** `text` with the first `"version": "..."` (the file's own, at the top) set to `version`. */
function setVersion(text: string, file: string, version: string): string {
  const pattern = /^(\s*"version":\s*")[^"]*(")/m;
  if (!pattern.test(text)) throw new Error(`Cannot bump the version: ${file} has no "version" field`);
  return text.replace(pattern, `$1${version}$2`);
}

/** The version, then every file written, or nothing written when any check fails. */
export function bump(root: string, version: string, date: string): string[] {
  if (!SEMVER.test(version)) {
    throw new TypeError(`Cannot bump the version: ${JSON.stringify(version)} is not MAJOR.MINOR.PATCH`);
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new TypeError(`Cannot bump the version: date ${date} is not YYYY-MM-DD`);
  const read = (file: string) => readFileSync(join(root, file), "utf8");
  const pkg = read("package.json");
  const deno = read("deno.json");
  const lock = read("package-lock.json");
  const current = (JSON.parse(pkg) as { version: string }).version;
  const lockJson = JSON.parse(lock) as { version: string; packages: Record<string, { version?: string }> };
  const versions = {
    "package.json": current,
    "deno.json": (JSON.parse(deno) as { version: string }).version,
    "package-lock.json": lockJson.version,
    'package-lock.json packages[""]': lockJson.packages[""]?.version,
  };
  if (Object.values(versions).some((v) => v !== current)) {
    throw new Error(`Cannot bump the version: the files disagree (${JSON.stringify(versions)})`);
  }
  if (compareVersions(version, current) <= 0) {
    throw new RangeError(`Cannot bump the version: ${version} is not above the current ${current}`);
  }
  // Every change computed before any file is written: a refusal leaves all of them as they were.
  // The lock's own version twice: at its top, and as its root package (packages[""]).
  const lockText = setVersion(lock, "package-lock.json", version).replace(
    /("packages":\s*\{\s*"":\s*\{[^{}]*?"version":\s*")[^"]*(")/,
    `$1${version}$2`,
  );
  const writes: Record<string, string> = {
    "package.json": setVersion(pkg, "package.json", version),
    "deno.json": setVersion(deno, "deno.json", version),
    "package-lock.json": lockText,
    "CHANGELOG.md": releaseChangelog(read("CHANGELOG.md"), version, date),
  };
  for (const [file, text] of Object.entries(writes)) writeFileSync(join(root, file), text);
  return Object.keys(writes);
}

// Run as a script (import.meta.main on Deno, Bun and Node 24; the path on Node 22), not imported by the test.
if ((import.meta as { main?: boolean }).main ?? process.argv[1]?.endsWith("bump_version.ts")) {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const at = args.indexOf(name);
    return at === -1 ? undefined : args.splice(at, 2)[1];
  };
  const date = option("--date") ?? new Date().toISOString().slice(0, 10);
  const root = resolve(option("--root") ?? join(import.meta.dirname ?? ".", ".."));
  const [version] = args;
  try {
    if (version === undefined || args.length !== 1) {
      throw new TypeError("Usage: bump_version.ts VERSION [--date YYYY-MM-DD] [--root DIR]");
    }
    const written = bump(root, version, date);
    console.log(`${version} (${date}): wrote ${written.join(", ")}; commit them, then tag v${version}`);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
}
