#!/usr/bin/env bash
# `deno task bench`: runs bench/run.ts on Deno. Deno's task runner mistakes the
# npm-installed node_modules/.bin/deno (a native binary) for a JS bin script, so
# the task calls this script, which calls the binary by its path.
set -euo pipefail
cd "$(dirname "$0")/.."
deno=node_modules/.bin/deno
[ -x "$deno" ] || deno=deno
exec "$deno" run -A bench/run.ts "$@"
