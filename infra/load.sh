#!/usr/bin/env bash
# The load run: 200 simulated agents and 1,000 customers for 60 s on the local API (loopback
# only), with DynamoDB Local paused, stopped and restarted mid-run, then every session read back
# and checked. Its own DynamoDB Local (port LOAD_DYNAMODB_PORT, default 8020) keeps its data on
# disk in a fresh folder, so the restart loses nothing committed. Prints Markdown; exits non-zero
# when a check fails.
#
#   infra/load.sh                        # the full run, with the fault phase
#   infra/load.sh --no-faults            # the same load without faults (in-memory store)
#   infra/load.sh --agents 10 --customers 50 --duration 5    # any option of the `load` binary
#
# LOAD_PROFILE=debug uses the debug build (quicker to build; the handlers run slower).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# shellcheck source=infra/env.sh
source infra/env.sh

faults=(--faults)
args=()
for arg in "$@"; do
  if [ "$arg" = "--no-faults" ]; then faults=(); else args+=("$arg"); fi
done

port="${LOAD_DYNAMODB_PORT:-8020}"
# DynamoDB Local shares the two cores with the server, the model and the simulated users: the
# quick compiler only and the serial collector leave it more of them (measured side by side in
# docs/BENCHMARKS.md, "Load and fault run").
export DYNAMODB_LOCAL_JAVA_OPTS="${DYNAMODB_LOCAL_JAVA_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC}"

pidfile="$root/infra/.local/load-dynamodb.pid"
# The fault phase restarts DynamoDB Local on its files, so they must outlive the process, not
# the machine: on tmpfs when there is one. On this VM's disk every commit of DynamoDB Local's
# SQLite waits for the disk, and the store alone then cannot keep up with the run (503s before
# any fault; see docs/BENCHMARKS.md, "Load and fault run").
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  data="/dev/shm/workbench-load-dynamodb-$port"
else
  data="$root/infra/.local/load-dynamodb-data"
fi
infra/dynamodb-local.sh stop "$pidfile"
rm -rf "$data"
trap 'infra/dynamodb-local.sh stop "$pidfile"; rm -rf "$data"' EXIT
if [ ${#faults[@]} -gt 0 ]; then
  infra/dynamodb-local.sh start "$port" "$data" "$pidfile"
  faults+=(--dynamodb-port "$port" --dynamodb-data "$data" --dynamodb-pidfile "$pidfile")
else
  infra/dynamodb-local.sh start "$port" --in-memory "$pidfile"
fi

# The chat and knowledge functions embed with the local model: so does the run.
infra/model.sh >&2
profile="${LOAD_PROFILE:-release}"
if [ "$profile" = "release" ]; then
  cargo build --release --locked -p workbench-local --features workbench/e5 --bin load >&2
else
  cargo build --locked -p workbench-local --features workbench/e5 --bin load >&2
fi
"${CARGO_TARGET_DIR:-target}/$profile/load" --endpoint "http://127.0.0.1:$port" "${faults[@]}" "${args[@]}"
