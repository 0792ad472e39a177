#!/usr/bin/env bash
# What `npm start` and `npm test` run on a machine that has only Node (any version ≥ 18) and npm:
#   1. for `test` only: the Debian packages the suites run as real servers (redis-server, pgbouncer, haproxy,
#      memcached, chromium), installed with apt-get when one of their binaries is missing;
#   2. pnpm 12.4.2 (the repo's packageManager), installed with npm when `pnpm -v` differs;
#   3. `pnpm install --frozen-lockfile`, which also brings Node 24 (the `node` npm package) into
#      node_modules/.bin/node, since the code runs as TypeScript under Node 24's type stripping;
#   4. the command itself, with that Node 24.
# Usage: bash scripts/bootstrap.sh start|test|migrate [args...]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PNPM_VERSION=12.4.2
say() { printf '[bootstrap] %s\n' "$*"; }

# V8 flags of the product's processes (scripts/lib/node-flags.ts says why); tests run as they are.
node_flags=()
case "${1:-}" in
  start) entry=scripts/start.ts; node_flags=(--max-semi-space-size=16) ;;
  test) entry=test/run.ts ;;
  migrate) entry=scripts/migrate.ts ;;
  topology) entry=scripts/topology.ts ;;
  *) echo "usage: bash scripts/bootstrap.sh start|test|migrate|topology [args...]" >&2; exit 2 ;;
esac
shift

# The suites talk to real servers (see the house style); these don't come from npm. Each entry is
# `binary:package`. Nothing runs when every binary is there, so this costs nothing after the first time.
TEST_SYSTEM_PACKAGES="redis-server:redis-server memcached:memcached chromium:chromium pgbouncer:pgbouncer haproxy:haproxy"

ensure_test_system_packages() {
  local pair missing=()
  for pair in $TEST_SYSTEM_PACKAGES; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${pair%%:*}" ] || missing+=("${pair#*:}")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0

  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      sudo=(unavailable)
    fi
  fi
  local how="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
  if ! command -v apt-get >/dev/null 2>&1; then
    say "the tests need these packages, which are missing: ${missing[*]}; this machine has no apt-get,"
    say "so install them with its own package manager, then run the tests again"
    exit 1
  fi
  if [ "${sudo[0]:-}" = unavailable ]; then
    say "the tests need these system packages, which are missing: ${missing[*]}"
    say "install them as root (this user is not root and has no password-less sudo), then run the tests again:"
    say "  $how"
    exit 1
  fi
  say "installing system packages the tests need: ${missing[*]} (apt-get${sudo:+ via sudo})"
  if ! { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; }; then
    say "apt-get failed; the tests need ${missing[*]}. Install them, then run the tests again:"
    say "  $how"
    exit 1
  fi
}

# the tests and `pnpm topology:up` run the same real servers (pgbouncer, haproxy, redis-server)
if [ "$entry" = test/run.ts ] || [ "$entry" = scripts/topology.ts ]; then ensure_test_system_packages; fi

find_pnpm() {
  # The right version on PATH, or one we installed earlier into a user-level prefix.
  local candidate
  for candidate in "$(command -v pnpm || true)" "$(npm prefix -g 2>/dev/null)/bin/pnpm" "$LOCAL_PREFIX/bin/pnpm"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && [ "$("$candidate" -v 2>/dev/null || true)" = "$PNPM_VERSION" ]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

LOCAL_PREFIX="${XDG_CACHE_HOME:-$HOME/.cache}/parley/pnpm-$PNPM_VERSION"
if ! PNPM="$(find_pnpm)"; then
  say "installing pnpm@$PNPM_VERSION (npm i -g)"
  # Without write access to npm's global prefix, fall back to a user-level prefix.
  if ! npm i -g "pnpm@$PNPM_VERSION" --no-fund --no-audit --loglevel=error; then
    say "npm i -g failed; installing pnpm into $LOCAL_PREFIX instead"
    npm i -g --prefix "$LOCAL_PREFIX" "pnpm@$PNPM_VERSION" --no-fund --no-audit --loglevel=error
  fi
  hash -r
  PNPM="$(find_pnpm)" || { say "pnpm $PNPM_VERSION is still not runnable; giving up"; exit 1; }
fi

say "pnpm install --frozen-lockfile"
if ! "$PNPM" install --frozen-lockfile; then
  # The committed lockfile should always match; if package.json moved ahead of it, install anyway
  # so the command still runs, and say so loudly.
  say "WARNING: pnpm-lock.yaml is out of date with package.json; running a plain install"
  "$PNPM" install --no-frozen-lockfile
fi

NODE24="$PWD/node_modules/.bin/node"
if [ ! -x "$NODE24" ]; then
  say "node_modules/.bin/node is missing after install (the root devDependency \`node\`)"
  exit 1
fi
# Node 24 first on PATH for anything the command spawns.
export PATH="$PWD/node_modules/.bin:$PATH"
exec "$NODE24" "${node_flags[@]}" "$entry" "$@"
