"""Reads for the command line, and the database's own consistency check."""

import json

from monitor.errors import NotFoundError
from monitor.items import PageFetch
from monitor.store import blobs

# -- reads for the CLI --------------------------------------------------------


def text_of(db, sha):
    return blobs.text(db.conn, sha) or ""


def body_of(db, sha):
    return blobs.unpack(db.conn, "bodies", sha)


def capture(db, version_id):
    """The fetch that a version was read from, with its stored bytes, as a
    ``PageFetch`` to read again (new rules, ``reanalyse``); None without bytes."""
    row = db.execute("SELECT fetch_id, body_sha256 FROM versions WHERE id = ?", [version_id]).fetchone()
    return fetch_capture(db, row[0], row[1]) if row else None


def fetch_capture(db, fetch_id, body_sha256=None):
    """A stored fetch as a ``PageFetch`` with its bytes (``body_sha256``: the bytes
    to use when the fetch itself kept none, as a 304 does)."""
    row = next(db.query("""SELECT f.source_id, coalesce(f.url, s.url) AS url, f.final_url, f.at,
                                  f.content_type, f.headers, f.body_sha256
                           FROM fetches f JOIN sources s ON s.id = f.source_id
                           WHERE f.id = ?""", [fetch_id]), None)
    sha = (row or {}).get("body_sha256") or body_sha256
    body = blobs.unpack(db.conn, "bodies", sha) if row and sha else None
    if body is None:
        return None
    return PageFetch(source_id=row["source_id"], url=row["url"], fetched_at=row["at"],
                     final_url=row["final_url"] or row["url"], status=200,
                     headers=json.loads(row["headers"] or "{}"),
                     content_type=row["content_type"], body=body)


def history(db, source_id):
    sql = """SELECT at, kind, marker_before, marker_after, lines_added, lines_removed, detail,
                    version_id, diff_id, origin
             FROM events WHERE source_id = ? ORDER BY at, id"""
    return list(db.query(sql, [source_id]))


def versions(db, source_id):
    sql = "SELECT * FROM versions WHERE source_id = ? ORDER BY seq"
    return list(db.query(sql, [source_id]))


def version(db, source_id, seq):
    rows = list(db.query("SELECT * FROM versions WHERE source_id = ? AND seq = ?", [source_id, seq]))
    if not rows:
        raise NotFoundError(f"Source '{source_id}' has no version {seq}. Run "
                            f"'dialogue-watch history {source_id}' to see its versions.")
    return rows[0]


def staleness_rows(db):
    """One row per active source with its stored state, its last successful fetch
    (``last_ok_at``, None if none ever succeeded) and current marker."""
    sql = """
        SELECT s.id, s.country, s.title, s.url, s.baseline_marker, s.baseline_days_stale,
               s.baseline_observed, s.paused, s.paused_note, st.state, st.last_checked_at, st.last_changed_at,
               st.first_seen_at, st.last_error, st.last_ok_at,
               v.marker_text, v.marker_date, v.marker_precision, v.marker_origin, v.marker_until
        FROM sources s
        LEFT JOIN source_state st ON st.source_id = s.id
        LEFT JOIN versions v ON v.id = st.current_version_id
        WHERE s.active = 1"""
    return list(db.query(sql))


INTEGRITY_QUERIES = {
    "fetches whose body is missing":
        "SELECT id FROM fetches WHERE body_sha256 IS NOT NULL AND body_sha256 NOT IN (SELECT sha256 FROM bodies)",
    "versions whose text is missing":
        "SELECT id FROM versions WHERE text_sha256 IS NOT NULL AND text_sha256 NOT IN (SELECT sha256 FROM texts)",
    "versions whose fetch is missing":
        "SELECT id FROM versions WHERE fetch_id NOT IN (SELECT id FROM fetches)",
    "events whose fetch is missing":
        "SELECT id FROM events WHERE fetch_id NOT IN (SELECT id FROM fetches)",
    "events whose version is missing":
        "SELECT id FROM events WHERE version_id IS NOT NULL AND version_id NOT IN (SELECT id FROM versions)",
    "bodies that do not match their hash": None,  # checked in Python
    "texts that do not match their hash": None,
    "states pointing at a missing version":
        "SELECT source_id FROM source_state WHERE current_version_id IS NOT NULL "
        "AND current_version_id NOT IN (SELECT id FROM versions)",
    "versions numbered with gaps":
        "SELECT source_id FROM versions GROUP BY source_id HAVING MAX(seq) != COUNT(*)",
}


def integrity_problems(db):
    """Everything wrong with the database, in words; an empty list when sound."""
    problems = []
    result = db.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        problems.append(f"SQLite integrity check: {result}")
    for words, sql in INTEGRITY_QUERIES.items():
        rows = list(db.query(sql)) if sql else _bad_blobs(db, words.split()[0])
        if rows:
            problems.append(f"{len(rows)} {words}")
    return problems


def _bad_blobs(db, table):
    """Rows whose content (unpacked through its delta chain) is missing or not its hash."""
    bad = []
    for (sha,) in db.conn.execute(f"SELECT sha256 FROM {table}").fetchall():
        try:
            data = blobs.unpack(db.conn, table, sha)
        except Exception:  # noqa: BLE001 - a damaged row is what this check reports
            data = None
        if data is None or blobs.sha256(data) != sha:
            bad.append(sha)
    return bad


def counts(db):
    return {name: db[name].count for name in ("fetches", "bodies", "versions", "events")}


def crawl_in_progress(db):
    """When the crawl that has not finished yet began (ISO time), or None."""
    row = db.execute("SELECT started_at FROM crawls WHERE finished_at IS NULL "
                     "ORDER BY id DESC LIMIT 1").fetchone()
    return row[0] if row else None
