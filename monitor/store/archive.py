"""The Internet Archive's copies in the database (``monitor.archive``).

A backfill imports the archive's captures of a page as versions *before* the first
version dialogue-watch made itself, oldest first, each in its own transaction:

- the fetch and the version say where they came from (``origin`` 'archive', the
  memento address, the archive's capture time as ``at``, the status it recorded);
- the version's event is classified like a live check's (``events.classify``
  against the archive version before it), stored with its diff, dated at the
  capture, marked ``origin = 'archive'`` and never alerted;
- the live versions' numbers move up, so ``seq`` stays in time order;
- the first live version's event is told again against the archive's copy just
  before it (``settle_seam``): the same text makes it a ``seen_in_archive`` note, a
  different one the change it was (never a false "new" or a false change).

``archive_imports`` keeps every capture looked at, so a stopped backfill resumes.
"""

from monitor.analysis import events
from monitor.store import blobs
from monitor.store.connection import immediate_transaction, iso, now, one, writes
from monitor.store.rows import (
    fetch_row, insert_diff, insert_event, insert_version, marker_key, marker_key_from_row,
    store_text,
)
from monitor.store.sql import index_lines, insert_row

ARCHIVE = "archive"
# the live version's event kinds that settle_seam may tell again
SEAM_KINDS = events.SEAM_KINDS


def window(db, source_id):
    """``(after, before)``: the times between which a capture may still be imported.
    After the archive's last imported version (they are imported oldest first), and
    before dialogue-watch's own first check of the page (from then on it keeps its
    own record). Either may be None."""
    after = one(db, "SELECT max(at) AS at FROM versions WHERE source_id = ? AND origin = ?",
                [source_id, ARCHIVE])["at"]
    before = one(db, "SELECT min(at) AS at FROM fetches WHERE source_id = ? AND origin IS NULL",
                 [source_id])["at"]
    return after, before


def looked_at(db, source_id):
    """``{(timestamp, url)}`` of the captures a backfill already looked at, and the
    digest of the last one read (identical captures that follow it are skipped unread)."""
    rows = db.execute("SELECT timestamp, url, digest, outcome FROM archive_imports "
                      "WHERE source_id = ? ORDER BY timestamp", [source_id]).fetchall()
    read = [digest for _, _, digest, outcome in rows if not outcome.startswith("skipped")]
    return {(ts, url) for ts, url, _, _ in rows}, (read[-1] if read else None)


@writes
def note_capture(db, source_id, capture, outcome, version_id=None):
    """Remember a capture that was looked at (imported, or skipped with a reason)."""
    with immediate_transaction(db):
        _note(db, source_id, capture, outcome, version_id)


def _note(db, source_id, capture, outcome, version_id=None):
    db.conn.execute(
        "INSERT OR REPLACE INTO archive_imports (source_id, timestamp, url, digest, status, "
        "outcome, version_id, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [source_id, capture.timestamp, capture.url, capture.digest, capture.status, outcome,
         version_id, iso(now())])


@writes
def record_capture(db, fetch, observation, capture, memento_url, rules=None):
    """Store one archive capture (``fetch``, a ``PageFetch`` dated at the capture) read
    as ``observation``; return the event kind, or None (the same as the copy before).
    ``capture``: the ``monitor.archive.cdx.Capture`` it came from."""
    with immediate_transaction(db):
        kind, version_id = _record_capture(db, fetch, observation, memento_url, rules)
        _note(db, fetch.source_id, capture, kind or _outcome_words(observation), version_id)
        return kind


def _record_capture(db, fetch, observation, memento_url, rules):
    if observation.outcome not in ("ok", "not_modified"):  # a '404' page, a wall, unreadable:
        return None, None  # only noted (archive_imports), never a failed check of the page
    previous = _last_archived(db, fetch.source_id)
    body_sha = None
    if observation.keeps_body:
        body_sha = blobs.pack(db.conn, "bodies", fetch.body, previous and previous["body_sha256"])
    row = {**fetch_row(fetch, observation, body_sha, None, None), "origin": ARCHIVE,
           "memento_url": memento_url}
    fetch_id = insert_row(db, "fetches", row)
    if observation.outcome == "not_modified" or observation.text is None:  # the same bytes
        db.conn.execute("UPDATE fetches SET version_id = ? WHERE id = ?",
                        [previous and previous["id"], fetch_id])
        return None, previous and previous["id"]
    texts = store_text(db, observation.text, previous)
    decision = events.classify(_previous(previous), events.Outcome(
        "ok", texts.after_sha, marker_key(observation.marker)))
    if not decision.new_version:
        db.conn.execute("UPDATE fetches SET version_id = ? WHERE id = ?", [previous["id"], fetch_id])
        return None, previous["id"]
    _make_room(db, fetch.source_id, previous["seq"] + 1 if previous else 1)
    version_id = insert_version(db, fetch, fetch_id, observation, texts.after_sha, body_sha,
                                 previous, rules)
    db.conn.execute("UPDATE versions SET origin = ?, memento_url = ?, archive_timestamp = ?, "
                    "archive_status = ? WHERE id = ?",
                    [ARCHIVE, memento_url, fetch.fetched_at, fetch.status, version_id])
    db.conn.execute("UPDATE fetches SET version_id = ? WHERE id = ?", [version_id, fetch_id])
    if texts.changed:
        index_lines(db.conn, version_id, texts.before, texts.after)
    insert_event(db, fetch, fetch_id, decision.kind, previous, version_id, observation, (),
                  texts, columns={"origin": ARCHIVE})
    settle_seam(db, fetch.source_id)
    return decision.kind, version_id


def _outcome_words(observation):
    if observation.outcome in ("ok", "not_modified"):
        return observation.outcome
    return f"skipped: {observation.error or observation.note or observation.outcome}"


def _previous(version):
    return events.Previous(has_version=version is not None,
                           text_sha256=version and version["text_sha256"],
                           marker=version and marker_key_from_row(version),
                           state="ok", consecutive_errors=0)


def _last_archived(db, source_id):
    return one(db, "SELECT * FROM versions WHERE source_id = ? AND origin = ? "
                   "ORDER BY seq DESC LIMIT 1", [source_id, ARCHIVE])


def _make_room(db, source_id, seq):
    """Number ``seq`` free for a version before the live ones: theirs move up by one
    (in two steps: ``seq`` is unique per page at every moment)."""
    db.conn.execute("UPDATE versions SET seq = -(seq + 1) WHERE source_id = ? AND seq >= ?",
                    [source_id, seq])
    db.conn.execute("UPDATE versions SET seq = -seq WHERE source_id = ? AND seq < 0", [source_id])


def settle_seam(db, source_id):
    """Tell the first live version's event again against the archive's copy just
    before it: the same reading is a ``seen_in_archive`` note, another one the change
    it shows (with its diff). It is marked as told by the archive; no alert is sent."""
    live = one(db, "SELECT * FROM versions WHERE source_id = ? AND origin IS NULL "
                   "ORDER BY seq LIMIT 1", [source_id])
    if live is None:
        return
    before = one(db, "SELECT * FROM versions WHERE source_id = ? AND seq = ? AND origin = ?",
                 [source_id, live["seq"] - 1, ARCHIVE])
    marks = ", ".join("?" * len(SEAM_KINDS))
    event = one(db, f"SELECT * FROM events WHERE version_id = ? AND fetch_id = ? AND kind IN "
                    f"({marks}) ORDER BY id LIMIT 1", [live["id"], live["fetch_id"], *SEAM_KINDS])
    if before is None or event is None:
        return
    decision = events.classify(_previous(before), events.Outcome(
        "ok", live["text_sha256"], marker_key_from_row(live)))
    kind = decision.kind or "seen_in_archive"
    diff_id = added = removed = None
    if kind in events.DIFFED_KINDS:
        diff_id, added, removed = _diff(db, source_id, before, live)
    db.conn.execute("UPDATE events SET kind = ?, origin = ?, marker_before = ?, diff_id = ?, "
                    "lines_added = ?, lines_removed = ? WHERE id = ?",
                    [kind, ARCHIVE, before["marker_text"], diff_id, added, removed, event["id"]])
    if event["diff_id"]:  # told against an earlier copy before: that diff is replaced
        db.conn.execute("DELETE FROM diffs WHERE id = ?", [event["diff_id"]])
    # an alert of its "new" not sent yet would now tell of the archive: it is not sent
    db.conn.execute("DELETE FROM alert_outbox WHERE event_id = ? AND status = 'pending'",
                    [event["id"]])


def _diff(db, source_id, before, after):
    return insert_diff(db, source_id, before["id"], after["id"],
                       blobs.text(db.conn, before["text_sha256"]) or "",
                       blobs.text(db.conn, after["text_sha256"]) or "")


# -- Save Page Now: the queue of copies to ask for ----------------------------
# A trigger (schema m021) writes one archive_requests row per changed version of a
# page with archive_changes, in the event's transaction. ``monitor.archive.savepagenow``
# delivers one row at a time: pending -> sending (under a fresh claim token) -> sent
# (with the copy's address, also kept on the version), or back to pending with the
# time of the next attempt.

# The events whose version is sent to Save Page Now: every change of the text or of
# its 'last updated' line.
ARCHIVED_KINDS = events.ARCHIVED_KINDS


@writes
def claim_request(db, moment):
    """The oldest capture request due at ``moment``, marked 'sending'; or None."""
    import uuid

    with immediate_transaction(db):
        row = one(db, "SELECT id FROM archive_requests WHERE status = 'pending' AND "
                      "next_attempt_at <= ? ORDER BY id LIMIT 1", [moment])
        if row is None:
            return None
        db.conn.execute("UPDATE archive_requests SET status = 'sending', claim_token = ?, "
                        "claimed_at = ?, attempts = attempts + 1 WHERE id = ?",
                        [uuid.uuid4().hex, iso(now()), row["id"]])
        return one(db, "SELECT * FROM archive_requests WHERE id = ?", [row["id"]])


@writes
def request_done(db, claim, copy_url):
    """Record the copy's address on the request and its version; False when the claim
    was taken away (nothing is changed)."""
    with immediate_transaction(db):
        done = db.conn.execute(
            "UPDATE archive_requests SET status = 'sent', sent_at = ?, copy_url = ?, "
            "last_error = NULL WHERE id = ? AND claim_token = ? AND status = 'sending'",
            [iso(now()), copy_url, claim["id"], claim["claim_token"]]).rowcount == 1
        if done:
            db.conn.execute("UPDATE versions SET archive_copy_url = ? WHERE id = ?",
                            [copy_url, claim["version_id"]])
        return done


@writes
def request_failed(db, claim, error, retry_at):
    """Back to pending with the error; every other request waits as long (the archive
    is refusing or down: asking again sooner would only add to it)."""
    with immediate_transaction(db):
        db.conn.execute("UPDATE archive_requests SET status = 'pending', last_error = ?, "
                        "next_attempt_at = ? WHERE id = ? AND claim_token = ?",
                        [error, retry_at, claim["id"], claim["claim_token"]])
        db.conn.execute("UPDATE archive_requests SET next_attempt_at = max(next_attempt_at, ?) "
                        "WHERE status = 'pending'", [retry_at])


@writes
def release_requests(db):
    """Put every 'sending' request back to pending (only the lock's holder may: it
    proves the sender is dead); return how many."""
    with immediate_transaction(db):
        return db.conn.execute("UPDATE archive_requests SET status = 'pending', claim_token = "
                               "NULL WHERE status = 'sending'").rowcount


def requests(db):
    """Every capture request, oldest first (for ``archive-changes`` and the tests)."""
    return list(db.query("SELECT * FROM archive_requests ORDER BY id"))


# -- export: every stored capture (monitor.archive.export) --------------------


def stored_captures(db, source_ids=(), with_bodies=True):
    """Every fetch that kept its bytes, oldest first, with its bytes (an iterator: one
    capture in memory at a time)."""
    marks = ", ".join("?" * len(source_ids))
    where = f"AND f.source_id IN ({marks})" if source_ids else ""
    sql = f"""SELECT f.id, f.source_id, coalesce(f.url, s.url) AS url, f.final_url, f.at,
                     f.status, f.content_type, f.headers, f.body_sha256, f.origin, f.memento_url
              FROM fetches f JOIN sources s ON s.id = f.source_id
              WHERE f.body_sha256 IS NOT NULL {where} ORDER BY f.at, f.id"""
    for row in list(db.query(sql, list(source_ids))):
        yield {**row, "body": blobs.unpack(db.conn, "bodies", row["body_sha256"]) if with_bodies else None}
