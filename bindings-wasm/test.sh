#!/usr/bin/env bash
# Tests the built WebAssembly package: the backend when the module fails, the shared
# JS suite, the Node-only checks and the boundary tests (traps, separate instances)
# in Node, then the suite in headless Chromium; then the W3C-only entry's module and
# the suite against that entry in Chromium.
# Needs build.sh's output and the packages tests/js/package.json names
# (dist/tracewire-<version>.tgz among them).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
tests="$root/tests/js"
version="$(node -p 'require(process.argv[1]).version' "$here/package.json")"
tgz="$root/dist/tracewire-wasm-$version.tgz"
[[ -f "$tgz" ]] || { echo "missing $tgz: run bindings-wasm/build.sh" >&2; exit 1; }

target_dir="$(cd "$root" && cargo metadata --format-version 1 --no-deps |
  node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).target_directory)')"

echo "== backend when the module fails"
TRACEWIRE_WASM_GLUE="$target_dir/wasm-bindgen/tracewire-wasm" node --test "$here/js/backend.test.mjs"
echo "== the W3C-only module: imports, exports, no panic code, seeding"
node --test "$here/js/w3c.test.mjs"

bash "$tests/ensure-chromium.sh"

# (Re)install when the package was rebuilt, or the tests' packages changed, since it was installed.
installed="$tests/node_modules/tracewire-wasm/package.json"
if [[ ! "$installed" -nt "$tgz" || "$tests/package.json" -nt "$installed" || ! -d "$tests/node_modules/playwright-core" ]]; then
  rm -rf "$tests/node_modules/tracewire-wasm"
  (cd "$tests" && npm install --no-audit --no-fund --loglevel=error)
fi

cd "$tests"
echo "== suite and Node-only tests, WebAssembly package in Node"
TRACEWIRE_WASM_GLUE="$target_dir/wasm-bindgen/tracewire-wasm" TRACEWIRE_IMPL=wasm \
  node --test run-node.mjs node-only.test.mjs boundary.test.mjs \
  integrations/opentelemetry.test.mjs integrations/fetch.test.mjs integrations/logs.test.mjs
echo "== suite and the fetch wrapper, WebAssembly package in Chromium"
node --test run-chromium.mjs integrations/fetch.chromium.test.mjs
echo "== suite, the W3C-only entry (tracewire-wasm/w3c) in Chromium (in Node: tests/js/test.sh)"
TRACEWIRE_IMPL=w3c node --test run-chromium.mjs
