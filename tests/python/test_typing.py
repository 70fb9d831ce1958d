"""The stub matches the installed module, and typed code using it checks strictly."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import typed_usage

REPO = pathlib.Path(__file__).resolve().parents[2]


def run_mypy(*args: str) -> None:
    # From the virtualenv: no source tree there, so only the installed package is
    # seen, and mypy's cache stays out of the working tree.
    result = subprocess.run(
        [sys.executable, *args], cwd=sys.prefix, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_stub_matches_the_installed_module() -> None:
    allowlist = REPO / "tests" / "python" / "stubtest-allowlist.txt"
    run_mypy("-m", "mypy.stubtest", "tracewire", "--allowlist", str(allowlist))


def test_examples_type_check_strictly() -> None:
    examples = sorted(str(path) for path in (REPO / "examples" / "python").rglob("*.py"))
    assert examples
    run_mypy("-m", "mypy", "--strict", *examples, str(REPO / "tests" / "python" / "typed_usage.py"))


def test_typed_usage_runs() -> None:
    typed_usage.main()
