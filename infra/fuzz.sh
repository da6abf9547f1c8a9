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
# At most this many examples per operation and phase. 200 gives 6,692 requests (seed 20261; 300
# gave 8,393 in a third more time): the floor with a third to spare, in the gate's 15 minutes.
max_examples="${FUZZ_MAX_EXAMPLES:-200}"
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
# One schemathesis run; its report (HAR) in a directory of its own: runs side by side would
# otherwise name their files the same second. No example database: every run generates from the
# seed alone, the same cases each time, whatever an earlier run left behind.
run() {
  local reports="$1"
  shift
  .venv/bin/st run docs/openapi.json --url "http://127.0.0.1:$api_port" -H "X-API-Key: $key" \
    --checks "$checks" --seed "$seed" --no-shrink --generation-database none \
    --report har --report-dir "$work/reports/$reports" "$@"
}

# Generation is not safe across threads on Python 3.11: hypothesis (through schemathesis's
# --workers, which are threads) parses source from several threads at once, and CPython 3.11's
# AST constructor keeps its recursion depth per interpreter, not per thread, so now and then a
# run stops with "SystemError: AST constructor recursion depth mismatch" (CPython gh-106905),
# however right the API. Every run here is one worker, one thread. Nor do threads buy speed:
# generation is CPU-bound Python under one lock (the run's CPU time was 7m12s either way).
# Measured on this 2-core machine, seed 20261, at most 300 examples per operation, fuzzing and
# stateful phases after the same 20 s coverage phase (1,087 cases), all with a Rust build beside
# them (load average 4 to 8), so the times are high but comparable:
#   one process, --workers 4 (threads: the hazard)   7,879 cases in 428 s
#   one process, --workers 1                         8,016 cases in 541 s
#   two processes, --workers 1, operations split     8,332 cases in 366 s (344 s the slower half)
# So the fuzzing phase is split by operation between FUZZ_PROCESSES processes (default 2, one
# per core), each one worker: the same examples per operation as one process, on both cores.
processes="${FUZZ_PROCESSES:-2}"
started=$(date +%s)
# The coverage phase first: boundaries, missing credentials, wrong methods.
run coverage --phases examples,coverage --workers 1
mapfile -t groups < <(python3 - docs/openapi.json "$processes" <<'PY'
import json, sys
spec, n = json.load(open(sys.argv[1])), int(sys.argv[2])
ops = sorted((path, method, op["operationId"]) for path, item in spec["paths"].items()
             for method, op in item.items() if isinstance(op, dict) and "operationId" in op)
for i in range(n):
    print(" ".join(op for _, _, op in ops[i::n]))
PY
)
pids=()
for i in "${!groups[@]}"; do
  # shellcheck disable=SC2046
  run "fuzzing-$i" --phases fuzzing --workers 1 --max-examples "$max_examples" \
    $(printf -- '--include-operation-id %s ' ${groups[$i]}) >"$work/fuzzing-$i.log" 2>&1 &
  pids+=("$!")
done
failed=0
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || failed=1
  cat "$work/fuzzing-$i.log"
done
[ "$failed" = 0 ] || { echo "schemathesis found a failure (above)" >&2; exit 1; }
# The stateful phase walks the links between operations: all of them, in one run.
run stateful --phases stateful --workers 1 --max-examples "$max_examples"
elapsed=$(( $(date +%s) - started ))

python3 - "$work/reports" "$min_requests" "$elapsed" <<'EOF'
import collections, glob, json, sys
reports, minimum, elapsed = sys.argv[1], int(sys.argv[2]), sys.argv[3]
entries = [e for f in glob.glob(f"{reports}/*/*.json") for e in json.load(open(f))["log"]["entries"]]
statuses = collections.Counter(e["response"]["status"] for e in entries)
server_errors = sum(n for s, n in statuses.items() if s >= 500)
print(f"fuzzing: {len(entries)} requests in {elapsed} s, {server_errors} server errors; by status: "
      + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())))
if server_errors:
    sys.exit("server errors under fuzzing")
if len(entries) < minimum:
    sys.exit(f"only {len(entries)} requests; at least {minimum} wanted")
EOF
