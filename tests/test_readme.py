"""The README's generated sections (CLI help, references) match the code."""

import subprocess
import sys


def test_readme_is_up_to_date():
    result = subprocess.run([sys.executable, "-m", "cogapp", "--check", "README.md"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr + "\nFix: run 'cog -r README.md'."


def test_readme_commands_match_ci():
    readme = open("README.md", encoding="utf-8").read()
    ci = open(".ci/run", encoding="utf-8").read()
    test_command = ci.strip().splitlines()[-1]
    assert test_command in readme
    # the staleness table follows the crawl even when every site failed (exit 2)
    assert "dialogue-watch crawl; .venv/bin/dialogue-watch stale" in readme
