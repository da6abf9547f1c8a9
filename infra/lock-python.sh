#!/usr/bin/env bash
# Compiles infra/requirements.in (the Python tools, pinned) into infra/requirements.lock: every
# package they need, at exact versions, with the sha256 of each of its files, for CPython 3.11 on
# Linux x86_64 (the machines' python3). The resolution sees only releases published before
# EXCLUDE_NEWER, so running this again gives the same lock; to move a tool, change its pin in
# requirements.in and this date, run this, and commit both files with the lock.
#
#   infra/lock-python.sh
#
# The compiler is the lock's own uv, from .venv (infra/python-tools.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
exclude_newer="${EXCLUDE_NEWER:-2026-12-01T00:00:00Z}"

# shellcheck source=infra/python-tools.sh
source infra/python-tools.sh
python_tools

.venv/bin/uv pip compile infra/requirements.in --output-file infra/requirements.lock \
  --generate-hashes --python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
  --exclude-newer "$exclude_newer" --custom-compile-command "infra/lock-python.sh" --quiet
echo "infra/requirements.lock: $(grep -cE '^[a-z0-9]' infra/requirements.lock) packages"
