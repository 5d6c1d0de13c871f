#!/usr/bin/env bash
# Packs the npm tarball into OUT_DIR and prints its path: `bash scripts/pack.sh OUT_DIR`. It packs a copy of what the
# package is built from (prepack builds dist/ there), so that packs running side by side, as in `npm test`, never
# share a dist/ folder, and the repository's own dist/ is left as it was.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(cd "${1:?usage: scripts/pack.sh OUT_DIR}" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -r "$root"/{package.json,deno.json,README.md,CHANGELOG.md,LICENSE,mod.ts,src,tsconfig.json,tsconfig.build.json} \
  "$stage"/
mkdir "$stage/scripts"
cp "$root/scripts/build.ts" "$root/scripts/build_browser.ts" "$root/scripts/globals.d.ts" "$stage/scripts/"
ln -s "$root/node_modules" "$stage/node_modules"
# npm prints the prepack's output, then the tarball's name last.
name=$(cd "$stage" && PATH="$root/node_modules/.bin:$PATH" npm pack --loglevel warn --pack-destination "$out" | tail -1)
echo "$out/$name"
