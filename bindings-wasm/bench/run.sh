#!/usr/bin/env bash
# tracewire-wasm against OpenTelemetry JS in headless Chromium (Debian's, installed
# when missing), interleaved in one page, then the bytes a page loads for W3C
# propagation with each. Needs bindings-wasm/build.sh's package in ../pkg.
# BENCH_ROUNDS sets the rounds per case (default 31).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

bash ../../tests/js/ensure-chromium.sh
# OpenTelemetry JS, esbuild and playwright-core, pinned by the lock file.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

node run.mjs
