#!/usr/bin/env bash
# Builds the `tracewire-wasm` npm package into bindings-wasm/pkg/ and packs it as
# dist/tracewire-wasm-<version>.tgz. Re-runnable: every step is skipped or cached
# when its inputs did not change.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
self="$here/build.sh"
root="$(dirname "$here")"
target_dir="$(cd "$root" && cargo metadata --format-version 1 --no-deps |
  node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).target_directory)')"
profile=wasm-release
artifact="$target_dir/wasm32-unknown-unknown/$profile/tracewire_wasm.wasm"
glue="$target_dir/wasm-bindgen/tracewire-wasm"
pkg="$here/pkg"

# Whether file $1 is missing or older than any of the files after it.
stale() {
  local out="$1" in
  shift
  [[ -e "$out" ]] || return 0
  for in in "$@"; do [[ "$in" -nt "$out" ]] && return 0; done
  return 1
}

# Toolchain: the target, and the wasm-bindgen CLI of exactly the crate's version.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
bindgen_version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print }' "$root/Cargo.lock")"
if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $bindgen_version" ]]; then
  # Not --locked: its lock file pins a dependency version the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$bindgen_version"
fi

# npm build tools (wasm-opt from binaryen, esbuild), installed once per lock file.
if stale "$here/node_modules/.package-lock.json" "$here/package-lock.json"; then
  (cd "$here" && npm ci --no-audit --no-fund)
fi

# `wasm-release` (root Cargo.toml) optimises for size: the module is sent to browsers.
(cd "$root" && cargo build -p tracewire-wasm --target wasm32-unknown-unknown --profile "$profile")

if stale "$glue/tracewire_wasm_bg.wasm" "$artifact" "$self"; then
  # The reset function lets the JS layer replace an instance that trapped; `init`
  # always passes the module's location, so the glue needs no default of its own.
  wasm-bindgen --target web --no-typescript --experimental-reset-state-function \
    --omit-default-module-path --out-dir "$glue" "$artifact"
fi

mkdir -p "$pkg"
if stale "$pkg/tracewire_wasm_bg.wasm" "$glue/tracewire_wasm_bg.wasm" "$self"; then
  "$here/node_modules/.bin/wasm-opt" -Oz --converge \
    --strip-debug --strip-producers --strip-target-features \
    "$glue/tracewire_wasm_bg.wasm" -o "$pkg/tracewire_wasm_bg.wasm"
fi

# One minified ES module: the shared API layer, the backend, the generated glue.
"$here/node_modules/.bin/esbuild" "$here/js/index.mjs" --bundle --minify --format=esm \
  --target=es2022 --log-level=warning --alias:wasm-bindgen-glue="$glue/tracewire_wasm.js" \
  --outfile="$pkg/index.js"
cp "$here/js/index.d.ts" "$pkg/index.d.ts"
# The integration modules shared with the Node package (`tracewire-wasm/fetch`, ...).
(cd "$here" && node "$root/bindings-node/build-integrations.mjs" wasm "$pkg")
cp "$root/bindings-node/lib/index.d.ts" "$pkg/api.d.ts"
cp "$here/package.json" "$here/README.md" "$pkg/"

# The W3C-only entry (`tracewire-wasm/w3c`): its own module, plain exports over
# linear memory, built for size with no unwinding (`wasm-w3c` in the root Cargo.toml).
(cd "$root" && cargo build -p tracewire-wasm-w3c --target wasm32-unknown-unknown --profile wasm-w3c)
w3c_artifact="$target_dir/wasm32-unknown-unknown/wasm-w3c/tracewire_wasm_w3c.wasm"
if stale "$pkg/tracewire_w3c.wasm" "$w3c_artifact" "$here/w3c/strip.mjs" "$self"; then
  # Only the module's own exports stay: the core's browser entropy links
  # wasm-bindgen, whose `__*` exports (and custom sections) this module never uses.
  "$here/node_modules/.bin/wasm-opt" --remove-exports --pass-arg='remove-exports@__*' -Oz --converge \
    --strip-debug --strip-producers --strip-target-features \
    "$w3c_artifact" -o "$target_dir/tracewire_w3c.wasm"
  node "$here/w3c/strip.mjs" "$target_dir/tracewire_w3c.wasm" "$pkg/tracewire_w3c.wasm"
fi
"$here/node_modules/.bin/esbuild" "$here/js/w3c.mjs" --bundle --minify --format=esm \
  --target=es2022 --log-level=warning --outfile="$pkg/w3c.js"
cp "$here/js/w3c.d.ts" "$pkg/w3c.d.ts"

mkdir -p "$root/dist"
(cd "$pkg" && npm pack --silent --pack-destination "$root/dist" >/dev/null)
version="$(node -p 'require(process.argv[1]).version' "$here/package.json")"
echo "built $root/dist/tracewire-wasm-$version.tgz"
