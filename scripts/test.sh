#!/usr/bin/env bash
# The whole check: format, lint, types, doc examples, and the test suite on
# every runtime. Runs from npm (`npm test`), so node_modules/.bin has deno and bun.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

step() { printf '\n== %s\n' "$*"; }

step "deno fmt --check"; deno fmt --check
step "deno lint"; deno lint
step "deno check"; deno check mod.ts src/ examples/ tests/
step "deno test (doc examples)"; deno test -A --doc mod.ts src/ 2>&1 | tee -a "$log"
step "deno test"; deno test -A tests/ 2>&1 | tee -a "$log"
step "bun test"; bun test tests/ 2>&1 | tee -a "$log"

# One closing line over every runner: deno prints "N passed | N failed", bun " N pass" / " N fail".
passed=$(grep -aoE '[0-9]+ passed \|' "$log" | awk '{s += $1} END {print s + 0}')
failed=$(grep -aoE '\| [0-9]+ failed' "$log" | awk '{s += $2} END {print s + 0}')
passed=$((passed + $(grep -aE '^ *[0-9]+ pass$' "$log" | awk '{s += $1} END {print s + 0}')))
failed=$((failed + $(grep -aE '^ *[0-9]+ fail$' "$log" | awk '{s += $1} END {print s + 0}')))
echo
echo "$passed passed, $failed failed"
