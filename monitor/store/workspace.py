"""The campaigners' workspace: accounts, the audit of every change, the signing secret.

Every row here is private: the public site's authorizer refuses any read of a
``workspace_*`` table. Passwords arrive already hashed (``monitor.workspace.passwords``);
this module never sees one in clear.
"""

import datetime
import json
import secrets

from monitor.store.connection import immediate_transaction, iso, now, one, writes

ROLES = ("editor", "member")


def secret(db):
    """The random secret (made by the migration) that signs the workspace's cookies and links."""
    return one(db, "SELECT secret FROM workspace_secret WHERE id = 1", [])["secret"]


@writes
def save_user(db, name, role, password_hash):
    """Create the account ``name``, or give an existing one this role and password.
    Returns True when the account is new. The audit says which, never the hash."""
    stamp = iso(now())
    with immediate_transaction(db):
        known = user(db, name) is not None
        db["workspace_users"].upsert({"name": name, "role": role, "password_hash": password_hash,
                                      "updated_at": stamp, **({} if known else {"created_at": stamp})},
                                     pk="name")
        audit(db, "operator", "account updated" if known else "account added", f"{name} ({role})")
    return not known


def user(db, name):
    """The account ``name`` as a dict (name, role, password_hash), or None."""
    return one(db, "SELECT name, role, password_hash FROM workspace_users WHERE name = ?", [name])


def users(db):
    return list(db.query("SELECT name, role, created_at FROM workspace_users ORDER BY name"))


@writes
def remove_user(db, name):
    """Remove the account; returns False when there was none."""
    with immediate_transaction(db):
        gone = db.execute("DELETE FROM workspace_users WHERE name = ?", [name]).rowcount
        if gone:
            audit(db, "operator", "account removed", name)
    return bool(gone)


# -- guessing passwords -------------------------------------------------------------
# A wrong password is a row of workspace_login_failures: ``limit`` of them for one name, or
# ``address_limit`` from one address (whatever the names), within ``window`` lock that
# login until the oldest of them leaves the window. In the database, not a process's
# memory: a restart of the workspace, or a second one, locks the same logins.

@writes
def login_failed(db, name, address, keep=datetime.timedelta(days=1)):
    """Note a wrong password for ``name`` from ``address``; forget those older than ``keep``."""
    stamp = now()
    with immediate_transaction(db):
        db["workspace_login_failures"].insert({"name": name, "address": address, "at": iso(stamp)})
        db.execute("DELETE FROM workspace_login_failures WHERE at < ?", [iso(stamp - keep)])


def login_locked_until(db, name, address, limit, address_limit, window):
    """When ``name`` may try to log in from ``address`` again (a datetime), or None now."""
    since = iso(now() - window)
    for column, value, most in (("name", name, limit), ("address", address, address_limit)):
        times = [row["at"] for row in db.query(
            f"SELECT at FROM workspace_login_failures WHERE {column} = ? AND at >= ? "
            "ORDER BY at DESC LIMIT ?", [value, since, most])]
        if len(times) >= most:
            return datetime.datetime.fromisoformat(times[-1].replace("Z", "+00:00")) + window
    return None


@writes
def login_succeeded(db, name):
    """The right password: the name's wrong ones are forgotten (the address's are not)."""
    with immediate_transaction(db):
        db.execute("DELETE FROM workspace_login_failures WHERE name = ?", [name])


def audit(db, who, action, detail=""):
    """In the caller's transaction: one line of the audit (who, when, what)."""
    db["workspace_audit"].insert({"at": iso(now()), "who": who, "action": action, "detail": detail})


@writes
def record(db, who, action, detail=""):
    """One audit line in a transaction of its own (a login, a logout)."""
    with immediate_transaction(db):
        audit(db, who, action, detail)


def audit_rows(db, limit=200):
    """The newest lines of the audit first."""
    return list(db.query("SELECT at, who, action, detail FROM workspace_audit "
                         "ORDER BY id DESC LIMIT ?", [limit]))


# -- subscriptions and their alerts -------------------------------------------------
# ``queue_alerts`` reads the events stored since the cursor, asks ``match`` which
# subscriptions want each (and for which words), and writes one workspace_alerts row per
# (subscription, event, word) with the cursor's move, in one transaction: an event is
# queued exactly once, whenever and however often the queue runs.

LISTS = ("countries", "sources", "kinds", "words")


@writes
def save_subscription(db, user, email, mode, countries=(), sources=(), kinds=(), words=()):
    """A new subscription for ``user``; it hears of events stored from now on. Returns its id."""
    row = {"user": user, "email": email, "mode": mode, "created_at": iso(now()),
           "token_nonce": secrets.token_urlsafe(12),
           **{name: json.dumps(list(value), ensure_ascii=False)
              for name, value in zip(LISTS, (countries, sources, kinds, words))}}
    with immediate_transaction(db):
        row["after_event_id"] = _last_event_id(db)
        new_id = db["workspace_subscriptions"].insert(row).last_pk
        audit(db, user, "subscribed", _describe(row))
    return new_id


def _describe(row):
    parts = [f"{row['email']}, {row['mode']}"]
    for name in LISTS:
        values = json.loads(row[name])
        if values:
            parts.append(f"{name}: {', '.join(values)}")
    return "; ".join(parts)


def _last_event_id(db):
    return one(db, "SELECT coalesce(max(id), 0) AS id FROM events", [])["id"]


def subscriptions(db, user=None):
    """Every subscription (or ``user``'s), its lists read back as lists."""
    sql = "SELECT * FROM workspace_subscriptions"
    found = db.query(sql + (" WHERE user = ? ORDER BY id" if user else " ORDER BY id"),
                     [user] if user else [])
    return [_read_lists(row) for row in found]


def subscription(db, subscription_id):
    row = one(db, "SELECT * FROM workspace_subscriptions WHERE id = ?", [subscription_id])
    return _read_lists(row) if row else None


def _read_lists(row):
    return {**row, **{name: json.loads(row[name] or "[]") for name in LISTS}}


@writes
def end_subscription(db, subscription_id, who, nonce=None):
    """Remove the subscription and its waiting alerts. With ``nonce`` (an unsubscribe link)
    only when it is the subscription's; returns False when nothing was removed."""
    with immediate_transaction(db):
        row = subscription(db, subscription_id)
        if row is None or (nonce is not None and nonce != row["token_nonce"]) \
                or (nonce is None and who != row["user"]):
            return False
        db.execute("DELETE FROM workspace_alerts WHERE subscription_id = ?", [subscription_id])
        db.execute("DELETE FROM workspace_subscriptions WHERE id = ?", [subscription_id])
        how = "by the link in an e-mail" if nonce else "in the workspace"
        audit(db, who, "unsubscribed", f"{row['email']} ({how})")
    return True


def events_after(db, event_id, limit):
    """Stored events after ``event_id``, with their page's country and title and their diff."""
    return list(db.query(
        """SELECT e.id, e.at, e.kind, e.source_id, e.detail, s.country, s.title, s.url,
                  d.diff
           FROM events e JOIN sources s ON s.id = e.source_id
           LEFT JOIN diffs d ON d.id = e.diff_id
           WHERE e.id > ? ORDER BY e.id LIMIT ?""", [event_id, limit]))


@writes
def queue_alerts(db, match, limit=500):
    """Queue the alerts of the events stored since the last call; ``match(subscription,
    event)`` gives [(word, change, line)] for each alert wanted. Returns how many were queued."""
    queued = 0
    while True:
        with immediate_transaction(db):
            cursor = one(db, "SELECT event_id FROM workspace_queue_cursor WHERE id = 1", [])["event_id"]
            batch = events_after(db, cursor, limit)
            if not batch:
                return queued
            queued += _queue_batch(db, match, batch)
            db.execute("UPDATE workspace_queue_cursor SET event_id = ? WHERE id = 1", [batch[-1]["id"]])


def _queue_batch(db, match, batch):
    stamp, queued = iso(now()), 0
    subscribed = subscriptions(db)
    for event in batch:
        for sub in subscribed:
            if event["id"] <= sub["after_event_id"]:
                continue
            for word, change, line in match(sub, event):
                queued += db.execute(
                    """INSERT OR IGNORE INTO workspace_alerts
                       (subscription_id, event_id, word, change, line, status, created_at)
                       VALUES (?, ?, ?, ?, ?, 'pending', ?)""",
                    [sub["id"], event["id"], word, change, line, stamp]).rowcount
    return queued


def pending_alerts(db, subscription_id, moment=None):
    """The subscription's alerts waiting to be sent, oldest event first, with their event;
    those waiting for a retry (``next_try_at``) only once ``moment`` (default now) has come."""
    return list(db.query(
        """SELECT a.id, a.event_id, a.word, a.change, a.line, a.created_at, a.last_error,
                  a.attempts, e.at, e.kind, e.detail, s.country, s.title, s.url
           FROM workspace_alerts a JOIN events e ON e.id = a.event_id
           JOIN sources s ON s.id = e.source_id
           WHERE a.subscription_id = ? AND a.status = 'pending'
             AND (a.next_try_at IS NULL OR a.next_try_at <= ?) ORDER BY a.event_id, a.id""",
        [subscription_id, iso(moment or now())]))


# An alert is 'sending' while its e-mail is handed to the mail server. One found so at the
# next pass was cut (the workspace stopped mid-send): it may have arrived, so it goes back
# to pending marked INTERRUPTED, and its next e-mail says it may be a repeat.
INTERRUPTED = "interrupted while sending: it may have arrived"


@writes
def claim_alerts(db, alert_ids):
    """Mark the alerts 'sending' just before their e-mail goes out."""
    marks = ",".join("?" * len(alert_ids))
    with immediate_transaction(db):
        db.execute(f"UPDATE workspace_alerts SET status = 'sending' WHERE id IN ({marks})", alert_ids)


@writes
def release_interrupted(db):
    """Put back the alerts a stopped workspace left 'sending' (see INTERRUPTED)."""
    with immediate_transaction(db):
        return db.execute("UPDATE workspace_alerts SET status = 'pending', last_error = ? "
                          "WHERE status = 'sending'", [INTERRUPTED]).rowcount


# A send that failed (the mail server refused the e-mail, or could not be reached) is
# tried again later, after each failure longer: RETRY_AFTER[n - 1] after the n-th (the last
# one for every failure after). After MAX_ATTEMPTS the alert is 'failed': the operator
# sees it (``workspace mail``) and may send it again (``retry_failed``).
RETRY_AFTER = tuple(datetime.timedelta(minutes=m) for m in (1, 5, 30, 120, 360))
MAX_ATTEMPTS = 6


def retry_after(attempts):
    """How long after its ``attempts``-th failed send an alert is tried again."""
    return RETRY_AFTER[min(attempts, len(RETRY_AFTER)) - 1]


@writes
def mark_alerts(db, subscription_id, alert_ids, error=None, moment=None):
    """The alerts were sent (``error`` None), or a send failed: back to pending, its reason
    kept, tried again after ``retry_after`` (from ``moment``, default now), or 'failed'
    after MAX_ATTEMPTS."""
    marks, moment = ",".join("?" * len(alert_ids)), moment or now()
    with immediate_transaction(db):
        if error is None:
            stamp = iso(now())
            db.execute(f"UPDATE workspace_alerts SET status = 'sent', sent_at = ?, next_try_at = NULL, "
                       f"attempts = attempts + 1 WHERE id IN ({marks})", [stamp, *alert_ids])
            db.execute("UPDATE workspace_subscriptions SET last_sent_at = ? WHERE id = ?",
                       [stamp, subscription_id])
            return
        for alert_id in alert_ids:
            attempts = one(db, "SELECT attempts FROM workspace_alerts WHERE id = ?", [alert_id])["attempts"] + 1
            failed = attempts >= MAX_ATTEMPTS
            db.execute("UPDATE workspace_alerts SET status = ?, attempts = ?, last_error = ?, "
                       "next_try_at = ? WHERE id = ?",
                       ["failed" if failed else "pending", attempts, error,
                        None if failed else iso(moment + retry_after(attempts)), alert_id])


def mail_problems(db):
    """The alerts not sent yet that have failed at least once ('pending', waiting for their
    next try, or 'failed'), with their subscription's owner and address, oldest first."""
    return list(db.query(
        """SELECT a.id, a.status, a.attempts, a.last_error, a.next_try_at, a.created_at,
                  a.event_id, sub.user, sub.email
           FROM workspace_alerts a JOIN workspace_subscriptions sub ON sub.id = a.subscription_id
           WHERE a.status IN ('pending', 'failed') AND a.attempts > 0 ORDER BY a.id"""))


@writes
def retry_failed(db):
    """Put the 'failed' alerts back to be sent at the next pass; returns how many."""
    with immediate_transaction(db):
        return db.execute("UPDATE workspace_alerts SET status = 'pending', attempts = 0, "
                          "next_try_at = NULL WHERE status = 'failed'").rowcount


def watched_pages(db):
    """Every watched page (id, title, country), by country then title, for the forms."""
    return list(db.query("SELECT id, title, country FROM sources WHERE coalesce(active, 1) "
                         "ORDER BY country, title"))


# -- review ------------------------------------------------------------------------

REVIEW_MARKS = {"reviewed": ("reviewed_by", "reviewed_at"), "important": ("important_by", "important_at")}


def change(db, event_id):
    """One event with its page, its diff, its review marks and its notes; None when unknown."""
    event = one(db, """SELECT e.id, e.at, e.kind, e.detail, e.source_id, e.version_id,
                              e.marker_before, e.marker_after, e.lines_added, e.lines_removed,
                              s.country, s.title, s.url, d.diff,
                              r.reviewed_by, r.reviewed_at, r.important_by, r.important_at
                       FROM events e JOIN sources s ON s.id = e.source_id
                       LEFT JOIN diffs d ON d.id = e.diff_id
                       LEFT JOIN workspace_reviews r ON r.event_id = e.id
                       WHERE e.id = ?""", [event_id])
    if event:
        event["notes"] = list(db.query("SELECT id, who, at, text, public FROM workspace_notes "
                                       "WHERE event_id = ? ORDER BY id", [event_id]))
    return event


@writes
def mark(db, event_id, who, what, on):
    """Mark the change ``what`` ('reviewed' or 'important') by ``who``, or take the mark off."""
    by, at = REVIEW_MARKS[what]
    with immediate_transaction(db):
        db.execute("INSERT OR IGNORE INTO workspace_reviews (event_id) VALUES (?)", [event_id])
        db.execute(f"UPDATE workspace_reviews SET {by} = ?, {at} = ? WHERE event_id = ?",
                   [who if on else None, iso(now()) if on else None, event_id])
        audit(db, who, f"marked {what}" if on else f"unmarked {what}", f"change {event_id}")


@writes
def add_note(db, event_id, who, text, public=False):
    """A note on the change; a public one is copied to ``public_notes`` (text and time only)."""
    stamp = iso(now())
    with immediate_transaction(db):
        note_id = db["workspace_notes"].insert({"event_id": event_id, "who": who, "at": stamp,
                                                "text": text, "public": int(public)}).last_pk
        if public:
            db["public_notes"].insert({"note_id": note_id, "event_id": event_id, "at": stamp,
                                       "text": text})
        audit(db, who, "wrote a public note" if public else "wrote a note", f"change {event_id}")
    return note_id


def unreviewed(db, country=None, kinds=(), limit=200):
    """Changes nobody has marked reviewed, newest first (of ``country`` when given)."""
    marks = ",".join("?" * len(kinds))
    where = ["r.reviewed_at IS NULL", f"e.kind IN ({marks})"]
    params = list(kinds)
    if country:
        where.append("s.country = ?")
        params.append(country)
    return list(db.query(
        f"""SELECT e.id, e.at, e.kind, s.country, s.title, r.important_at,
                   (SELECT count(*) FROM workspace_notes n WHERE n.event_id = e.id) AS notes
            FROM events e JOIN sources s ON s.id = e.source_id
            LEFT JOIN workspace_reviews r ON r.event_id = e.id
            WHERE {' AND '.join(where)} ORDER BY e.at DESC, e.id DESC LIMIT ?""", [*params, limit]))


def unreviewed_counts(db, kinds):
    """{country: how many changes wait for review}."""
    marks = ",".join("?" * len(kinds))
    return {row["country"]: row["n"] for row in db.query(
        f"""SELECT s.country, count(*) AS n FROM events e JOIN sources s ON s.id = e.source_id
            LEFT JOIN workspace_reviews r ON r.event_id = e.id
            WHERE r.reviewed_at IS NULL AND e.kind IN ({marks})
            GROUP BY s.country ORDER BY s.country""", list(kinds))}


# -- cite this change --------------------------------------------------------------

def citation(db, event_id):
    """The two captures a change is between: [before, after] (before is None for a page's
    first capture), each with its fetch (id, address, time), the SHA-256 of the bytes as
    fetched and of the text read, and the independent archive copy where there is one."""
    after = one(db, """SELECT v.id AS version_id, v.seq, v.source_id FROM events e
                       JOIN versions v ON v.id = e.version_id WHERE e.id = ?""", [event_id])
    if after is None:
        return None
    before = one(db, "SELECT id AS version_id FROM versions WHERE source_id = ? AND seq < ? "
                     "ORDER BY seq DESC LIMIT 1", [after["source_id"], after["seq"]])
    return [_capture(db, row["version_id"]) if row else None for row in (before, after)]


def _capture(db, version_id):
    return one(db, """SELECT v.id AS version_id, v.seq, f.id AS fetch_id, f.at AS fetched_at,
                             coalesce(f.url, s.url) AS url, f.final_url, f.status,
                             f.body_sha256, v.text_sha256, f.content_type, v.archive_copy_url,
                             f.memento_url
                      FROM versions v JOIN fetches f ON f.id = v.fetch_id
                      JOIN sources s ON s.id = v.source_id WHERE v.id = ?""", [version_id])
