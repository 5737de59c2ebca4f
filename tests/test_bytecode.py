"""The suite writes the bytecode of the project's modules before its processes import them
(tests/bytecode.py), even where PYTHONDONTWRITEBYTECODE keeps Python from writing it."""

import importlib.util
import os

from tests import bytecode


def test_every_module_has_bytecode_an_import_accepts():
    bytecode.compile_sources()
    stale = []
    for path in (p for folder in ("monitor", "spiders") for p in (bytecode.ROOT / folder).rglob("*.py")):
        cached = importlib.util.cache_from_source(str(path))
        if not os.path.exists(cached):
            stale.append((str(path), "missing"))
            continue
        with open(cached, "rb") as pyc:
            header = pyc.read(16)
        # what an import checks before it uses the file: the magic number, then the
        # source's modification time and size as they were when it was compiled
        source = path.stat()
        if (header[:4] != importlib.util.MAGIC_NUMBER
                or int.from_bytes(header[8:12], "little") != int(source.st_mtime) & 0xFFFFFFFF
                or int.from_bytes(header[12:16], "little") != source.st_size & 0xFFFFFFFF):
            stale.append((str(path), "stale"))
    assert stale == []
