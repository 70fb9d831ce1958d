#!/usr/bin/env bash
# Lints and tests the installed Python package (run build.sh first): ruff, pytest
# (shared vectors, containers, ids, and the typing checks: mypy.stubtest against
# the installed module and mypy --strict on the examples), then every example.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
venv="$root/.venv"
if [[ ! -x "$venv/bin/python" ]]; then
    echo "no $venv: run bindings-py/build.sh first" >&2
    exit 1
fi

cd "$root"
# ruff's cache lives in the git-ignored virtualenv, not in the working tree.
export RUFF_CACHE_DIR="$venv/.ruff_cache"
sources=(bindings-py tests/python examples/python)
"$venv/bin/ruff" check --config bindings-py/pyproject.toml "${sources[@]}"
"$venv/bin/ruff" format --check --config bindings-py/pyproject.toml "${sources[@]}"
"$venv/bin/python" -m pytest tests/python -q
for example in examples/python/*.py; do
    "$venv/bin/python" "$example"
done
