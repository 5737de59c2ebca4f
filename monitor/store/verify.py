"""Evidence checked when it moves: a database file against SQLite's own check, and
every stored capture against the SHA-256 it is kept under.

``merge`` checks each node's copy whole before writing anything, ``export`` checks
the database and each capture it writes, ``backfill`` the captures of a page it
builds on. This module finds the damage and names it; the callers refuse in their
own words (``monitor.errors.DamagedError``).

A capture is kept as content rows addressed by their SHA-256 (``monitor.store.blobs``):
its bytes as fetched (``bodies``), its text (``texts``), its links (``link_sets``) and
its picture (``screenshots``). Reading one back and hashing it again is the check.
"""

import collections
import dataclasses
import sqlite3
from pathlib import Path

import zstandard

from monitor.errors import StoreError
from monitor.store import blobs, screenshots

# table -> (what it holds, in words; the table and column that name its rows)
CONTENT = {
    "bodies": ("body", "fetches", "body_sha256"),
    "texts": ("text", "versions", "text_sha256"),
    "link_sets": ("link list", "versions", "links_sha256"),
    "screenshots": ("screenshot", "versions", "screenshot_sha256"),
}
MISMATCH = "does not match its SHA-256"


@dataclasses.dataclass(frozen=True)
class Damage:
    table: str  # one of CONTENT
    sha256: str  # the digest it is kept under
    why: str  # MISMATCH, or why it cannot be read back


def file_problems(path, thorough=False):
    """What SQLite's own check finds wrong with the database file at ``path``, opened
    read-only (``PRAGMA quick_check``; ``thorough``: ``integrity_check``, which also
    compares every index with its table). An empty list when it is sound; ``StoreError``
    when the file cannot be opened at all (missing, unreadable)."""
    pragma = "integrity_check" if thorough else "quick_check"
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = [row[0] for row in conn.execute(f"PRAGMA {pragma}(10)")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:  # "database disk image is malformed", "file is not a database"
        if isinstance(error, sqlite3.OperationalError) and not _corrupt(error):
            raise StoreError(f"{path} cannot be read ({error}). Fix: check that the file and its "
                             "folder can be read, and give the path of a database file.") from None
        return [str(error)]
    return [] if rows == ["ok"] else rows


def _corrupt(error):
    return any(words in str(error) for words in ("malformed", "not a database", "corrupt"))


def damaged(conn, tables=tuple(CONTENT)):
    """Every content row of ``tables`` that does not read back as its SHA-256, and every
    digest a capture names that is not stored. Each row is unpacked once: a delta is
    read right after its base (``chain_order``)."""
    for table in tables:
        if _exists(conn, table):
            yield from _missing(conn, table)
            yield from _damaged_rows(conn, table)


def damage_of(conn, table, digests):
    """The damage among the rows ``digests`` of ``table`` (each read through its chain)."""
    for digest in dict.fromkeys(d for d in digests if d):
        _, why = read(conn, table, digest)
        if why:
            yield Damage(table, digest, why)


def page_damage(conn, source_id):
    """The damage among every capture of one page (what a backfill builds on)."""
    for table, (_, users, column) in CONTENT.items():
        if _exists(conn, table):
            digests = [row[0] for row in conn.execute(
                f"SELECT {column} FROM {users} WHERE source_id = ? ORDER BY at", [source_id])]
            yield from damage_of(conn, table, digests)


def words(conn, damage, source_id=None):
    """The damaged capture, named so that someone can find it: page, capture, time (one of
    ``source_id``'s if that page has it: a content row is kept once for every page)."""
    noun, users, column = CONTENT[damage.table]
    if users == "fetches":
        row = conn.execute(f"SELECT id, source_id, at FROM fetches WHERE {column} = ? "
                           "ORDER BY source_id IS NOT ?, at, id LIMIT 1", [damage.sha256, source_id]).fetchone()
        named = row and f"the {noun} of capture {row[0]} of page {row[1]} (fetched {row[2]})"
    else:
        row = conn.execute(f"SELECT seq, source_id, fetch_id, at FROM versions WHERE {column} = ? "
                           "ORDER BY source_id IS NOT ?, at, id LIMIT 1",
                           [damage.sha256, source_id]).fetchone()
        named = row and (f"the {noun} of version {row[0]} of page {row[1]} "
                         f"(capture {row[2]}, fetched {row[3]})")
    return f"{named or f'a stored {noun} that no capture names ({damage.sha256[:12]}…)'} {damage.why}"


def chain_order(bases):
    """``bases``: ``{digest: the digest it is a delta against, or None}``. Returns
    ``(order, unrooted)``: ``order`` lists ``(digest, level)`` with each base right before
    the rows built on it (depth first, so only one chain is held at a time); ``unrooted``
    the rows whose chain never reaches a whole row (a base missing, a loop).

    Example: ``chain_order({"a": None, "b": "a", "c": "x"}) == ([("a", 0), ("b", 1)], ["c"])``
    """
    children = collections.defaultdict(list)
    for digest, base in sorted(bases.items()):
        children[base].append(digest)
    order, stack = [], [(digest, 0) for digest in reversed(children[None])]
    while stack:
        digest, level = stack.pop()
        order.append((digest, level))
        stack.extend((child, level + 1) for child in reversed(children.get(digest, ())))
    reached = {digest for digest, _ in order}
    return order, sorted(digest for digest in bases if digest not in reached)


def _exists(conn, table):
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                        [table]).fetchone() is not None


def _missing(conn, table):
    _, users, column = CONTENT[table]
    rows = conn.execute(f"SELECT DISTINCT u.{column} FROM {users} u WHERE u.{column} IS NOT NULL "
                        f"AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.sha256 = u.{column})")
    for (digest,) in rows.fetchall():
        yield Damage(table, digest, "is missing from the database")


def _damaged_rows(conn, table):
    if table not in blobs.TABLES:  # kept whole, on its own (screenshots)
        for (digest,) in conn.execute(f"SELECT sha256 FROM {table}").fetchall():
            _, why = read(conn, table, digest)
            if why:
                yield Damage(table, digest, why)
        return
    order, unrooted = chain_order(dict(conn.execute(f"SELECT sha256, base_sha256 FROM {table}").fetchall()))
    path = []  # the content of each row of the chain being read, by level (None: damaged)
    for digest, level in order:
        del path[level:]
        if level and path[-1] is None:
            data, why = None, "is stored as a change against a damaged capture"
        else:
            data, why = _read_on(conn, table, digest, path[-1] if level else None)
        path.append(data)
        if why:
            yield Damage(table, digest, why)
    for digest in unrooted:
        yield Damage(table, digest, "is stored as a change against a capture that is missing")


def _read_on(conn, table, digest, base):
    """``(content or None, why it is damaged or None)`` of one row, given its base's
    content (None: the row is stored whole)."""
    (stored,) = conn.execute(f"SELECT data FROM {table} WHERE sha256 = ?", [digest]).fetchone()
    try:
        data = blobs.decompress(stored, base)
    except (zstandard.ZstdError, TypeError) as error:
        return None, f"cannot be read back ({error})"
    return (data, None) if blobs.sha256(data) == digest else (None, MISMATCH)


def read(conn, table, digest):
    """``(content, None)`` of the row ``digest`` of ``table``, read through its chain, or
    ``(None, why)`` when it does not read back as its SHA-256."""
    try:
        data = (blobs.unpack(conn, table, digest) if table in blobs.TABLES
                else screenshots.png(conn, digest))
    except (zstandard.ZstdError, TypeError, ValueError) as error:
        return None, f"cannot be read back ({error})"
    if data is None:
        return None, "is missing from the database"
    return (data, None) if blobs.sha256(data) == digest else (None, MISMATCH)
