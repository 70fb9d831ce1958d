"""Shared setup: the tests run against the installed wheel, never the source tree."""

import os
import pathlib
import sys

import tracewire

# Hypothesis keeps its files in the (git-ignored) virtualenv, not the working tree.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(sys.prefix, ".hypothesis"))

SOURCE_TREE = pathlib.Path(__file__).resolve().parents[2] / "bindings-py" / "python"
if SOURCE_TREE in pathlib.Path(tracewire.__file__).resolve().parents:
    raise RuntimeError(f"tracewire was imported from the source tree ({tracewire.__file__})")
