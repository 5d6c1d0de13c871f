#!/usr/bin/env bash
# Lints the npm package as it would be published: `bash scripts/check_package.sh publint|attw`.
#   publint  the package.json fields against the tarball's files (strict: a warning fails)
#   attw     "Are the types wrong?": every export's types resolve under TypeScript's node16 and bundler rules
#            (ESM only: the edges that load a package use top-level await, which require() cannot load)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$root/node_modules/.bin:$PATH"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
tarball=$(bash "$root/scripts/pack.sh" "$out")
case "${1:-}" in
publint) publint run --strict "$tarball" ;;
attw) attw --profile esm-only --no-emoji --no-color "$tarball" ;;
*)
  echo "usage: scripts/check_package.sh publint|attw" >&2
  exit 2
  ;;
esac
