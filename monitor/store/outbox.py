"""The alerts outbox: written with each event, drained by ``monitor.notify.dispatch``."""

import contextlib
import sqlite3
import uuid

from monitor.analysis import events
from monitor.errors import StoreError
from monitor.store.connection import (
    _describe_db_error,
    db_path,
    immediate_transaction,
    iso,
    now,
)

# -- alerts outbox ------------------------------------------------------------
# ``enqueue_alerts`` writes one alert_outbox row per (event, subscriber) inside
# record_fetch's transaction, so an event never exists without its alerts.
# ``monitor.notify.dispatch`` then delivers one row at a time: pending -> sending
# (under a fresh claim token) -> sent, or back to pending with the time of the
# next attempt. A digest (alert_digests) gathers a subscriber's pending rows
# (status 'digested') and is delivered the same way; sending it marks them sent.
# ``interrupted`` = 1: a copy may have arrived already (a send cut by a kill, or one
# that got no answer in time); every later attempt says "(possible repeat)".

DELIVERY_TABLES = ("alert_outbox", "alert_digests")
INTERRUPTED = ("dialogue-watch stopped while sending this, so it may have arrived; "
               "it is sent again, marked as a possible repeat")


def enqueue_alerts(db, event_id, source_id, kind, subscribers):
    """In the caller's transaction: an outbox row for each subscriber who wants the event
    (notes, ``events.NOTE_KINDS``, are never alerted)."""
    if not subscribers or kind in events.NOTE_KINDS:
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


def mark_failed(db, table, claim, error, retry_at, maybe_sent=False):
    """Back to pending with the error; the subscriber's other alerts wait as long
    (its channel is down, so trying them now would only fail again).

    ``maybe_sent``: the channel may have it all the same (no answer in time): like a
    send cut by a kill, every later attempt is marked as a possible repeat."""
    with _writing(db):
        db.execute(f"UPDATE {_table(table)} SET status = 'pending', last_error = ?, "
                   "next_attempt_at = ?, interrupted = max(interrupted, ?) "
                   "WHERE id = ? AND claim_token = ?",
                   [error, retry_at, int(maybe_sent), claim["id"], claim["claim_token"]])
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
           s.country, s.title, s.url, d.diff,
           (SELECT v.archive_copy_url FROM versions v WHERE v.id = e.version_id) AS archive_copy_url
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


def check_rows(db, ids=None):
    """Per active source (or per id in ``ids``, active or not): when it was last
    checked, its state, last error and problem. Reads only: a page of ``ids`` the
    database has never seen is simply absent."""
    where, params = "s.active = 1", []
    if ids is not None:
        where, params = f"s.id IN ({', '.join('?' * len(ids))})", list(ids)
    sql = f"""SELECT s.id, s.country, s.title, st.state, st.last_checked_at, st.last_error,
                     st.problem, st.confirm_at
              FROM sources s LEFT JOIN source_state st ON st.source_id = s.id
              WHERE {where} ORDER BY s.id"""
    return list(db.query(sql, params))
