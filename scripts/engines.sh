#!/usr/bin/env bash
# Installs the engines the tests run against, from Debian's packages, when they are missing: nats-server and
# redis-server for the cluster's tests (their servers only; the tests start each on a loopback port of its own and stop
# it by its PID), erlang-base (erl) for the tests against an Erlang gen_tcp server, and chromium for the gateway's web
# page, driven headless by puppeteer-core (which downloads no browser). Quick and silent when all are
# there.
#
# Where one cannot be installed (not root, no apt-get, no repository), it says why. Outside CI it then exits 0 and
# the tests of that engine skip with the reason. In CI (CI=true) it exits 1: a missing engine is a failure there, and
# the engine tests themselves fail rather than skip (tests/_engines.ts).
set -uo pipefail

have() { command -v "$1" >/dev/null 2>&1 || [[ -x "/usr/sbin/$1" || -x "/usr/bin/$1" ]]; }
# Each program and the Debian package that brings it.
declare -A PACKAGE=([nats-server]=nats-server [redis-server]=redis-server [erl]=erlang-base [chromium]=chromium)
missing=()
for program in nats-server redis-server erl chromium; do have "$program" || missing+=("${PACKAGE[$program]}"); done
((${#missing[@]} == 0)) && exit 0

# The end when something stays missing: a failure in CI, a skip elsewhere.
give_up() {
  if [[ "${CI:-}" == true ]]; then
    echo "engines: cannot install ${missing[*]}: $1; CI=true, so this fails the check"
    exit 1
  fi
  echo "engines: cannot install ${missing[*]}: $1; their tests will be skipped"
  exit 0
}
command -v apt-get >/dev/null 2>&1 || give_up "no apt-get here"
[[ $(id -u) == 0 ]] || give_up "apt-get needs root"
echo "engines: installing ${missing[*]} from Debian's packages"
export DEBIAN_FRONTEND=noninteractive
# The package lists may be missing or old on a fresh machine: update once, only when the packages are not found.
if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then apt-get update -qq >/dev/null 2>&1; fi
# Debian starts redis-server as a service on install where it can (not in a container): the tests start their own.
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || give_up "apt-get install failed"
still=()
for program in nats-server redis-server erl chromium; do have "$program" || still+=("$program"); done
((${#still[@]} == 0)) || give_up "${still[*]} still not found after apt-get install"
exit 0
