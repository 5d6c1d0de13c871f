#!/usr/bin/env bash
# Installs the engines the cluster's tests run against, from Debian's packages, when they are missing: nats-server and
# redis-server (their servers only; the tests start each on a free loopback port and stop it by its PID). Quick and
# silent when both are there. Where they cannot be installed (not root, no apt-get, no repository), it says why and
# exits 0: the engine tests then skip with that reason.
set -uo pipefail

have() { command -v "$1" >/dev/null 2>&1 || [[ -x "/usr/sbin/$1" || -x "/usr/bin/$1" ]]; }
missing=()
have nats-server || missing+=(nats-server)
have redis-server || missing+=(redis-server)
((${#missing[@]} == 0)) && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "engines: cannot install ${missing[*]}: no apt-get here; their tests will be skipped"
  exit 0
fi
if [[ $(id -u) != 0 ]]; then
  echo "engines: cannot install ${missing[*]}: apt-get needs root; their tests will be skipped"
  exit 0
fi
echo "engines: installing ${missing[*]} from Debian's packages"
export DEBIAN_FRONTEND=noninteractive
# The package lists may be missing or old on a fresh machine: update once, only when the packages are not found.
if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then apt-get update -qq >/dev/null 2>&1; fi
# Debian starts redis-server as a service on install where it can (not in a container): the tests start their own.
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
  echo "engines: apt-get could not install ${missing[*]}; their tests will be skipped"
fi
exit 0
