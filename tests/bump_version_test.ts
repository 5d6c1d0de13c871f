import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bump, compareVersions, releaseChangelog } from "../scripts/bump_version.ts";
import { test } from "./_harness.ts";
import { runToEnd } from "./_child.ts";

const FILES = ["package.json", "deno.json", "package-lock.json", "CHANGELOG.md"];

/** A copy of the repository's four versioned files, in a folder of its own. */
/**
 * The version files in a folder of their own, with a change under `## Unreleased` whatever the repository's holds
 * (right after a release it holds none): the tests never depend on where the repository is in its cycle.
 */
function copyOfRepository(): string {
  const dir = mkdtempSync(join(tmpdir(), "spawnkit-bump-"));
  for (const file of FILES) copyFileSync(file, join(dir, file));
  const changelog = join(dir, "CHANGELOG.md");
  const text = readFileSync(changelog, "utf8");
  const body = text.indexOf("## Unreleased\n") + "## Unreleased\n".length;
  const unreleased = text.slice(body, text.indexOf("\n## ", body) + 1);
  if (!/^- /m.test(unreleased)) {
    writeFileSync(changelog, `${text.slice(0, body)}\n### Added\n\n- A change of the test's own.\n${text.slice(body)}`);
  }
  return dir;
}

const versionOf = (dir: string, file: string) => JSON.parse(readFileSync(join(dir, file), "utf8")).version as string;

test("the repository's versions agree: package.json, deno.json, package-lock.json and a CHANGELOG section", () => {
  const version = versionOf(".", "package.json");
  assert.equal(versionOf(".", "deno.json"), version);
  const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
  assert.equal(lock.version, version);
  assert.equal(lock.packages[""].version, version);
  const changelog = readFileSync("CHANGELOG.md", "utf8");
  assert.match(changelog, /^## Unreleased$/m);
  assert.ok(changelog.includes(`\n## ${version} - `), `CHANGELOG.md has a section for ${version}`);
  assert.ok(changelog.indexOf("## Unreleased") < changelog.indexOf(`## ${version} - `), "Unreleased on top");
});

test("bump_version sets every file's version and turns Unreleased into the version, under a new empty one", () => {
  const dir = copyOfRepository();
  try {
    const before = readFileSync(join(dir, "CHANGELOG.md"), "utf8");
    const body = before.indexOf("## Unreleased\n") + "## Unreleased\n".length;
    const unreleased = before.slice(body, before.indexOf("\n## ", body) + 1);
    assert.match(unreleased, /^- /m, "the copy's Unreleased lists changes");
    assert.deepEqual(bump(dir, "99.0.0", "2030-01-02"), FILES);
    for (const file of ["package.json", "deno.json", "package-lock.json"]) assert.equal(versionOf(dir, file), "99.0.0");
    assert.equal(JSON.parse(readFileSync(join(dir, "package-lock.json"), "utf8")).packages[""].version, "99.0.0");
    const after = readFileSync(join(dir, "CHANGELOG.md"), "utf8");
    assert.ok(after.includes(`## Unreleased\n\n## 99.0.0 - 2030-01-02\n${unreleased}`), "the entries moved whole");
    assert.equal(after.replace("## Unreleased\n\n## 99.0.0 - 2030-01-02\n", "## Unreleased\n"), before);
    // Nothing else in the JSON files changed.
    const original = JSON.parse(readFileSync("package.json", "utf8"));
    assert.deepEqual(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")), { ...original, version: "99.0.0" });
    // Now Unreleased is empty: a second bump has nothing to release, and writes nothing.
    assert.throws(() => bump(dir, "99.0.1", "2030-01-03"), /Unreleased section lists no change/);
    assert.equal(versionOf(dir, "package.json"), "99.0.0");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bump_version refuses a bad version, one not above the current, and files that disagree, writing nothing", () => {
  const dir = copyOfRepository();
  const changelogBefore = readFileSync(join(dir, "CHANGELOG.md"), "utf8");
  try {
    const current = versionOf(dir, "package.json");
    assert.throws(() => bump(dir, "1.2", "2030-01-02"), TypeError);
    assert.throws(() => bump(dir, "v1.2.3", "2030-01-02"), TypeError);
    assert.throws(() => bump(dir, "99.0.0", "2 Jan 2030"), TypeError);
    assert.throws(() => bump(dir, current, "2030-01-02"), RangeError);
    assert.throws(() => bump(dir, "0.0.1", "2030-01-02"), /not above the current/);
    const deno = JSON.parse(readFileSync(join(dir, "deno.json"), "utf8"));
    writeFileSync(join(dir, "deno.json"), JSON.stringify({ ...deno, version: "9.9.9" }));
    assert.throws(() => bump(dir, "99.0.0", "2030-01-02"), /the files disagree/);
    assert.equal(versionOf(dir, "package.json"), current, "package.json untouched");
    assert.equal(readFileSync(join(dir, "CHANGELOG.md"), "utf8"), changelogBefore, "CHANGELOG.md untouched");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("compareVersions and releaseChangelog: pre-releases below their release; no Unreleased, no release", () => {
  assert.equal(compareVersions("0.2.0", "0.1.9"), 1);
  assert.equal(compareVersions("1.0.0-pre.1", "1.0.0"), -1);
  assert.equal(compareVersions("1.0.0", "1.0.0"), 0);
  assert.equal(compareVersions("0.10.0", "0.9.0"), 1, "numbers, not text");
  assert.throws(() => releaseChangelog("# Changelog\n\n## 0.1.0\n- a\n", "0.2.0", "2030-01-02"), /no '## Unreleased'/);
  assert.equal(
    releaseChangelog("# C\n\n## Unreleased\n\n- a\n\n## 0.1.0 - 2020-01-01\n\n- b\n", "0.2.0", "2030-01-02"),
    "# C\n\n## Unreleased\n\n## 0.2.0 - 2030-01-02\n\n- a\n\n## 0.1.0 - 2020-01-01\n\n- b\n",
  );
});

test("bump_version as a script: usage errors exit 2 with one line", async () => {
  const { code, stderr } = await runToEnd("scripts/bump_version.ts", []);
  assert.equal(code, 2);
  assert.match(stderr, /^Usage: bump_version\.ts VERSION/);
  const dir = copyOfRepository();
  try {
    const ran = await runToEnd("scripts/bump_version.ts", ["99.1.0", "--date", "2030-02-03", "--root", dir]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(
      ran.stdout,
      /^99\.1\.0 \(2030-02-03\): wrote package\.json, deno\.json, package-lock\.json, CHANGELOG\.md/,
    );
    assert.equal(versionOf(dir, "deno.json"), "99.1.0");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
