#!/usr/bin/env bash
# Debian's chromium for the end-to-end tests: Playwright never downloads a browser here.
# Prints the path of the chromium binary.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  echo "chromium not found: installing Debian's package" >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "installing chromium needs root (apt-get install -y chromium)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq chromium >&2
fi
command -v chromium
