#!/usr/bin/env bash
# The API reference, generated from the JSDoc of every entry point (deno.json "exports") with `deno doc --html`:
# `bash scripts/api_docs.sh [OUT_DIR]` (default docs/api, which git ignores; open OUT_DIR/index.html). Built, not
# committed: the reference is always the code's.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
out=${1:-docs/api}
mapfile -t entries < <(deno eval 'for (const f of Object.values(JSON.parse(Deno.readTextFileSync("deno.json")).exports)) console.log(f)')
rm -rf "$out"
mkdir -p "$(dirname "$out")"
# -q: without it, deno prints a warning for each file @types/node names by reference.
deno doc --html --name=spawnkit --output="$out" -q "${entries[@]}"
echo "API reference in $out/index.html"
