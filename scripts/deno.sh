#!/usr/bin/env bash
# Runs Deno for `deno task`: Deno's task runner mistakes the npm-installed
# node_modules/.bin/deno (a native binary) for a JS bin script, so each task
# calls this script, and bash runs whichever deno comes first on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
exec deno "$@"
