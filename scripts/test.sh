#!/usr/bin/env bash
# The whole check: format, lint, types (Deno and tsc), doc examples, both
# publish dry runs, and the test suite on every runtime. Runs from npm
# (`npm test`), so node_modules/.bin has deno, bun, tsc and tsx. Every step
# runs even after one fails; the exit code says whether any did.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
log=$(mktemp)
trap 'rm -f "$log" "$log".*' EXIT
failed_checks=()
failed_suites=()

step() { printf '\n== %s\n' "$1"; }
slug() { echo "$1" | tr -c 'a-z0-9' '_'; }
# A check or a test run, its output kept in a file of its own (lanes run side by side) and its status beside it.
run() {
  local out="$log.$(slug "$1")" started=$SECONDS rc=0
  "${@:2}" >"$out" 2>&1 || rc=$?
  echo "$rc" >"$out.rc"
  # A line as each run ends, so that a long check shows it is moving; the whole output follows at the end.
  printf '%s: %s (%d s)\n' "$([[ $rc == 0 ]] && echo done || echo FAILED)" "$1" $((SECONDS - started))
}
# Prints a run's output under its heading, in the order the runs are listed, and notes how it ended.
report() {
  local kind=$1 name=$2 out="$log.$(slug "$2")"
  step "$name"
  cat "$out"
  if [[ $kind == suite ]]; then
    counted["$name"]=$out
    registered["$name"]=$(registered_in "$out")
  fi
  if [[ "$(cat "$out.rc")" != 0 ]]; then
    if [[ $kind == check ]]; then failed_checks+=("$name"); else failed_suites+=("$name"); fi
  fi
}
# How many tests a run reported, whatever their result: deno "N passed | N failed | N ignored", bun "Ran N tests",
# node "ℹ tests N" ("# tests N" in TAP). Every runner registers the same tests (a skip is a test too), so a runner that
# reports fewer lost results: node's --test-force-exit can drop the last ones of a file and still exit 0.
registered_in() {
  local deno bun node
  deno=$(grep -aoE '[0-9]+ passed( \([0-9]+ steps?\))? \| [0-9]+ failed( \([0-9]+ steps?\))? \| [0-9]+ ignored' "$1" |
    tail -1 | grep -oE '[0-9]+ (passed|failed|ignored)' | awk '{s += $1} END {print s + 0}')
  bun=$(grep -aoE '^Ran [0-9]+ tests' "$1" | grep -oE '[0-9]+' | tail -1)
  node=$(grep -aoE '^(ℹ|#) tests [0-9]+$' "$1" | grep -oE '[0-9]+' | tail -1)
  echo "${bun:-${node:-${deno:-0}}}"
}
declare -A registered=()
# The output each suite's figures are read from, by suite (a suite run again replaces its first run).
declare -A counted=()

# The engines the cluster's tests run against (NATS, Redis): installed from Debian when missing, before either lane.
bash scripts/engines.sh
CHECKS=("deno fmt --check" "deno lint" "deno check" "tsc --noEmit (Node)" "deno doc --lint" "deno publish --dry-run"
  "npm pack --dry-run" "publint" "attw")
SUITES=("deno test (doc examples)" "deno test" "bun test" "node 24 --test" "node 22 --test")
node_suite() {
  # Node's supported LTS lines, installed from npm as node22 and node24 (package.json). The tsx loader runs the .ts
  # files; --test-force-exit: a failed test that leaves a socket open must not hang.
  run "${2:-node $1 --test}" "node_modules/node$1/bin/node" --import tsx --test --test-force-exit \
    --test-reporter=spec tests/*_test.ts
}
# Two lanes side by side: most of a suite's time is spent waiting (ticks, quiet periods, child processes starting), so
# on two cores the wall time is about the longer lane's, not the sum. Each lane runs its part in order.
(
  run "deno test (doc examples)" deno test -A --doc mod.ts src/
  # --no-check: "deno check" covers tests/; and deno test would type-check again every worker thread's module graph
  # as the thread starts (1.7 s a worker here, against 0.2 s).
  run "deno test" deno test -A --no-check tests/
  node_suite 24
) &
lane=$!
run "deno fmt --check" deno fmt --check
run "deno lint" deno lint
run "deno check" deno check mod.ts src/ examples/ tests/ bench/ scripts/build.ts
run "tsc --noEmit (Node)" tsc -p tsconfig.json
# The public API's docs: every export of every entry point (deno.json "exports") documented, no exported type that refers
# to a private one. -q: without it, deno prints a warning for each file @types/node names by reference; errors still print.
mapfile -t entries < <(deno eval 'for (const f of Object.values(JSON.parse(Deno.readTextFileSync("deno.json")).exports)) console.log(f)')
run "deno doc --lint" deno doc --lint -q "${entries[@]}"
# Offline-safe: a dry run that needed the registry would fail at the timeout, not hang.
run "deno publish --dry-run" timeout 120 deno publish --dry-run --allow-dirty
run "npm pack --dry-run" npm pack --dry-run
# The tarball as published: its package.json fields (publint) and every export's types under Node's rules (attw).
run "publint" bash scripts/check_package.sh publint
run "attw" bash scripts/check_package.sh attw
run "bun test" bun test tests/
node_suite 22
wait "$lane" || true
for name in "${CHECKS[@]}"; do report check "$name"; done
for name in "${SUITES[@]}"; do report suite "$name"; done

# A Node run that passed but reported fewer tests than Deno's lost results (--test-force-exit can drop the last ones of
# a file and still exit 0: nodejs/node#64833). It runs once more, said so here; the second run must be complete and
# green, and its figures replace the first's. A run that failed is never run again: its failure stands. Bun's count is
# checked below without a second chance: it has never lost one.
for line in 24 22; do
  name="node $line --test"
  out="$log.$(slug "$name")"
  if [[ -n "${registered[$name]:-}" && "${registered[$name]}" != "${registered["deno test"]:-}" &&
    "$(cat "$out.rc")" == 0 ]]; then
    echo "$name reported ${registered[$name]} tests, deno test ${registered["deno test"]:-none}: results were lost;" \
      "running it again"
    node_suite "$line" "$name (again)"
    report suite "$name (again)"
    counted["$name"]=${counted["$name (again)"]}
    unset 'counted["$name (again)"]'
    registered["$name"]=${registered["$name (again)"]}
  fi
done
cat "${counted[@]}" >"$log"

# One closing line over every runner: deno prints "N passed | N failed | N ignored",
# bun " N pass" / " N fail" / " N skip", node "ℹ pass N" / "ℹ fail N" / "ℹ skipped N" ("# pass N" in TAP).
# The first number of each match of $1, summed.
sum() { grep -aoE "$1" "$log" | sed -E 's/^[^0-9]*([0-9]+).*/\1/' | awk '{s += $1} END {print s + 0}'; }
passed=$(($(sum '[0-9]+ passed( \([0-9]+ steps?\))? \|') + $(sum '^ *[0-9]+ pass$') + $(sum '^(ℹ|#) pass [0-9]+$')))
failed=$(($(sum '\| [0-9]+ failed') + $(sum '^ *[0-9]+ fail$') + $(sum '^(ℹ|#) fail [0-9]+$')))
skipped=$(($(sum '\| [0-9]+ ignored') + $(sum '^ *[0-9]+ skip$') + $(sum '^(ℹ|#) skipped [0-9]+$')))
echo
for name in "bun test" "node 24 --test" "node 22 --test"; do
  if [[ -n "${registered[$name]:-}" && "${registered[$name]}" != "${registered["deno test"]:-}" ]]; then
    echo "$name reported ${registered[$name]} tests, deno test ${registered["deno test"]:-none}: results were lost"
    failed_checks+=("$name: every test reported")
  fi
done
# A check that failed counts as one failure; so does a runner that failed without counting any (a type error).
failed=$((failed + ${#failed_checks[@]}))
((failed > 0 || ${#failed_suites[@]} == 0)) || failed=${#failed_suites[@]}
for name in "${failed_checks[@]}" "${failed_suites[@]}"; do echo "failed: $name"; done
echo "$passed passed, $failed failed, $skipped skipped"
((${#failed_checks[@]} + ${#failed_suites[@]} == 0))
