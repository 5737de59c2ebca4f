"""Captured bytes and texts, stored as Zstandard deltas against the page's previous one.

A page that changed in one paragraph differs from its previous capture in a few
hundred bytes: each new body (``bodies``) and text (``texts``) is compressed
with the previous one of the same page as its dictionary, and only that
difference is stored (``base_sha256`` names the previous one, ``depth`` counts
the chain). Every ``MAX_DEPTH`` links a capture is stored whole, so reading one
never unpacks more than ``MAX_DEPTH`` others. Rows are addressed by the SHA-256
of their content and kept once.

Only this module and ``zstandard`` are needed to read them back: the published
site's plugin (``monitor/publish/datasette_plugin.py``) uses the same ``unpack``.
"""

import hashlib

import zstandard

MAX_DEPTH = 20
LEVEL = 3  # Zstandard's default: 0.7 ms for 100 KB; level 9 saves 6% for 4x the time
# table -> (its size column, that size of the content); link_sets: monitor.store.links
TABLES = {"bodies": ("size", len), "texts": ("chars", lambda data: len(data.decode("utf-8"))),
          "link_sets": ("size", len)}


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def pack(conn, table, data, base=None, base_data=None):
    """Store ``data`` (bytes) in ``table`` once; return its SHA-256.

    ``base`` is the SHA-256 of the page's previous capture in the same table,
    if any: the delta's dictionary (``base_data``, its content, if the caller
    has it at hand). ``conn`` is a sqlite3 connection in a write transaction.
    """
    assert table in TABLES
    digest = sha256(data)
    if conn.execute(f"SELECT 1 FROM {table} WHERE sha256 = ?", [digest]).fetchone():
        return digest
    depth, stored = 0, None
    row = conn.execute(f"SELECT depth FROM {table} WHERE sha256 = ?", [base]).fetchone() if base else None
    if row is not None and row[0] + 1 < MAX_DEPTH:
        depth = row[0] + 1
        stored = _compressor(base_data if base_data is not None else unpack(conn, table, base)).compress(data)
    if stored is None or len(stored) > len(data) // 8:  # no delta, or not a small one: try whole
        whole = compress_whole(data)
        if stored is None or len(whole) <= len(stored):
            depth, stored = 0, whole
    size_column, size = TABLES[table]
    conn.execute(
        f"INSERT INTO {table} (sha256, {size_column}, stored_size, base_sha256, depth, data) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [digest, size(data), len(stored), base if depth else None, depth, stored])
    return digest


def unpack(conn, table, digest):
    """The bytes stored under ``digest`` in ``table``, or None if there are none."""
    assert table in TABLES
    chain = []
    while digest is not None:
        row = conn.execute(f"SELECT base_sha256, data FROM {table} WHERE sha256 = ?",
                           [digest]).fetchone()
        if row is None:
            return None
        chain.append(row[1])
        digest = row[0]
        if len(chain) > MAX_DEPTH:
            raise ValueError(f"{table}: a delta chain longer than {MAX_DEPTH}")
    data = decompress(chain.pop())
    while chain:
        data = decompress(chain.pop(), data)
    return data


def decompress(stored, base=None):
    """One row's content: its ``stored`` bytes unpacked whole, or as a delta against
    ``base`` (the content of the row it names as its base)."""
    if base is None:
        return zstandard.ZstdDecompressor().decompress(stored)
    return _decompressor(base).decompress(stored)


def text(conn, digest):
    data = unpack(conn, "texts", digest)
    return data.decode("utf-8") if data is not None else None


def compress_whole(data):
    """``data`` compressed on its own (the first capture of a page, and every 20th)."""
    return zstandard.ZstdCompressor(level=LEVEL).compress(data)


def _dictionary(base):
    return zstandard.ZstdCompressionDict(base, dict_type=zstandard.DICT_TYPE_RAWCONTENT)


def _compressor(base):
    return zstandard.ZstdCompressor(level=LEVEL, dict_data=_dictionary(base))


def _decompressor(base):
    return zstandard.ZstdDecompressor(dict_data=_dictionary(base))
