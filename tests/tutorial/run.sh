#!/usr/bin/env bash
# Runs the tutorial's "Complete Workflow Example" (Python) against a running local stack
# (BASE_URL, API_KEY), with nothing changed but the key filled in, as a reader would.
# The example comes from the spec beside the repository when it is there, else from the copy
# kept here (tests/tutorial/workflow.py, taken verbatim from the spec).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${PYTHON:-$root/.venv/bin/python}"
spec="$root/../shared/spec/agent-workbench-tutorial.md"
script="$(mktemp)"
trap 'rm -f "$script"' EXIT
if [ -f "$spec" ]; then
  sed -n '/^import httpx/,/^agent_workflow()/p' "$spec" > "$script"
  if ! diff -q "$script" "$here/workflow.py" > /dev/null; then
    echo "tests/tutorial/workflow.py differs from the spec's example; refresh the copy" >&2
    exit 1
  fi
else
  cp "$here/workflow.py" "$script"
fi
sed -i "s|\"X-API-Key\": \"\"|\"X-API-Key\": \"${API_KEY:-local-dev-key}\"|; s|BASE = \"http://localhost:8000\"|BASE = \"${BASE_URL:-http://localhost:8000}\"|" "$script"
output="$("$python" "$script")"
echo "$output"
# The loop really ran: accepted, business data read, resolved, consolidated.
for expected in "Accept succeeded: assigned" "Business result: " "Session marked resolved" "Solution consolidated"; do
  grep -qF "$expected" <<< "$output" || { echo "tutorial workflow: missing \"$expected\"" >&2; exit 1; }
done
