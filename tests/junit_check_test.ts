/**
 * scripts/junit_check.ts, the judge of `npm test`: it reads each runner's
 * JUnit report as that runner writes it, and merges a rerun without letting
 * it hide a failure.
 *
 * @module
 */
import assert from "node:assert/strict";
import { merge, missingFrom, parseJunit } from "../scripts/junit_check.ts";
import { test } from "./_harness.ts";

// Cut from real reports: deno test --junit-path, bun test --reporter=junit, node --test-reporter=junit.
const DENO = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="deno test" tests="3" failures="1" errors="0" time="0.012">
    <testsuite name="./tests/_harness.ts" tests="3" disabled="1" errors="0" failures="1">
        <testcase name="a passes" classname="./tests/_harness.ts" time="0.001" line="42" col="34">
        </testcase>
        <testcase name="b fails &lt;&amp;&quot;&apos;&gt;" classname="./tests/_harness.ts" time="0.003">
            <failure message="Uncaught AssertionError">AssertionError: 1 !== 2</failure>
        </testcase>
        <testcase name="c skipped" classname="./tests/_harness.ts" time="0.000" line="43" col="28">
            <skipped/>
        </testcase>
    </testsuite>
</testsuites>
`;
const BUN = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="bun test" tests="3" assertions="0" failures="1" skipped="1" time="0.018">
  <testsuite name="tests/zz_test.ts" file="tests/zz_test.ts" tests="3" failures="1" skipped="1" time="0.014">
    <testcase name="a passes" classname="" time="0.000004" file="tests/zz_test.ts" line="3" assertions="0" />
    <testcase name="b fails &lt;&amp;&quot;&apos;&gt;" classname="" time="0.0099" file="tests/zz_test.ts" line="4">
      <failure type="AssertionError" message="1 !== 2">AssertionError: 1 !== 2&#10;</failure>
    </testcase>
    <testcase name="c skipped" classname="" time="0" file="tests/zz_test.ts" line="75" assertions="0">
      <skipped />
    </testcase>
  </testsuite>
</testsuites>
`;
// Node leaves ">" raw in an attribute and writes a quote as "&amp;quot;".
const NODE = `<?xml version="1.0" encoding="utf-8"?>
<testsuites>
	<testcase name="a passes" time="0.000746" classname="test" file="/repo/tests/_harness.ts"/>
	<testcase name="b fails &lt;&amp;&amp;quot;'>" time="0.0014" classname="test" file="/repo/tests/_harness.ts" failure="1 !== 2">
		<failure type="testCodeFailure" message="1 !== 2">
[Error [ERR_TEST_FAILURE]: 1 !== 2] at TestContext.&lt;anonymous> (/repo/tests/zz_test.ts:4:39)
		</failure>
	</testcase>
	<testcase name="c skipped" time="0.000106" classname="test" file="/repo/tests/_harness.ts">
		<skipped type="skipped" message="because"/>
	</testcase>
	<!-- tests 3 -->
</testsuites>
`;

test("parseJunit reads the same names and outcomes from deno's, bun's and node's reports", () => {
  const expected = [
    { name: "a passes", outcome: "pass" },
    { name: `b fails <&"'>`, outcome: "fail" },
    { name: "c skipped", outcome: "skip" },
  ];
  for (const xml of [DENO, BUN, NODE]) {
    assert.deepEqual(parseJunit(xml).map(({ name, outcome }) => ({ name, outcome })), expected);
  }
  assert.deepEqual(parseJunit(BUN).map(({ file }) => file), [
    "tests/zz_test.ts",
    "tests/zz_test.ts",
    "tests/zz_test.ts",
  ]);
});

test("merge keeps a failure seen in either report, takes a lost result from the other, and misses what both lost", () => {
  const first = [
    { name: "x", outcome: "fail", file: undefined },
    { name: "y", outcome: "pass", file: undefined },
  ] as const;
  const again = [
    { name: "x", outcome: "pass", file: undefined },
    { name: "z", outcome: "pass", file: undefined },
  ] as const;
  const merged = merge([[...first], [...again]]);
  assert.deepEqual([...merged].sort(), [["x", ["fail"]], ["y", ["pass"]], ["z", ["pass"]]]);
  const reference = merge([[
    ...first,
    { name: "z", outcome: "pass", file: undefined },
    { name: "w", outcome: "pass", file: undefined },
  ]]);
  assert.deepEqual(missingFrom(reference, merged), ["w"], "lost from both: missing");
  assert.deepEqual(missingFrom(merged, reference), []);
});

test("missingFrom counts a name registered twice by one runner and once by another", () => {
  const twice = merge([[{ name: "t", outcome: "pass", file: undefined }, {
    name: "t",
    outcome: "skip",
    file: undefined,
  }]]);
  const once = merge([[{ name: "t", outcome: "pass", file: undefined }]]);
  assert.deepEqual(missingFrom(twice, once), ["t"]);
  assert.deepEqual(missingFrom(once, twice), []);
});
