"""The README's snippets are the example files that test.sh runs and mypy checks."""

import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("section", "example"), [("Quick start", "quickstart.py"), ("Formats", "formats.py")]
)
def test_readme_snippet_is_the_example(section: str, example: str) -> None:
    readme = (REPO / "bindings-py" / "README.md").read_text()
    code = (REPO / "examples" / "python" / example).read_text()
    start = readme.index(f"## {section}\n")
    end = readme.find("\n## ", start + 1)
    assert f"```python\n{code}```\n" in readme[start : end if end >= 0 else None]
