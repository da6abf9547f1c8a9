#!/usr/bin/env bash
# The workbench front end (web/): `infra/web.sh build` installs its locked npm dependencies and
# builds web/dist when anything it is built from changed; `infra/web.sh test` also type-checks
# and runs the unit tests (`check` is the type check and the build, `unit` the unit tests). No
# browser is downloaded (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/web"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

install() {
  # npm ci only when the lock file changed since the last install.
  local stamp=node_modules/.package-lock.sha
  local want
  want="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    npm ci --no-audit --no-fund --loglevel=error
    echo "$want" > "$stamp"
  fi
}

build() {
  install
  local stamp=dist/.source.sha
  local want
  # Only the inputs that exist: git keeps no empty public/, and find fails on a missing path.
  local inputs=() input
  for input in src public index.html vite.config.ts tsconfig.json package-lock.json; do
    [ -e "$input" ] && inputs+=("$input")
  done
  want="$(find "${inputs[@]}" -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    npm run --silent build
    echo "$want" > "$stamp"
  else
    echo "web/dist is up to date"
  fi
}

case "${1:-build}" in
  build) build ;;
  # What has no timeout (infra/test.sh runs it beside the Rust build) ...
  check)
    install
    npm run --silent typecheck
    build
    ;;
  # ... and the unit tests, which have.
  unit)
    install
    npm test --silent
    ;;
  test)
    install
    npm run --silent typecheck
    npm test --silent
    build
    ;;
  *) echo "usage: infra/web.sh build|check|unit|test" >&2; exit 2 ;;
esac
