#!/usr/bin/env bash
# The end-to-end tests against a running workbench (WORKBENCH_URL, default http://localhost:8000;
# API_KEY for the chat API, default local-dev-key). Extra arguments go to Playwright.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
CHROMIUM_PATH="$(bash "$here/ensure-chromium.sh")"
export CHROMIUM_PATH
export WORKBENCH_URL="${WORKBENCH_URL:-http://localhost:8000}"
export API_KEY="${API_KEY:-local-dev-key}"
if [ ! -x node_modules/.bin/playwright ]; then
  npm ci --no-audit --no-fund
fi
# Wait for the stack (up to 60 s) so a just-started server is not a failure.
for _ in $(seq 1 60); do
  if curl -fsS -o /dev/null "$WORKBENCH_URL/config.json"; then break; fi
  sleep 1
done
curl -fsS -o /dev/null "$WORKBENCH_URL/config.json" || { echo "no workbench at $WORKBENCH_URL" >&2; exit 1; }
exec node_modules/.bin/playwright test "$@"
