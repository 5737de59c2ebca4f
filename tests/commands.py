"""The ``dialogue-watch`` command as a user runs it: a fresh ``python -m monitor``
process, for the tests that check what a command prints and the status it exits with."""

import subprocess
import sys


def cli(sources, db_path, *args, timeout=120, **options):
    """Run ``dialogue-watch --sources SOURCES --db DB_PATH ARGS`` in a new process and
    return its ``CompletedProcess`` (text stdout and stderr). ``sources``: a loaded
    ``Config`` (its file) or a path. ``timeout`` only guards against a command that hangs."""
    sources = getattr(sources, "path", sources)
    command = [sys.executable, "-m", "monitor", "--sources", str(sources), "--db", str(db_path), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, **options)
