#!/usr/bin/env bash
# Benchmarks, one command: release build, DynamoDB Local in memory, then the API benchmark and
# the function binary sizes. Prints Markdown for docs/BENCHMARKS.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# shellcheck source=infra/env.sh
source infra/env.sh

port="${DYNAMODB_LOCAL_PORT:-8012}"
pidfile="$root/infra/.local/bench-dynamodb.pid"
infra/dynamodb-local.sh stop "$pidfile"
infra/dynamodb-local.sh start "$port" --in-memory "$pidfile"
trap 'infra/dynamodb-local.sh stop "$pidfile"' EXIT
export DYNAMODB_ENDPOINT="http://127.0.0.1:$port"

infra/model.sh >&2
cargo build --release --locked -p workbench-functions -p workbench-local --features workbench/e5 >&2
target="${CARGO_TARGET_DIR:-target}"

echo "## Run of $(date -u +%Y-%m-%d) on $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo
"$target"/release/bench
echo
target/release/bench-team
echo
echo "### Idempotency-Key (the same POSTs with and without the header, alternating)"
echo
"$target"/release/bench-idempotency
echo
echo "### Cost model (capacity units per workflow, cost per 1,000)"
echo
"$target"/release/cost-model
echo
echo "### Local JWT authorizer"
echo
echo "| what | runs | p50 µs | p99 µs |"
echo "| --- | --- | --- | --- |"
"$target"/release/bench-token
echo
echo "### Cold start (process start to ready and to the first served invocation)"
echo
echo "| function | runs | start → ready ms p50 | start → first response ms p50 | first response ms p99 |"
echo "| --- | --- | --- | --- | --- |"
for fn in pending-list accept-session chat; do
  "$target"/release/cold-start "$target/release/$fn" "infra/events/$fn.json" 20
done
echo
echo "### Function binaries (release, stripped, x86_64 host build)"
echo
echo "| function | size MB |"
echo "| --- | --- |"
for bin in functions/src/bin/*.rs; do
  name="$(basename "$bin" .rs)"
  printf '| %s | %.2f |\n' "$name" "$(echo "$(stat -c %s "$target/release/$name") / 1048576" | bc -l)"
done
