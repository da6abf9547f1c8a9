#!/usr/bin/env bash
# Fuzzes the local API against docs/openapi.json with schemathesis: the local server on its own
# port with its own in-memory DynamoDB Local and demo data, at least FUZZ_MIN_REQUESTS (5,000)
# generated requests. Fails on any server error, any response outside the schema (status,
# content type, headers, body), or too few requests.
#
#   infra/fuzz.sh            # after `cargo build -p workbench-local --bin local-api`
#
# Ports: FUZZ_DYNAMODB_PORT (default 8121), FUZZ_API_PORT (default 8122).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# shellcheck source=infra/env.sh
source infra/env.sh

ddb_port="${FUZZ_DYNAMODB_PORT:-8121}"
api_port="${FUZZ_API_PORT:-8122}"
min_requests="${FUZZ_MIN_REQUESTS:-5000}"
max_examples="${FUZZ_MAX_EXAMPLES:-300}"
seed="${FUZZ_SEED:-20261}"
key="fuzz-$(date +%s)-$$"
target="${CARGO_TARGET_DIR:-$root/target}"
api_bin="$target/debug/local-api"

# schemathesis (and the hypothesis it generates with) from infra/requirements.lock.
# shellcheck source=infra/python-tools.sh
source infra/python-tools.sh
python_tools
[ -x "$api_bin" ] || cargo build -p workbench-local --bin local-api

work="$(mktemp -d)"
ddb_pid="$work/dynamodb.pid"
api_pid=""
cleanup() {
  if [ -n "$api_pid" ]; then kill "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; fi
  infra/dynamodb-local.sh stop "$ddb_pid"
  rm -rf "$work"
}
trap cleanup EXIT

infra/dynamodb-local.sh start "$ddb_port" --in-memory "$ddb_pid"
DYNAMODB_ENDPOINT="http://127.0.0.1:$ddb_port" TABLE_NAME=fuzz API_KEY="$key" RUST_LOG=warn \
  "$api_bin" --port "$api_port" --template template.yaml --seed infra/seed --state "$work" >"$work/api.log" 2>&1 &
api_pid=$!
for _ in $(seq 1 120); do
  if curl -sf -o /dev/null -H "X-API-Key: $key" "http://127.0.0.1:$api_port/api/v1/openapi.json"; then break; fi
  kill -0 "$api_pid" 2>/dev/null || { echo "the local API exited:" >&2; cat "$work/api.log" >&2; exit 1; }
  sleep 0.5
done

# The served document is the committed one the fuzzing reads.
curl -sf -H "X-API-Key: $key" "http://127.0.0.1:$api_port/api/v1/openapi.json" >"$work/served.json"
python3 - "$work/served.json" docs/openapi.json <<'EOF'
import json, sys
served, committed = (json.load(open(p)) for p in sys.argv[1:3])
sys.exit(0 if served == committed else "the served OpenAPI document differs from docs/openapi.json")
EOF

checks=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance
run() {
  .venv/bin/st run docs/openapi.json --url "http://127.0.0.1:$api_port" -H "X-API-Key: $key" \
    --checks "$checks" --seed "$seed" --no-shrink --report har --report-dir "$work/reports" "$@"
}
started=$(date +%s)
# The coverage phase (boundaries, missing credentials, wrong methods) one worker at a time: its
# generator is not safe across threads on Python 3.11.
run --phases examples,coverage --workers 1
run --phases fuzzing,stateful --workers 4 --max-examples "$max_examples"
elapsed=$(( $(date +%s) - started ))

python3 - "$work/reports" "$min_requests" "$elapsed" <<'EOF'
import collections, glob, json, sys
reports, minimum, elapsed = sys.argv[1], int(sys.argv[2]), sys.argv[3]
entries = [e for f in glob.glob(f"{reports}/*.json") for e in json.load(open(f))["log"]["entries"]]
statuses = collections.Counter(e["response"]["status"] for e in entries)
server_errors = sum(n for s, n in statuses.items() if s >= 500)
print(f"fuzzing: {len(entries)} requests in {elapsed} s, {server_errors} server errors; by status: "
      + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())))
if server_errors:
    sys.exit("server errors under fuzzing")
if len(entries) < minimum:
    sys.exit(f"only {len(entries)} requests; at least {minimum} wanted")
EOF
