#!/usr/bin/env bash
# deno compile of the example echo server into one executable:
#
#   bash scripts/deno_compile.sh [OUT]     (default dist/echo_server_deno; `deno task compile`)
#   bash scripts/deno_compile.sh --check   only say whether deno compile can work here
#
# deno compile downloads its runtime base binary (denort) from Deno's download
# server. Where that server cannot be reached, this script says so within a few
# seconds and exits 3, rather than letting deno compile fail late or hang.
# DENORT_BIN (a denort binary of the same version) skips the download.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

check_only=false
if [[ "${1:-}" == "--check" ]]; then
  check_only=true
  shift
fi
out=${1:-dist/echo_server_deno}

if [[ -n "${DENORT_BIN:-}" ]]; then
  [[ -x "$DENORT_BIN" ]] || { echo "deno compile: DENORT_BIN=$DENORT_BIN is not an executable" >&2; exit 3; }
else
  # The same address deno compile asks, for this deno's version and target.
  probe='
    const url = `https://dl.deno.land/release/v${Deno.version.deno}/denort-${Deno.build.target}.zip`;
    try {
      const response = await fetch(url, { method: "HEAD", signal: AbortSignal.timeout(5000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
    } catch (error) {
      let root = error;
      while (root?.cause !== undefined) root = root.cause;
      console.log(`${url}: ${root?.message ?? root}`);
      Deno.exit(1);
    }'
  if ! reason=$(timeout 10 deno eval --quiet "$probe" 2>&1); then
    echo "deno compile: cannot reach Deno's download server for the runtime base binary (${reason:-no answer in 10 s})." >&2
    echo "deno compile: it needs that server, or DENORT_BIN set to a denort binary of the same version." >&2
    exit 3
  fi
fi
$check_only && { echo "deno compile: can download its runtime base binary"; exit 0; }
mkdir -p "$(dirname "$out")"
deno compile -A --output "$out" examples/echo_server.ts
