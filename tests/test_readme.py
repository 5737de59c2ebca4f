"""The README's generated sections (CLI help, references) match the code."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


# The README and the docs/ files with sections generated from the code (cog)
GENERATED = ("README.md", "docs/guide.md", "docs/running.md", "docs/reference.md")


@pytest.mark.parametrize("path", GENERATED)
def test_generated_sections_are_up_to_date(path):
    result = subprocess.run([sys.executable, "-m", "cogapp", "--check", path],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr + f"\nFix: run 'cog -r {path}'."


def test_every_file_with_generated_sections_is_checked():
    found = {str(p.relative_to(ROOT)) for p in [ROOT / "README.md", *ROOT.glob("docs/*.md")]
             if "[[[cog" in p.read_text(encoding="utf-8")}
    assert found <= set(GENERATED), found - set(GENERATED)


def test_the_readme_is_short_and_links_every_doc():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    for name in ("guide", "running", "reference", "design"):
        assert f"](docs/{name}.md)" in readme


def test_readme_commands_match_ci():
    readme = open("README.md", encoding="utf-8").read()
    ci = open(".ci/run", encoding="utf-8").read()
    test_command = ci.strip().splitlines()[-1]
    assert test_command in readme
    # the staleness table follows the crawl even when every site failed (exit 2)
    assert "dialogue-watch crawl; .venv/bin/dialogue-watch stale" in readme
