#!/usr/bin/env bash
# Runs one function of template.yaml on an event file against the local table, like
# `sam local invoke` without Docker:
#   infra/invoke.sh AcceptSessionFunction infra/events/accept-session.json
# Uses the DynamoDB Local of infra/dev.sh if it is running, else starts one for this call.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 <FunctionLogicalId|binary> <event.json>" >&2; exit 2; }
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# shellcheck source=infra/env.sh
source infra/env.sh

port="${DYNAMODB_LOCAL_PORT:-8010}"
export TABLE_NAME="${TABLE_NAME:-agent-workbench}"
export API_KEY="${API_KEY:-local-dev-key}"
export DYNAMODB_ENDPOINT="http://127.0.0.1:$port"
if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  pidfile="$root/infra/.local/invoke-dynamodb.pid"
  infra/dynamodb-local.sh start "$port" "$root/infra/.local/dynamodb-data" "$pidfile"
  trap 'infra/dynamodb-local.sh stop "$pidfile"' EXIT
fi
cargo run --quiet -p workbench-local --bin local-invoke -- --template template.yaml --function "$1" --event "$2"
