#!/usr/bin/env bash
# The whole check: the engines, format, lint, types (Deno and tsc), doc examples, both publish dry runs, and the test
# suite on every runtime. Runs from npm (`npm test`), so node_modules/.bin has deno, bun, tsc and tsx. Every step runs
# even after one fails; the exit code says whether any did.
#
# How the suites are judged (scripts/junit_check.ts reads each runner's JUnit report, never its text):
# 1. Deno's suite is the reference: bun, node 24 and node 22 must register exactly its test names, each as many times
#    (a skip is a test too). A name missing from a runner, or one Deno lacks, counts as a failed test.
# 2. A test that failed on any runner fails the run, and so does a runner that exited non-zero with no failed test
#    in its report (a crash between tests, a leak) or that left no report.
# 3. Deno's suite registers at least TEST_FLOOR tests: a suite that suddenly registers far fewer (a file that no
#    longer loads, a runner that stopped early) fails.
# 4. Node's --test-force-exit can drop the last results of a file and still exit 0 (nodejs/node#64833). A Node run
#    whose report lacks some of Deno's names runs the files that lost them once more (bun's report names each test's
#    file), and the two reports are merged test by test: a failure seen in either stands, a result lost from the
#    first is taken from the second, and a test missing from both is failed by rule 1.
# 5. A check (format, lint, types, docs, packing, the engines) that fails counts as one failed test.
# 6. CI=true: a missing engine (nats-server, redis-server, erl) is a failure, not a skip: scripts/engines.sh fails,
#    and the engine tests fail rather than skip (tests/_engines.ts).
# The closing line, alone on its line: "N passed, N failed, N skipped" over every runner.
#
# Build outputs: the two lanes never build into one place at once. dist/ is written only by npm pack's prepack, run
# in the Deno lane before tests/package_test.ts (which packs again in the same lane); the bundle and compile tests
# build into their own temporary folders; bench/.build/load is built to a temporary name and renamed into place.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
# Deno's suite registered 474 tests when this floor was set: a little below, so that removing a few on purpose is
# not a failure, while a file that stops loading (or a runner that stops early) is.
TEST_FLOOR=450
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
failed_checks=()

step() { printf '\n== %s\n' "$1"; }
slug() { echo "$1" | tr -c 'a-z0-9' '_'; }
# A check or a test run, its output kept in a file of its own (lanes run side by side) and its status beside it.
run() {
  local out="$log/$(slug "$1")" started=$SECONDS rc=0
  "${@:2}" >"$out" 2>&1 || rc=$?
  echo "$rc" >"$out.rc"
  # A line as each run ends, so that a long check shows it is moving; the whole output follows at the end.
  printf '%s: %s (%d s)\n' "$([[ $rc == 0 ]] && echo done || echo FAILED)" "$1" $((SECONDS - started))
}
# Prints a run's output under its heading, in the order the runs are listed; a check that failed is counted.
report() {
  local kind=$1 name=$2 out="$log/$(slug "$2")"
  step "$name"
  cat "$out"
  if [[ $kind == check && "$(cat "$out.rc")" != 0 ]]; then failed_checks+=("$name"); fi
}
# A suite's JUnit report, by suite name.
xml() { echo "$log/$(slug "$1").xml"; }
# "NAME=RC:REPORT" for junit_check.ts summary.
judged() { echo "$1=$(cat "$log/$(slug "$1").rc"):$(xml "$1")"; }

# The engines the cluster's tests run against (NATS, Redis, Erlang): installed from Debian when missing, before either
# lane. A check: under CI=true a missing engine fails it.
run "engines" bash scripts/engines.sh
CHECKS=("engines" "deno fmt --check" "deno lint" "deno check" "tsc --noEmit (Node)" "deno doc --lint"
  "deno publish --dry-run" "npm pack --dry-run" "publint" "attw")
SUITES=("deno test (doc examples)" "deno test" "bun test" "node 24 --test" "node 22 --test")
node_suite() {
  # Node's supported LTS lines, installed from npm as node22 and node24 (package.json). The tsx loader runs the .ts
  # files; --test-force-exit: a failed test that leaves a socket open must not hang. The spec reporter for people, the
  # JUnit one for junit_check.ts.
  local name=$1 line=$2
  shift 2
  run "$name" "node_modules/node$line/bin/node" --import tsx --test --test-force-exit \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=junit --test-reporter-destination="$(xml "$name")" "$@"
}
# Two lanes side by side: most of a suite's time is spent waiting (ticks, quiet periods, child processes starting), so
# on two cores the wall time is about the longer lane's, not the sum. Each lane runs its part in order.
(
  run "deno test (doc examples)" deno test -A --doc --junit-path="$(xml "deno test (doc examples)")" mod.ts src/
  # Writes dist/ (prepack): in this lane, so never at the same time as package_test.ts's own pack.
  run "npm pack --dry-run" npm pack --dry-run
  # --no-check: "deno check" covers tests/; and deno test would type-check again every worker thread's module graph
  # as the thread starts (1.7 s a worker here, against 0.2 s).
  run "deno test" deno test -A --no-check --junit-path="$(xml "deno test")" tests/
  node_suite "node 24 --test" 24 tests/*_test.ts
) &
lane=$!
run "deno fmt --check" deno fmt --check
run "deno lint" deno lint
run "deno check" deno check mod.ts src/ examples/ tests/ bench/ scripts/build.ts scripts/junit_check.ts
run "tsc --noEmit (Node)" tsc -p tsconfig.json
# The public API's docs: every export of every entry point (deno.json "exports") documented, no exported type that refers
# to a private one. -q: without it, deno prints a warning for each file @types/node names by reference; errors still print.
mapfile -t entries < <(deno eval 'for (const f of Object.values(JSON.parse(Deno.readTextFileSync("deno.json")).exports)) console.log(f)')
run "deno doc --lint" deno doc --lint -q "${entries[@]}"
# Offline-safe: a dry run that needed the registry would fail at the timeout, not hang.
run "deno publish --dry-run" timeout 120 deno publish --dry-run --allow-dirty
# The tarball as published: its package.json fields (publint) and every export's types under Node's rules (attw).
run "publint" bash scripts/check_package.sh publint
run "attw" bash scripts/check_package.sh attw
run "bun test" bun test --reporter=junit --reporter-outfile="$(xml "bun test")" tests/
node_suite "node 22 --test" 22 tests/*_test.ts
wait "$lane" || true
for name in "${CHECKS[@]}"; do report check "$name"; done
for name in "${SUITES[@]}"; do report suite "$name"; done

# Rule 4: a Node run that lost results runs the files that lost them once more; both reports are judged together.
node_runs=()
for line in 24 22; do
  name="node $line --test"
  runs=$(judged "$name")
  files=$(bun scripts/junit_check.ts lost "$(xml "deno test")" "$(xml "bun test")" "$(xml "$name")") || files="tests/*_test.ts"
  if [[ -n "$files" ]]; then
    echo
    echo "$name did not report every test deno test did: running $files again; the two reports are merged"
    # shellcheck disable=SC2086 # one word per file
    node_suite "$name (again)" "$line" $files
    report suite "$name (again)"
    runs+="+$(cat "$log/$(slug "$name (again)").rc"):$(xml "$name (again)")"
  fi
  node_runs+=("$runs")
done

echo
for name in "${failed_checks[@]}"; do echo "failed: $name"; done
bun scripts/junit_check.ts summary --floor "$TEST_FLOOR" --failed-checks "${#failed_checks[@]}" --reference "deno test" \
  --compare "bun test" --compare "node 24 --test" --compare "node 22 --test" \
  "$(judged "deno test (doc examples)")" "$(judged "deno test")" "$(judged "bun test")" "${node_runs[@]}"
