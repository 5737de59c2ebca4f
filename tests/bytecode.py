"""The bytecode of the project's own modules, written before many processes import them.

Where PYTHONDONTWRITEBYTECODE is set (the machines this project's suite and benchmarks run
on set it), Python never writes ``__pycache__`` on import, so every command, fork server
and worker compiled monitor/ from its source again: the fork server's imports took
1.6-1.7 s of CPU without bytecode, 1.1-1.4 s with it. A package installed by pip has its
bytecode written at install time; an editable checkout does not. The test suite
(``conftest.py``) and the benchmarks that time commands (``benchmarks/vs_urlwatch.py``,
against a urlwatch pip compiled) write it once with ``compile_sources``; ``__pycache__``
is ignored by git.
"""

import compileall
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def compile_sources():
    """Write the bytecode of monitor/ and spiders/ where it is missing or stale."""
    for folder in ("monitor", "spiders"):
        compileall.compile_dir(ROOT / folder, quiet=1)
