#!/usr/bin/env bash
# tracewire against OpenTelemetry JS's W3C propagators in Node, interleaved in one
# process per package: `run.sh` runs the Node-API package then the WebAssembly
# package; `run.sh node` or `run.sh wasm` runs one. Needs the packages built in the
# repository (bindings-node/build.sh, bindings-wasm/build.sh). BENCH_ROUNDS sets the
# rounds per case (default 31).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

# OpenTelemetry JS, pinned by the lock file, installed once per lock file.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

impls=("$@")
[[ $# -gt 0 ]] || impls=(node wasm)
for impl in "${impls[@]}"; do
  # --expose-gc: the harness collects before each batch, so that neither side pays
  # for the other's garbage.
  TRACEWIRE_IMPL="$impl" node --expose-gc run.mjs
  echo
done
