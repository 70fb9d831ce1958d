#!/usr/bin/env bash
# The pipeline's end-to-end test (tests/e2e/test_pipeline.py): runs demo.sh for
# the happy path, the failure path and the body-only path, each on a free Kafka
# port, and checks what they left behind. Arguments go to pytest.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
python="${PYTHON:-$repo/.venv/bin/python}"

if ! "$python" -c "import pytest" 2>/dev/null; then
    "$python" -m pip install --quiet pytest
fi
# The Python of the example and its test is linted and type-checked like the package's
# (demo.sh installs the services' requirements too; mypy needs them first).
if ! "$python" -c "import confluent_kafka" 2>/dev/null; then
    "$python" -m pip install --quiet -r "$here/python/requirements.txt"
fi
"$repo/.venv/bin/ruff" check "$here" "$repo/tests/e2e"
"$repo/.venv/bin/ruff" format --check "$here" "$repo/tests/e2e"
"$python" -m mypy --strict "$here/python" "$here/demo.py" "$repo/tests/e2e"
exec "$python" -m pytest "$repo/tests/e2e" -q "$@"
