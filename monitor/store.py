"""The database: schema, migrations, every read and every write.

No other module writes SQL. One crawl result (a fetch) is stored by
``record_fetch`` in a single transaction: the fetch row, the body (kept once,
content-addressed by SHA-256, zlib-compressed), the text, the new version, its
diff and its event all land together or not at all.
"""

import contextlib
import functools
import os
import datetime
import hashlib
import json
import sqlite3
import uuid
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


@migrations()
def m002_site_indexes_and_fts(db):
    """Indexes behind the published site's pages, and full-text search over every text.

    The search index uses the trigram tokenizer: it finds any run of three or
    more characters in any language (Japanese has no spaces between words).
    """
    db["events"].create_index(["kind", "at", "source_id"])
    db["events"].create_index(["source_id", "kind"])
    db["events"].create_index(["fetch_id"])
    db["fetches"].create_index(["source_id", "outcome", "at"])
    db["fetches"].create_index(["crawl_id"])
    db["versions"].create_index(["text_sha256"])
    db["versions"].create_index(["source_id", "at"])
    db.execute("""CREATE VIRTUAL TABLE texts_fts USING FTS5 (
        text, tokenize='trigram', content="texts")""")
    db.execute("INSERT INTO texts_fts (rowid, text) SELECT rowid, text FROM texts")
    db.execute("""CREATE TRIGGER texts_ai AFTER INSERT ON texts BEGIN
        INSERT INTO texts_fts (rowid, text) VALUES (new.rowid, new.text); END""")
    db.execute("""CREATE TRIGGER texts_ad AFTER DELETE ON texts BEGIN
        INSERT INTO texts_fts (texts_fts, rowid, text) VALUES ('delete', old.rowid, old.text); END""")
    db.execute("""CREATE TRIGGER texts_au AFTER UPDATE ON texts BEGIN
        INSERT INTO texts_fts (texts_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
        INSERT INTO texts_fts (rowid, text) VALUES (new.rowid, new.text); END""")


@migrations()
def m003_site_report_kinds_and_changes(db):
    """The 2003 report's table, the event kinds in words, and the recent-changes view."""
    import csv

    report = Path(__file__).resolve().parent.parent / "db" / "report_2003.csv"
    with open(report, encoding="utf-8", newline="") as lines:
        db["report_2003"].insert_all(csv.DictReader(lines), pk="country")
    db["event_kinds"].insert_all(
        ({"kind": kind, "meaning": meaning} for kind, meaning in events.KINDS.items()), pk="kind")
    # The meaning is a subquery, not a join: counting and faceting a long
    # history then reads only the (source_id, kind) index.
    db.create_view("recent_changes", """
        SELECT e.id, e.at, s.country, e.source_id, s.title, e.kind,
               (SELECT k.meaning FROM event_kinds k WHERE k.kind = e.kind) AS meaning,
               e.marker_before, e.marker_after, e.lines_added, e.lines_removed, e.detail,
               e.version_id, e.diff_id
        FROM events e
        JOIN sources s ON s.id = e.source_id""")


@migrations()
def m010_alerts_outbox(db):
    """The alerts outbox: one row per (event, subscriber), written in the same
    transaction as its event; the digests that gather a subscriber's events;
    the monitoring problem each source has now; the words of the new kinds."""
    delivery = {"subscriber": str, "status": str, "created_at": str, "attempts": int,
                "next_attempt_at": str, "claim_token": str, "claimed_at": str,
                "sent_at": str, "last_error": str, "interrupted": int}
    db["alert_digests"].create({"id": int, "period": str, **delivery}, pk="id",
                               defaults={"attempts": 0, "interrupted": 0})
    db["alert_digests"].create_index(["subscriber", "period"], unique=True)
    db["alert_outbox"].create({"id": int, "event_id": int, "digest_id": int, **delivery}, pk="id",
                              foreign_keys=[("event_id", "events", "id"),
                                            ("digest_id", "alert_digests", "id")],
                              defaults={"attempts": 0, "interrupted": 0})
    db["alert_outbox"].create_index(["event_id", "subscriber"], unique=True)
    db["alert_outbox"].create_index(["status", "subscriber", "next_attempt_at"])
    db["source_state"].add_column("problem", str)
    if db["event_kinds"].exists():
        db["event_kinds"].upsert_all(
            ({"kind": kind, "meaning": meaning} for kind, meaning in events.KINDS.items()), pk="kind")


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
    writable = os.access(path if path.exists() else path.parent, os.W_OK)
    if "readonly" in text or "read-only" in text or isinstance(error, PermissionError) or not writable:
        return f"The database {path} is read-only. Fix: give yourself write access to it and its folder, or pass --db PATH."
    if "disk is full" in text or "No space" in text:
        return f"The disk holding {path} is full. Nothing stored was lost. Fix: free some space and run again."
    if "not a database" in text or "malformed" in text:
        return f"{path} is not a dialogue-watch database (or is damaged). Fix: pass --db with another path; keep the file for inspection."
    return f"The database {path} cannot be used: {text}."


# -- sources ------------------------------------------------------------------


def writes(function):
    """Turn SQLite's write failures (disk full, read-only) into a StoreError that says what to do."""

    @functools.wraps(function)
    def wrapper(db, *args, **kwargs):
        try:
            return function(db, *args, **kwargs)
        except sqlite3.OperationalError as error:
            raise StoreError(_describe_db_error(db_path(db), error)) from None

    return wrapper


@writes
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


@writes
def start_crawl(db, count):
    with db.atomic():
        return db["crawls"].insert({"started_at": iso(now()), "sources": count}).last_pk


@writes
def finish_crawl(db, crawl_id, outcome):
    with db.atomic():
        db["crawls"].update(crawl_id, {"finished_at": iso(now()), "outcome": outcome})


def crawl_results(db, crawl_id):
    """Per source of a crawl: its fetch outcome and event kind (if any; a new
    monitoring problem follows the change event: "updated, layout_changed")."""
    sql = """
        SELECT f.source_id, f.outcome, f.status, f.error,
               (SELECT group_concat(kind, ', ') FROM (
                    SELECT kind FROM events WHERE fetch_id = f.id ORDER BY id)) AS event
        FROM fetches f
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


@writes
def record_fetch(db, fetch, observation, failing_after, crawl_id=None, subscribers=()):
    """Store one fetch and whatever follows from it; return the event kind or None.

    ``fetch`` is a ``monitor.items.PageFetch``; ``observation`` a
    ``monitor.analyze.Observation``; ``subscribers`` the ``monitor.alerts.Subscriber``s
    whose alerts go to the outbox with each event, in the same transaction.
    """
    with immediate_transaction(db):
        return _record(db, fetch, observation, failing_after, crawl_id, subscribers)


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


def _record(db, fetch, observation, failing_after, crawl_id, subscribers=()):
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
        _insert_event(db, fetch, fetch_id, decision.kind, current, version_id, observation,
                      subscribers)
    _update_state(db, fetch, observation, decision, state, version_id)
    _note_problem(db, fetch, fetch_id, (state or {}).get("problem"), current, version_id,
                  observation, subscribers)
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


def _insert_event(db, fetch, fetch_id, kind, current, version_id, observation, subscribers=()):
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
    event_id = db["events"].insert({
        "source_id": fetch.source_id, "fetch_id": fetch_id, "at": fetch.fetched_at,
        "kind": kind, "version_id": version_id,
        "marker_before": current["marker_text"] if current else None,
        "marker_after": new_version["marker_text"] if new_version else None,
        "lines_added": added, "lines_removed": removed, "diff_id": diff_id,
        "detail": observation.error or observation.note,
    }).last_pk
    enqueue_alerts(db, event_id, fetch.source_id, kind, subscribers)
    return event_id


def _note_problem(db, fetch, fetch_id, previous, current, version_id, observation, subscribers):
    """Record a monitoring problem (events.PROBLEM_KINDS) the first time it shows."""
    problem, new = events.problem(observation.outcome, observation.error or observation.note,
                                  previous)
    if new:
        _insert_event(db, fetch, fetch_id, new, current, version_id, observation, subscribers)
    if problem != previous:
        db["source_state"].update(fetch.source_id, {"problem": problem})


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
        rows = list(db.query(sql)) if sql else _bad_bodies(db)
        if rows:
            problems.append(f"{len(rows)} {words}")
    return problems


def _bad_bodies(db):
    return [row["sha256"] for row in db.query("SELECT sha256, data FROM bodies")
            if hashlib.sha256(zlib.decompress(row["data"])).hexdigest() != row["sha256"]]


def counts(db):
    return {name: db[name].count for name in ("fetches", "bodies", "versions", "events")}


# -- alerts outbox ------------------------------------------------------------
# ``enqueue_alerts`` writes one alert_outbox row per (event, subscriber) inside
# record_fetch's transaction, so an event never exists without its alerts.
# ``monitor.dispatch`` then delivers one row at a time: pending -> sending
# (under a fresh claim token) -> sent, or back to pending with the time of the
# next attempt. A digest (alert_digests) gathers a subscriber's pending rows
# (status 'digested') and is delivered the same way; sending it marks them sent.

DELIVERY_TABLES = ("alert_outbox", "alert_digests")
INTERRUPTED = ("dialogue-watch stopped while sending this, so it may have arrived; "
               "it is sent again, marked as a possible repeat")


def enqueue_alerts(db, event_id, source_id, kind, subscribers):
    """In the caller's transaction: an outbox row for each subscriber who wants the event."""
    if not subscribers:
        return
    country = next(db.query("SELECT country FROM sources WHERE id = ?", [source_id]))["country"]
    stamp = iso(now())
    db["alert_outbox"].insert_all(
        ({"event_id": event_id, "subscriber": s.name, "status": "pending", "created_at": stamp,
          "next_attempt_at": stamp} for s in subscribers if s.wants(source_id, country, kind)),
        ignore=True)


@contextlib.contextmanager
def _writing(db):
    try:
        with immediate_transaction(db):
            yield db
    except sqlite3.OperationalError as error:
        raise StoreError(_describe_db_error(db_path(db), error)) from None


def _table(table):
    if table not in DELIVERY_TABLES:
        raise ValueError(f"not a delivery table: {table}")
    return table


def release_interrupted(db):
    """Put every 'sending' row back to pending, flagged as interrupted; return how many.

    Only the holder of the run lock may call this: it proves the sender is dead.
    """
    with _writing(db):
        return sum(db.execute(
            f"UPDATE {table} SET status = 'pending', interrupted = 1, claim_token = NULL, "
            "last_error = ? WHERE status = 'sending'", [INTERRUPTED]).rowcount
            for table in DELIVERY_TABLES)


def claim_next(db, table, subscribers, moment):
    """Mark the oldest pending row of ``table`` due at ``moment`` (for one of the
    named ``subscribers``) 'sending' under a fresh token; return it, or None."""
    if not subscribers:
        return None
    marks = ", ".join("?" for _ in subscribers)
    sql = (f"SELECT id FROM {_table(table)} WHERE status = 'pending' AND next_attempt_at <= ? "
           f"AND subscriber IN ({marks}) ORDER BY id LIMIT 1")
    with _writing(db):
        rows = list(db.query(sql, [moment, *subscribers]))
        if not rows:
            return None
        db.execute(f"UPDATE {table} SET status = 'sending', claim_token = ?, claimed_at = ?, "
                   "attempts = attempts + 1 WHERE id = ?", [uuid.uuid4().hex, iso(now()), rows[0]["id"]])
        return next(db.query(f"SELECT * FROM {table} WHERE id = ?", [rows[0]["id"]]))


def mark_sent(db, table, claim):
    """Record a delivery; False when the claim was taken away (nothing is changed)."""
    stamp = iso(now())
    with _writing(db):
        done = db.execute(
            f"UPDATE {_table(table)} SET status = 'sent', sent_at = ?, last_error = NULL "
            "WHERE id = ? AND claim_token = ? AND status = 'sending'",
            [stamp, claim["id"], claim["claim_token"]]).rowcount == 1
        if done and table == "alert_digests":
            db.execute("UPDATE alert_outbox SET status = 'sent', sent_at = ? WHERE digest_id = ?",
                       [stamp, claim["id"]])
    return done


def mark_failed(db, table, claim, error, retry_at):
    """Back to pending with the error; the subscriber's other alerts wait as long
    (its channel is down, so trying them now would only fail again)."""
    with _writing(db):
        db.execute(f"UPDATE {_table(table)} SET status = 'pending', last_error = ?, "
                   "next_attempt_at = ? WHERE id = ? AND claim_token = ?",
                   [error, retry_at, claim["id"], claim["claim_token"]])
        for other in DELIVERY_TABLES:
            db.execute(f"UPDATE {other} SET next_attempt_at = max(next_attempt_at, ?) "
                       "WHERE subscriber = ? AND status = 'pending'", [retry_at, claim["subscriber"]])


def open_digest(db, subscriber, period, moment):
    """Start the subscriber's digest for ``period`` with every alert waiting for
    it; return its id, or None when that period's digest exists already."""
    with _writing(db):
        cursor = db.execute(
            "INSERT OR IGNORE INTO alert_digests (subscriber, period, status, created_at, "
            "next_attempt_at) VALUES (?, ?, 'pending', ?, ?)", [subscriber, period, iso(now()), moment])
        if cursor.rowcount == 0:
            return None
        db.execute("UPDATE alert_outbox SET status = 'digested', digest_id = ? "
                   "WHERE subscriber = ? AND status = 'pending'", [cursor.lastrowid, subscriber])
        return cursor.lastrowid


ALERT_SQL = """
    SELECT o.id, o.subscriber, o.status, o.attempts, o.interrupted, o.last_error,
           o.next_attempt_at, o.created_at, e.id AS event_id, e.kind, e.at, e.source_id,
           e.marker_before, e.marker_after, e.lines_added, e.lines_removed, e.detail,
           s.country, s.title, s.url, d.diff
    FROM alert_outbox o
    JOIN events e ON e.id = o.event_id
    JOIN sources s ON s.id = e.source_id
    LEFT JOIN diffs d ON d.id = e.diff_id"""


def alert_details(db, outbox_id):
    """An outbox row with what its message needs: event, page and diff."""
    return next(db.query(ALERT_SQL + " WHERE o.id = ?", [outbox_id]))


def digest_alerts(db, digest_id):
    return list(db.query(ALERT_SQL + " WHERE o.digest_id = ? ORDER BY e.at, e.id", [digest_id]))


def undelivered(db):
    """Alerts not delivered yet (waiting, being sent, or waiting in a digest), oldest first."""
    alerts = list(db.query(ALERT_SQL + " WHERE o.status IN ('pending', 'sending') ORDER BY o.id"))
    digests = list(db.query("""
        SELECT g.*, (SELECT count(*) FROM alert_outbox WHERE digest_id = g.id) AS events
        FROM alert_digests g WHERE g.status IN ('pending', 'sending') ORDER BY g.id"""))
    return alerts, digests


def check_rows(db):
    """Per active source: when it was last checked, its state, last error and problem."""
    sql = """SELECT s.id, s.country, s.title, st.state, st.last_checked_at, st.last_error,
                    st.problem
             FROM sources s LEFT JOIN source_state st ON st.source_id = s.id
             WHERE s.active = 1 ORDER BY s.id"""
    return list(db.query(sql))
