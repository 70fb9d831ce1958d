#!/usr/bin/env bash
# Builds what the order pipeline needs, then runs it once (demo.py; its
# arguments pass through, e.g. --fail payment). Every step is cached: a second
# run only checks, then goes straight to the broker and the services.
#
#   examples/pipeline/demo.sh [--fail payment] [--user-orders-headers off] [--run-dir DIR]
#
# Environment: FAIL=payment (same as --fail payment), KAFKA_PORT [19092],
# PIPELINE_TARGET [<repo>/target/pipeline] (cargo target dir of the services).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
dist="$repo/dist"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$repo/Cargo.toml" | head -n 1)"
export PIPELINE_TARGET="${PIPELINE_TARGET:-$repo/target/pipeline}"
export PYTHON="${PYTHON:-$repo/.venv/bin/python}"

step() { printf 'demo.sh: %s\n' "$*" >&2; }

# True when $1 is missing or a file under the other arguments is newer.
stale() {
    local artifact="$1"
    shift
    [[ ! -e "$artifact" ]] && return 0
    [[ -n "$(find "$@" -type f -newer "$artifact" -not -path '*/node_modules/*' -not -name '*.test.*' -print -quit 2>/dev/null)" ]]
}

newest() { ls -t "$@" 2>/dev/null | head -n 1; }

# The packages, as their users get them: built by the bindings' own scripts.
core_sources=("$repo/core/src" "$repo/core/Cargo.toml")
wheel="$(newest "$dist/tracewire-$version"-cp39-abi3-*.whl || true)"
if stale "${wheel:-/nonexistent}" "${core_sources[@]}" "$repo/bindings-py/src" "$repo/bindings-py/python" "$repo/bindings-py/Cargo.toml" "$repo/bindings-py/pyproject.toml"; then
    step "building the Python wheel"
    "$repo/bindings-py/build.sh" >&2
    wheel="$(newest "$dist/tracewire-$version"-cp39-abi3-*.whl)"
fi
node_tgz="$dist/tracewire-$version.tgz"
if stale "$node_tgz" "${core_sources[@]}" "$repo/bindings-node/src" "$repo/bindings-node/js" "$repo/bindings-node/Cargo.toml" "$repo/bindings-node/package.json"; then
    step "building the Node package"
    "$repo/bindings-node/build.sh" >&2
fi
wasm_tgz="$dist/tracewire-wasm-$version.tgz"
# The browser package bundles the JS layer it shares with the Node package.
if stale "$wasm_tgz" "${core_sources[@]}" "$repo/bindings-wasm/src" "$repo/bindings-wasm/js" "$repo/bindings-wasm/Cargo.toml" "$repo/bindings-wasm/package.json" "$repo/bindings-node/js"; then
    step "building the browser package"
    "$repo/bindings-wasm/build.sh" >&2
fi

# The Rust services (rdkafka builds librdkafka on the first run) and the CLI
# that rebuilds the trace; a target dir of their own, so they stay cached.
export CARGO_TARGET_DIR="$PIPELINE_TARGET"
cargo build --quiet --release --manifest-path "$here/rust/Cargo.toml"
cargo build --quiet --manifest-path "$repo/core/Cargo.toml" --features cli --bin tracewire

# Installs (or replaces) a package from a tarball when the tarball changed;
# npm itself would keep the copy it installed first.
npm_install() {
    local dir="$1" tarball="$2" stamp="$1/node_modules/.dist-sha256" sum
    sum="$(sha256sum "$tarball" | cut -d' ' -f1)"
    if [[ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]]; then
        step "installing $(basename "$tarball") and the npm dependencies of ${dir#"$repo/"}"
        (cd "$dir" && npm install --no-audit --no-fund --loglevel=error "$tarball" >&2)
        echo "$sum" >"$stamp"
    fi
}
npm_install "$here/node" "$node_tgz"
npm_install "$here/web" "$wasm_tgz"

# The Python services run in the project's virtualenv, with the wheel installed.
if [[ ! -x "$PYTHON" ]]; then
    "${SYSTEM_PYTHON:-python3}" -m venv "$repo/.venv"
fi
if ! "$PYTHON" -c "import confluent_kafka" 2>/dev/null; then
    step "installing confluent-kafka"
    "$PYTHON" -m pip install --quiet -r "$here/python/requirements.txt"
fi
wheel_stamp="$PIPELINE_TARGET/wheel.sha256"
wheel_sum="$(sha256sum "$wheel" | cut -d' ' -f1)"
if [[ "$(cat "$wheel_stamp" 2>/dev/null)" != "$wheel_sum" ]] || ! "$PYTHON" -c "import tracewire" 2>/dev/null; then
    step "installing $(basename "$wheel")"
    "$PYTHON" -m pip install --quiet --force-reinstall --no-deps "$wheel"
    echo "$wheel_sum" >"$wheel_stamp"
fi

# The broker's jars (from Maven, once).
if ! fetched="$("$repo/examples/kafka/broker.sh" fetch 2>&1)"; then
    echo "$fetched" >&2
    exit 1
fi
exec python3 "$here/demo.py" "$@"
