#!/usr/bin/env bash
# What `npm start` and `npm test` run on a machine that has only Node (any version ≥ 18) and npm:
#   1. pnpm 12.4.2 (the repo's packageManager), installed with npm when `pnpm -v` differs;
#   2. `pnpm install --frozen-lockfile`, which also brings Node 24 (the `node` npm package) into
#      node_modules/.bin/node, since the code runs as TypeScript under Node 24's type stripping;
#   3. the command itself, with that Node 24.
# Usage: bash scripts/bootstrap.sh start|test|migrate [args...]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PNPM_VERSION=12.4.2
say() { printf '[bootstrap] %s\n' "$*"; }

case "${1:-}" in
  start) entry=scripts/start.ts ;;
  test) entry=test/run.ts ;;
  migrate) entry=scripts/migrate.ts ;;
  *) echo "usage: bash scripts/bootstrap.sh start|test|migrate [args...]" >&2; exit 2 ;;
esac
shift

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
exec "$NODE24" "$entry" "$@"
