"""The README's quick start is the example file that test.sh runs and mypy checks."""

import pathlib

REPO = pathlib.Path(__file__).resolve().parents[2]


def test_readme_quick_start_is_the_example() -> None:
    readme = (REPO / "bindings-py" / "README.md").read_text()
    example = (REPO / "examples" / "python" / "quickstart.py").read_text()
    assert f"## Quick start\n\n```python\n{example}```\n" in readme
