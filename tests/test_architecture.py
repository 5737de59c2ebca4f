"""The house's architecture is checked, not just described (issue 23).

``lint-imports`` checks the import-linter contracts in pyproject.toml (layers that
only point down, no circle between sibling modules); ``ruff check`` the lint rules
in pyproject.toml. Both run from this venv, on the whole tree, as CI runs them.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*command):
    return subprocess.run([str(BIN / command[0]), *command[1:]], cwd=ROOT, capture_output=True,
                          text=True)


def test_imports_only_point_down_and_make_no_circle():
    result = _run("lint-imports", "--no-cache")
    assert result.returncode == 0, (
        result.stdout + result.stderr + "\nFix: move the shared piece down a layer (see "
        "docs/architecture.md); never hide the import inside a function.")


def test_ruff_finds_nothing():
    result = _run("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr
