#!/usr/bin/env bash
# Builds every Lambda of template.yaml for provided.al2023 on arm64 in one cargo-lambda build of
# the workspace (zig cross-links; no Docker), and zips each bootstrap for deployment:
#   target/lambda/<function>/bootstrap.zip
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
if [ ! -x .venv/bin/cargo-lambda ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check cargo-lambda
fi
export PATH="$root/.venv/bin:$PATH"

started=$(date +%s)
cargo lambda build --release --arm64 --locked -p workbench-functions --output-format zip
elapsed=$(( $(date +%s) - started ))

echo
echo "| function | binary MB | zip MB |"
echo "| --- | --- | --- |"
for dir in "${CARGO_TARGET_DIR:-target}"/lambda/*/; do
  name="$(basename "$dir")"
  [ -f "$dir/bootstrap.zip" ] || continue
  zip_bytes=$(stat -c %s "$dir/bootstrap.zip")
  bin_bytes=$(unzip -l "$dir/bootstrap.zip" | awk '/bootstrap$/ {print $1}')
  printf '| %s | %.2f | %.2f |\n' "$name" "$(echo "$bin_bytes / 1048576" | bc -l)" "$(echo "$zip_bytes / 1048576" | bc -l)"
done
echo
echo "packaged in ${elapsed}s"
