#!/usr/bin/env bash
# Builds the release abi3 wheel of the Python package into <repo>/dist and installs
# it into <repo>/.venv, creating the virtualenv and its tools on first use.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
venv="$root/.venv"
python="$venv/bin/python"

if [[ ! -x "$python" ]]; then
    "${PYTHON:-python3}" -m venv "$venv"
fi

# Pinned tools, installed only when missing or at another version, so a second
# run does not touch the network.
tools=(maturin==1.16.0 pytest==9.2.0 hypothesis==6.170.17 mypy==2.4.1 ruff==0.17.6
    # What the integrations are tested against (tests/python/integrations).
    opentelemetry-api==1.45.2 opentelemetry-sdk==1.45.2 confluent-kafka==2.16.1
    kafka-python==3.0.12 aiokafka==0.14.0 uvicorn==0.54.0)
missing="$("$python" - "${tools[@]}" <<'EOF'
import sys
from importlib.metadata import PackageNotFoundError, version

for spec in sys.argv[1:]:
    name, _, wanted = spec.partition("==")
    try:
        present = version(name) == wanted
    except PackageNotFoundError:
        present = False
    if not present:
        print(spec)
EOF
)"
if [[ -n "$missing" ]]; then
    # shellcheck disable=SC2086 # one requirement per word
    "$python" -m pip install --quiet $missing
fi

cd "$here"
"$venv/bin/maturin" build --release --interpreter "$python" --out "$root/dist"

version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)"
wheel="$(ls -t "$root/dist/tracewire-$version"-cp39-abi3-*.whl | head -n 1)"
"$python" -m pip install --quiet --force-reinstall --no-deps "$wheel"
echo "installed $wheel into $venv"
