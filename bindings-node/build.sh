#!/usr/bin/env bash
# Builds the Node package: the addon (napi), its generated loader and types, the
# CommonJS copy of the shared JS layer, and dist/tracewire-<version>.tgz.
# Re-runnable: npm dependencies install only when missing or changed, cargo is incremental.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cd "$here"

if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi

# An absolute target dir: napi fails to write the type definitions otherwise.
node_modules/.bin/napi build --platform --release --target-dir "$repo/target"
node_modules/.bin/esbuild js/api.mjs --format=cjs --platform=neutral --target=es2022 \
  --outfile=lib/api.cjs --log-level=warning
node build-integrations.mjs node lib

mkdir -p "$repo/dist"
npm pack --pack-destination "$repo/dist" --silent >/dev/null
echo "built $repo/dist/tracewire-$(node -p 'require("./package.json").version').tgz"
