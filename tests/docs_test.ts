/**
 * README.md and the guides in docs/ stay alive: every relative link names a
 * file that exists (and a heading that exists, for a link with an anchor);
 * every `ts` code block runs (`deno test --doc`), every `ts ignore` block
 * (a server that runs until stopped, a fragment that needs an engine)
 * type-checks; every `npm run`, `deno task` and repository path a `sh` block
 * names exists; the README stays a landing page of at most 300 lines, whose
 * first server and client are the files in examples/ and answer as shown.
 *
 * @module
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { dirname, join, normalize, resolve } from "node:path";
import { isDeno } from "../src/transport/select.ts";
import { skip, test } from "./_harness.ts";
import { runProgram, runToEnd, startChild } from "./_child.ts";

const PAGES = ["README.md", ...readdirSync("docs").filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
const DENO = resolve("node_modules/.bin/deno");

interface Block {
  page: string;
  line: number;
  info: string;
  code: string;
}

/** The fenced code blocks of a page, with the line each starts on. */
function blocksOf(page: string): Block[] {
  const blocks: Block[] = [];
  let open: Block | undefined;
  readFileSync(page, "utf8").split("\n").forEach((text, index) => {
    if (open === undefined) {
      const fence = /^```(.*)$/.exec(text);
      if (fence !== null) open = { page, line: index + 1, info: fence[1]!.trim(), code: "" };
    } else if (text === "```") {
      blocks.push(open);
      open = undefined;
    } else open.code += `${text}\n`;
  });
  return blocks;
}

/** A page's text outside its code blocks. */
function proseOf(page: string): string {
  return readFileSync(page, "utf8").replace(/^```[^\n]*\n[\s\S]*?^```$/gm, "");
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}_\- ]/gu, "").replace(/ /g, "-");
}

function anchorsOf(page: string): Set<string> {
  return new Set([...proseOf(page).matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
}

test("README is a landing page: at most 300 lines, with the two commands of the quick start", () => {
  const readme = readFileSync("README.md", "utf8");
  const lines = readme.split("\n").length - 1;
  assert.ok(lines <= 300, `README.md has ${lines} lines`);
  assert.match(readme, /^npm install && npm run serve\b/m, "start the example server");
  assert.match(readme, /^npm install && npm test$/m, "run the whole check");
});

test("README and docs/: every relative link names a file that exists, and a heading that exists", () => {
  let checked = 0;
  for (const page of PAGES) {
    for (const [, target] of proseOf(page).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue; // http:, https:, mailto: are not followed here (no network in tests)
      const [path, anchor] = target!.split("#") as [string, string | undefined];
      const file = path === "" ? page : normalize(join(dirname(page), path));
      assert.ok(existsSync(file), `${page}: ${target} names ${file}, which does not exist`);
      if (anchor !== undefined && anchor !== "" && file.endsWith(".md")) {
        assert.ok(anchorsOf(file).has(anchor), `${page}: ${target}: ${file} has no heading #${anchor}`);
      }
      checked++;
    }
  }
  assert.ok(checked > 50, `${checked} links checked`);
});

test("README and docs/: every npm run, deno task and repository file a sh block names exists", () => {
  const scripts = JSON.parse(readFileSync("package.json", "utf8")).scripts as Record<string, string>;
  const tasks = JSON.parse(readFileSync("deno.json", "utf8")).tasks as Record<string, string>;
  for (const block of PAGES.flatMap(blocksOf).filter((b) => b.info === "sh")) {
    const where = `${block.page}:${block.line}`;
    for (const [, name] of block.code.matchAll(/\bnpm run ([\w:-]+)/g)) {
      assert.ok(name! in scripts, `${where}: ${name}`);
    }
    for (const [, name] of block.code.matchAll(/\bdeno task ([\w:-]+)/g)) {
      assert.ok(name! in tasks, `${where}: ${name}`);
    }
    for (const [path] of block.code.matchAll(/\b(?:examples|bench|scripts|tests)\/[\w./-]+\.(?:ts|sh|csv)\b/g)) {
      assert.ok(existsSync(path), `${where}: ${path}`);
    }
  }
});

test("README's first server and first client are examples/hello_server.ts and hello_client.ts, word for word", () => {
  const code = blocksOf("README.md").filter((b) => b.info.startsWith("ts")).map((b) => b.code);
  assert.ok(code.includes(readFileSync("examples/hello_server.ts", "utf8")), "the server");
  assert.ok(code.includes(readFileSync("examples/hello_client.ts", "utf8")), "the client");
});

test("the first server answers the first client as README shows", async () => {
  const server = await startChild("examples/hello_server.ts", ["0"]);
  try {
    const client = await runToEnd("examples/hello_client.ts", [String(server.port)]);
    assert.equal(client.code, 0, client.stderr);
    assert.equal(client.stdout, "HELLO\n");
  } finally {
    server.kill("SIGTERM");
    await server.exited;
  }
});

const RUN = "README and docs/: every ts code block runs (deno test --doc)";
const CHECK = "README and docs/: every ts ignore code block type-checks (deno check, the repository's import map)";
if (!isDeno()) {
  skip(RUN, "runs deno test --doc; runs in the Deno suite");
  skip(CHECK, "runs deno check; runs in the Deno suite");
} else {
  test(RUN, async () => {
    const ran = await runProgram(DENO, ["test", "-A", "--doc", ...PAGES], { NO_COLOR: "1" });
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    assert.match(ran.stdout, /ok \| [1-9]\d* passed/);
  });

  test(CHECK, async () => {
    const blocks = PAGES.flatMap(blocksOf).filter((b) => /^ts\b.*\bignore\b/.test(b.info));
    assert.ok(blocks.length > 0);
    // Inside the repository, so that a block's packages resolve from its node_modules as a user's would from theirs.
    const dir = await mkdtemp(".docs-blocks-");
    try {
      const files: string[] = [];
      for (const block of blocks) {
        const file = join(dir, `${block.page.replace(/\W/g, "_")}_${block.line}.ts`);
        // Each block is a module of its own (its top-level names do not meet another block's).
        await writeFile(file, `${block.code}\nexport {};\n`);
        files.push(file);
      }
      const checked = await runProgram(DENO, ["check", "--config", "deno.json", ...files], { NO_COLOR: "1" });
      assert.equal(checked.code, 0, checked.stdout + checked.stderr);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
