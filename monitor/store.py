"""The database: schema, migrations, every read and every write.

No other module writes SQL. One crawl result (a fetch) is stored by
``record_fetch`` in a single transaction: the fetch row, the body (kept once,
content-addressed by SHA-256, zlib-compressed), the text, the new version, its
diff and its event all land together or not at all.
"""

import contextlib
import datetime
import hashlib
import json
import sqlite3
import zlib
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

from monitor import diffing, events, markers
from monitor.errors import NotFoundError, StoreError

migrations = Migrations("dialogue-watch")


@migrations()
def m001_initial(db):
    db["sources"].create({
        "id": str, "country": str, "title": str, "url": str, "kind": str, "locale": str,
        "cited_as": str, "baseline_observed": str, "baseline_marker": str,
        "baseline_date": str, "baseline_precision": str, "baseline_days_stale": int,
        "baseline_transparency": str, "notes": str, "active": int, "updated_at": str,
    }, pk="id")
    db["crawls"].create({
        "id": int, "started_at": str, "finished_at": str, "sources": int, "outcome": str,
    }, pk="id")
    db["bodies"].create({"sha256": str, "size": int, "stored_size": int, "data": bytes}, pk="sha256")
    db["texts"].create({"sha256": str, "chars": int, "text": str}, pk="sha256")
    db["fetches"].create({
        "id": int, "source_id": str, "crawl_id": int, "at": str, "status": int, "outcome": str,
        "final_url": str, "content_type": str, "headers": str, "duration_ms": int,
        "error": str, "body_sha256": str, "version_id": int,
    }, pk="id", foreign_keys=[("source_id", "sources", "id"), ("crawl_id", "crawls", "id")])
    db["versions"].create({
        "id": int, "source_id": str, "seq": int, "fetch_id": int, "at": str,
        "text_sha256": str, "body_sha256": str, "marker_text": str, "marker_date": str,
        "marker_precision": str, "marker_origin": str, "marker_until": str,
    }, pk="id", foreign_keys=[("source_id", "sources", "id"), ("fetch_id", "fetches", "id"),
                              ("text_sha256", "texts", "sha256")])
    db["diffs"].create({
        "id": int, "source_id": str, "from_version_id": int, "to_version_id": int,
        "lines_added": int, "lines_removed": int, "diff": str,
    }, pk="id", foreign_keys=[("source_id", "sources", "id")])
    db["events"].create({
        "id": int, "source_id": str, "fetch_id": int, "at": str, "kind": str,
        "version_id": int, "marker_before": str, "marker_after": str,
        "lines_added": int, "lines_removed": int, "diff_id": int, "detail": str,
    }, pk="id", foreign_keys=[("source_id", "sources", "id"), ("fetch_id", "fetches", "id"),
                              ("diff_id", "diffs", "id")])
    db["source_state"].create({
        "source_id": str, "state": str, "consecutive_errors": int, "first_seen_at": str,
        "last_checked_at": str, "last_ok_at": str, "last_changed_at": str,
        "current_version_id": int, "etag": str, "last_modified": str,
        "last_status": int, "last_error": str,
    }, pk="source_id", foreign_keys=[("source_id", "sources", "id")])
    db["fetches"].create_index(["source_id", "at"])
    db["versions"].create_index(["source_id", "seq"], unique=True)
    db["events"].create_index(["source_id", "at"])
    db["events"].create_index(["at"])


def now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def iso(moment):
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def open_db(path):
    """Open (creating and migrating) the database at ``path``."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA busy_timeout=30000")
        db.execute("PRAGMA foreign_keys=ON")
        migrations.apply(db)
    except (sqlite3.DatabaseError, OSError) as error:
        raise StoreError(_describe_db_error(path, error)) from None
    return db


def _describe_db_error(path, error):
    text = str(error)
    if "readonly" in text or "read-only" in text or isinstance(error, PermissionError):
        return f"The database {path} is read-only. Fix: give yourself write access to it and its folder, or pass --db PATH."
    if "disk is full" in text or "No space" in text:
        return f"The disk holding {path} is full. Nothing stored was lost. Fix: free some space and run again."
    if "not a database" in text or "malformed" in text:
        return f"{path} is not a dialogue-watch database (or is damaged). Fix: pass --db with another path; keep the file for inspection."
    return f"The database {path} cannot be used: {text}."


# -- sources ------------------------------------------------------------------


def sync_sources(db, sources):
    """Mirror sources.yaml into the sources table; removed entries become inactive."""
    stamp = iso(now())
    with db.atomic():
        db.execute("UPDATE sources SET active = 0")
        db["sources"].upsert_all([_source_row(s, stamp) for s in sources], pk="id", alter=False)


def _source_row(source, stamp):
    baseline = source.baseline or {}
    parsed = markers.parse_date(baseline["marker"], source.locale) if baseline.get("marker") else None
    observed = baseline.get("observed")
    days = None
    if parsed and observed:
        days = (observed - markers.latest_day(*parsed)).days
    return {
        "id": source.id, "country": source.country, "title": source.title, "url": source.url,
        "kind": source.kind, "locale": source.locale, "cited_as": source.cited_as,
        "baseline_observed": observed.isoformat() if observed else None,
        "baseline_marker": baseline.get("marker"),
        "baseline_date": parsed[0] if parsed else None,
        "baseline_precision": parsed[1] if parsed else None,
        "baseline_days_stale": days,
        "baseline_transparency": baseline.get("transparency"),
        "notes": source.notes, "active": 1, "updated_at": stamp,
    }


# -- crawls -------------------------------------------------------------------


def start_crawl(db, count):
    with db.atomic():
        return db["crawls"].insert({"started_at": iso(now()), "sources": count}).last_pk


def finish_crawl(db, crawl_id, outcome):
    with db.atomic():
        db["crawls"].update(crawl_id, {"finished_at": iso(now()), "outcome": outcome})


def crawl_results(db, crawl_id):
    """Per source of a crawl: its fetch outcome and event kind (if any)."""
    sql = """
        SELECT f.source_id, f.outcome, f.status, f.error, e.kind AS event
        FROM fetches f LEFT JOIN events e ON e.fetch_id = f.id
        WHERE f.crawl_id = ? ORDER BY f.id"""
    return list(db.query(sql, [crawl_id]))


# -- conditional requests and dedup ------------------------------------------


def validators(db, source_id):
    """ETag / Last-Modified of the current version, for a conditional request."""
    row = _state(db, source_id)
    if not row or not row["current_version_id"] or row["state"] == "gone":
        return {}
    return {k: row[k] for k in ("etag", "last_modified") if row[k]}


def current_capture(db, source_id):
    """The current version's body hash and marker origin (for skipping re-analysis)."""
    row = _current_version(db, source_id)
    return {"body_sha256": row["body_sha256"], "marker_origin": row["marker_origin"]} if row else None


def _state(db, source_id):
    rows = list(db.query("SELECT * FROM source_state WHERE source_id = ?", [source_id]))
    return rows[0] if rows else None


def _current_version(db, source_id):
    sql = """SELECT v.* FROM versions v JOIN source_state s ON s.current_version_id = v.id
             WHERE s.source_id = ?"""
    rows = list(db.query(sql, [source_id]))
    return rows[0] if rows else None


# -- recording one fetch ------------------------------------------------------


def record_fetch(db, fetch, observation, failing_after, crawl_id=None):
    """Store one fetch and whatever follows from it; return the event kind or None.

    ``fetch`` is a ``monitor.items.PageFetch``; ``observation`` a
    ``monitor.analyze.Observation``.
    """
    try:
        with immediate_transaction(db):
            return _record(db, fetch, observation, failing_after, crawl_id)
    except sqlite3.OperationalError as error:
        raise StoreError(_describe_db_error(db_path(db), error)) from None


@contextlib.contextmanager
def immediate_transaction(db):
    """A write transaction that takes the write lock up front (no deadlock upgrades)."""
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")


def db_path(db):
    return Path(db.conn.execute("PRAGMA database_list").fetchone()[2])


def _record(db, fetch, observation, failing_after, crawl_id):
    state = _state(db, fetch.source_id)
    current = _current_version(db, fetch.source_id)
    body_sha = _store_body(db, fetch.body) if observation.keeps_body else None
    fetch_id = db["fetches"].insert(_fetch_row(fetch, observation, body_sha, crawl_id)).last_pk
    text_sha = _store_text(db, observation.text) if observation.text is not None else None
    if observation.outcome == "not_modified" and current:
        text_sha, body_sha = current["text_sha256"], current["body_sha256"]
    previous = _previous(state, current)
    decision = events.classify(previous, events.Outcome(
        observation.outcome, text_sha, _marker_key(observation.marker)
        if observation.outcome == "ok" else previous.marker), failing_after)
    version_id = current["id"] if current else None
    if decision.new_version:
        version_id = _insert_version(db, fetch, fetch_id, observation, text_sha, body_sha, current)
    if version_id is not None and observation.outcome in ("ok", "not_modified"):
        db["fetches"].update(fetch_id, {"version_id": version_id})
    if decision.kind:
        _insert_event(db, fetch, fetch_id, decision.kind, current, version_id, observation)
    _update_state(db, fetch, observation, decision, state, version_id)
    return decision.kind


def _previous(state, current):
    return events.Previous(
        has_version=current is not None,
        text_sha256=current["text_sha256"] if current else None,
        marker=_marker_key_from_row(current) if current else None,
        state=state["state"] if state else "new",
        consecutive_errors=state["consecutive_errors"] if state else 0,
    )


def _marker_key(marker):
    return f"{marker.date}|{marker.precision}" if marker else None


def _marker_key_from_row(row):
    return f"{row['marker_date']}|{row['marker_precision']}" if row["marker_date"] else None


def _store_body(db, body):
    sha = hashlib.sha256(body).hexdigest()
    if not list(db.query("SELECT 1 FROM bodies WHERE sha256 = ?", [sha])):
        data = zlib.compress(body, 6)
        db["bodies"].insert({"sha256": sha, "size": len(body), "stored_size": len(data), "data": data})
    return sha


def _store_text(db, text):
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    db["texts"].insert({"sha256": sha, "chars": len(text), "text": text}, ignore=True)
    return sha


def _fetch_row(fetch, observation, body_sha, crawl_id):
    return {
        "source_id": fetch.source_id, "crawl_id": crawl_id, "at": fetch.fetched_at,
        "status": fetch.status, "outcome": observation.outcome,
        "final_url": fetch.final_url if fetch.final_url != fetch.url else None,
        "content_type": fetch.content_type,
        "headers": json.dumps(fetch.headers, separators=(",", ":")) if fetch.headers else None,
        "duration_ms": fetch.duration_ms, "error": observation.error, "body_sha256": body_sha,
    }


def _insert_version(db, fetch, fetch_id, observation, text_sha, body_sha, current):
    marker = observation.marker if observation.outcome == "ok" else None
    if observation.outcome == "not_modified" and current:
        marker = _marker_from_row(current)
    row = {
        "source_id": fetch.source_id, "seq": (current["seq"] + 1) if current else 1,
        "fetch_id": fetch_id, "at": fetch.fetched_at, "text_sha256": text_sha,
        "body_sha256": body_sha, **_marker_columns(marker),
    }
    version_id = db["versions"].insert(row).last_pk
    return version_id


def _marker_columns(marker):
    if marker is None:
        return {"marker_text": None, "marker_date": None, "marker_precision": None,
                "marker_origin": None, "marker_until": None}
    return {
        "marker_text": marker.text, "marker_date": marker.date,
        "marker_precision": marker.precision, "marker_origin": marker.origin,
        "marker_until": markers.latest_day(marker.date, marker.precision).isoformat(),
    }


def _marker_from_row(row):
    if not row["marker_date"]:
        return None
    return markers.Marker(row["marker_text"], row["marker_date"], row["marker_precision"],
                          row["marker_origin"])


def _insert_event(db, fetch, fetch_id, kind, current, version_id, observation):
    added = removed = diff_id = None
    new_version = _version_by_id(db, version_id) if version_id else None
    if kind in events.TEXT_KINDS and current and new_version:
        before, after = text_of(db, current["text_sha256"]), text_of(db, new_version["text_sha256"])
        result = diffing.line_diff(before, after)
        added, removed = result["lines_added"], result["lines_removed"]
        diff_id = db["diffs"].insert({
            "source_id": fetch.source_id, "from_version_id": current["id"],
            "to_version_id": version_id, "lines_added": added, "lines_removed": removed,
            "diff": result["diff"],
        }).last_pk
    db["events"].insert({
        "source_id": fetch.source_id, "fetch_id": fetch_id, "at": fetch.fetched_at,
        "kind": kind, "version_id": version_id,
        "marker_before": current["marker_text"] if current else None,
        "marker_after": new_version["marker_text"] if new_version else None,
        "lines_added": added, "lines_removed": removed, "diff_id": diff_id,
        "detail": observation.error or observation.note,
    })


def _update_state(db, fetch, observation, decision, state, version_id):
    row = {
        "source_id": fetch.source_id, "state": decision.state,
        "consecutive_errors": decision.consecutive_errors,
        "first_seen_at": (state or {}).get("first_seen_at") or fetch.fetched_at,
        "last_checked_at": fetch.fetched_at, "current_version_id": version_id,
        "last_status": fetch.status, "last_error": observation.error,
    }
    if observation.outcome in ("ok", "not_modified"):
        row["last_ok_at"] = fetch.fetched_at
    if observation.outcome == "ok":
        row["etag"] = fetch.headers.get("ETag")
        row["last_modified"] = fetch.headers.get("Last-Modified")
    if decision.text_changed:
        row["last_changed_at"] = fetch.fetched_at
    db["source_state"].upsert(row, pk="source_id")


def _version_by_id(db, version_id):
    rows = list(db.query("SELECT * FROM versions WHERE id = ?", [version_id]))
    return rows[0] if rows else None


# -- reads for the CLI --------------------------------------------------------


def text_of(db, sha):
    rows = list(db.query("SELECT text FROM texts WHERE sha256 = ?", [sha]))
    return rows[0]["text"] if rows else ""


def body_of(db, sha):
    rows = list(db.query("SELECT data FROM bodies WHERE sha256 = ?", [sha]))
    return zlib.decompress(rows[0]["data"]) if rows else None


def history(db, source_id):
    sql = """SELECT at, kind, marker_before, marker_after, lines_added, lines_removed, detail,
                    version_id, diff_id
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
    """One row per active source with its state and current marker."""
    sql = """
        SELECT s.id, s.country, s.title, s.url, s.baseline_marker, s.baseline_days_stale,
               s.baseline_observed, st.state, st.last_checked_at, st.last_changed_at,
               st.first_seen_at, st.last_error,
               v.marker_text, v.marker_date, v.marker_precision, v.marker_origin, v.marker_until
        FROM sources s
        LEFT JOIN source_state st ON st.source_id = s.id
        LEFT JOIN versions v ON v.id = st.current_version_id
        WHERE s.active = 1"""
    return list(db.query(sql))


def counts(db):
    return {name: db[name].count for name in ("fetches", "bodies", "versions", "events")}
