"""Pictures of rendered pages: a full-page PNG for each new version of a
``render: browser`` source (``monitor.fetch.browser`` takes it).

Each picture is kept once by the SHA-256 of its PNG bytes, Zstandard-compressed, in
``screenshots`` (with its size in pixels); ``versions.screenshot_sha256`` names the
picture of the version. A page that looks the same again costs no second copy. Only
this module and ``zstandard`` are needed to read them back: the published site's
plugin serves them at ``/monitor/-/screenshot/{sha256}.png``.
"""

import hashlib
import struct

import zstandard

LEVEL = 3
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def keep(conn, version_id, png):
    """Store ``png`` once and name it as ``version_id``'s picture; return its SHA-256, or
    None when ``png`` is not a PNG. ``conn``: a sqlite3 connection in a write transaction."""
    size = png_size(png)
    if size is None:
        return None
    digest = hashlib.sha256(png).hexdigest()
    if conn.execute("SELECT 1 FROM screenshots WHERE sha256 = ?", [digest]).fetchone() is None:
        stored = zstandard.ZstdCompressor(level=LEVEL).compress(png)
        conn.execute("INSERT INTO screenshots (sha256, size, stored_size, width, height, data) "
                     "VALUES (?, ?, ?, ?, ?, ?)", [digest, len(png), len(stored), *size, stored])
    conn.execute("UPDATE versions SET screenshot_sha256 = ? WHERE id = ?", [digest, version_id])
    return digest


def png(conn, digest):
    """The PNG bytes stored under ``digest``, or None."""
    row = conn.execute("SELECT data FROM screenshots WHERE sha256 = ?", [digest]).fetchone()
    return unpack(row[0]) if row else None


def unpack(data):
    return zstandard.ZstdDecompressor().decompress(data) if data is not None else None


def png_size(data):
    """``(width, height)`` of a PNG, from its header; None if ``data`` is not a PNG.

    Example: ``png_size(b"not a picture") is None``.
    """
    if not data or len(data) < 24 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])
