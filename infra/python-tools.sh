# shellcheck shell=bash
# Sourced by the scripts that use Python tools (test.sh, fuzz.sh, package.sh, lock-python.sh):
# makes .venv hold exactly infra/requirements.lock, and nothing else. Every file is checked
# against the lock's hashes and only wheels are taken (nothing is built from source). The lock's
# own hash is kept in .venv, so a changed lock rebuilds the environment from scratch and an
# unchanged one costs nothing.
#
# pip and uv come first, installed by the pip the venv was made with; then uv installs the whole
# lock (hash-checked as pip would, in seconds where pip takes minutes), and pip checks that every
# requirement of every package is met.
python_tools() {
  local root lock stamp want first
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  lock="$root/infra/requirements.lock"
  stamp="$root/.venv/.requirements-lock.sha256"
  want="$(sha256sum "$lock" | cut -d' ' -f1)"
  if [ -x "$root/.venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  if ! python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    echo "infra/requirements.lock is for CPython 3.11; python3 is $(python3 -V 2>&1)" >&2
    return 1
  fi
  echo "Python tools: installing infra/requirements.lock into .venv"
  rm -rf "$root/.venv"
  python3 -m venv "$root/.venv"
  first="$(mktemp)"
  # The lock's entries for pip and uv: a name line, its --hash lines (each ending in a backslash
  # but the last).
  awk '/^(pip|uv)==/ { take = 1 } take { print } take && !/\\$/ { take = 0 }' "$lock" >"$first"
  "$root/.venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    --require-hashes --no-deps --only-binary :all: -r "$first"
  rm -f "$first"
  "$root/.venv/bin/uv" pip install --quiet --python "$root/.venv/bin/python" \
    --require-hashes --no-deps --only-binary :all: --compile-bytecode -r "$lock"
  "$root/.venv/bin/python" -m pip check --disable-pip-version-check >/dev/null
  echo "$want" >"$stamp"
}
