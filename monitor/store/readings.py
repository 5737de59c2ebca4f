"""Stored captures read again with new rules (``dialogue-watch reanalyse``):
the captures, the change events stored for them, and replacing a version's
reading while keeping the old one in ``readings``."""

from monitor.analysis import events
from monitor.store import blobs
from monitor.store.connection import immediate_transaction, iso, now, writes
from monitor.store.reads import fetch_capture
from monitor.store.rows import marker_columns, store_text, version_by_id

MARKER_COLUMNS = ("marker_text", "marker_date", "marker_precision", "marker_origin", "marker_until")


def captures(db, source_id):
    """Each distinct stored capture of a page, oldest first: ``(fetch_id, at, version_ids,
    PageFetch)``; the bytes are read one capture at a time."""
    rows = db.execute("""SELECT f.id, f.at, f.body_sha256,
                                (SELECT group_concat(v.id) FROM versions v WHERE v.fetch_id = f.id)
                         FROM fetches f WHERE f.source_id = ? AND f.outcome = 'ok'
                         AND f.body_sha256 IS NOT NULL ORDER BY f.at, f.id""", [source_id]).fetchall()
    previous = None
    for fetch_id, at, body_sha, version_ids in rows:
        if body_sha == previous and not version_ids:
            continue  # the same bytes again: read once
        previous = body_sha
        fetch = fetch_capture(db, fetch_id)
        if fetch is not None:
            yield fetch_id, at, [int(i) for i in (version_ids or "").split(",") if i], fetch


def change_events(db, source_id):
    """{fetch id: kind} of the change events stored for a page."""
    kinds = sorted(events.CHANGE_KINDS)
    marks = ", ".join("?" * len(kinds))
    return dict(db.execute(f"SELECT fetch_id, kind FROM events WHERE source_id = ? AND kind IN ({marks})",
                           [source_id, *kinds]).fetchall())


@writes
def replace_reading(db, version_id, rules_json, text, marker):
    """Give a version the reading of today's rules; keep its old one in ``readings``.
    Returns True when the reading changed."""
    new_columns = marker_columns(marker)
    with immediate_transaction(db):
        version = version_by_id(db, version_id)
        sha = blobs.sha256(text.encode("utf-8"))
        changed = sha != version["text_sha256"] or any(
            new_columns[c] != version[c] for c in MARKER_COLUMNS)
        if not changed and version["rules"] == rules_json:
            return False
        db.execute("INSERT INTO readings (version_id, rules, text_sha256, "
                   f"{', '.join(MARKER_COLUMNS)}, replaced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [version_id, version["rules"], version["text_sha256"],
                    *[version[c] for c in MARKER_COLUMNS], iso(now())])
        store_text(db, text, version)  # a delta against the old reading, when it differs
        assignments = ", ".join(f"{c} = ?" for c in MARKER_COLUMNS)
        db.execute(f"UPDATE versions SET text_sha256 = ?, rules = ?, {assignments} WHERE id = ?",
                   [sha, rules_json, *[new_columns[c] for c in MARKER_COLUMNS], version_id])
        return changed


@writes
def refresh_diffs(db, source_id, line_diff):
    """Recompute the stored diffs of a page from its versions' texts as read now."""
    with immediate_transaction(db):
        rows = db.execute("""SELECT d.id, a.text_sha256, b.text_sha256 FROM diffs d
                             JOIN versions a ON a.id = d.from_version_id
                             JOIN versions b ON b.id = d.to_version_id
                             WHERE d.source_id = ?""", [source_id]).fetchall()
        for diff_id, before, after in rows:
            result = line_diff(blobs.text(db.conn, before) or "", blobs.text(db.conn, after) or "")
            db.execute("UPDATE diffs SET diff = ?, lines_added = ?, lines_removed = ? WHERE id = ?",
                       [result["diff"], result["lines_added"], result["lines_removed"], diff_id])
