"""The rows a check writes, shared by every writer of the store (``record`` for a live
check, ``archive`` for the Internet Archive's copies, ``readings`` for a capture read
again): the fetch row, the version with its "last updated" columns, the stored text
(a delta against the one before), and the event with its diff and queued alerts.
"""

import json

from monitor import clock
from monitor.analysis import diffing, events, markers
from monitor.store import blobs
from monitor.store.connection import one
from monitor.store.outbox import enqueue_alerts
from monitor.store.sql import insert_row


class Texts:
    """The fetched text and the current version's, decoded only when they differ."""

    def __init__(self, db, after, current):
        self.after = after
        self.after_sha = blobs.sha256(after.encode("utf-8"))
        self.before_sha = current["text_sha256"] if current else None
        self.changed = self.after_sha != self.before_sha
        self.before = (blobs.text(db.conn, self.before_sha) or "") if self.changed and current else ""


def store_texts(db, observation, current):
    """Store the fetched text (a delta against the current one) and return both."""
    if observation.text is None:
        return None
    return store_text(db, observation.text, current)


def store_text(db, text, current):
    """Store ``text``, unless it is the current version's, as a delta against that one (the
    one place a text is stored); return both as ``Texts``."""
    texts = Texts(db, text, current)
    if texts.changed:
        blobs.pack(db.conn, "texts", texts.after.encode("utf-8"), texts.before_sha,
                   base_data=texts.before.encode("utf-8") if texts.before_sha else None)
    return texts


def marker_key(marker):
    """What two "last updated" readings are compared by: the date at its precision."""
    return f"{marker.date}|{marker.precision}" if marker else None


def marker_key_from_row(row):
    return marker_key(marker_from_row(row))


def fetch_row(fetch, observation, body_sha, crawl_id, state):
    headers = _headers_worth_storing(fetch, observation, state)
    return {
        "source_id": fetch.source_id, "crawl_id": crawl_id, "at": fetch.fetched_at,
        "started_at": fetch.started_at, "url": _address(fetch, state),
        "status": fetch.status, "outcome": observation.outcome,
        "final_url": fetch.final_url if fetch.final_url != fetch.url else None,
        "content_type": fetch.content_type,
        "headers": json.dumps(headers, separators=(",", ":")) if headers else None,
        "duration_ms": fetch.duration_ms, "error": observation.error, "body_sha256": body_sha,
        "note": clock.note(fetch.fetched_at, (state or {}).get("last_checked_at")),
    }


def _address(fetch, state):
    """The address a fetch was made at, stored only when it is not the page's own
    ``url`` (nearly always it is: a URL on every routine check would be most of its
    row). ``sync_sources`` writes the old address into these rows when the url changes."""
    return None if state and fetch.url == state["source_url"] else fetch.url


def _headers_worth_storing(fetch, observation, state):
    """An unchanged page (a 304, or the same bytes again) repeats what is stored:
    its length and the validators the state holds. Keep only headers that moved."""
    if observation.outcome != "not_modified" or not state:
        return fetch.headers
    known = {"ETag": state["etag"], "Last-Modified": state["last_modified"]}
    return {k: v for k, v in fetch.headers.items()
            if k != "Content-Length" and known.get(k) != v}


def insert_version(db, fetch, fetch_id, observation, text_sha, body_sha, current, rules=None,
                    reread_of=None, links=None):
    marker = observation.marker if observation.outcome == "ok" else None
    if observation.outcome == "not_modified" and current:
        marker = marker_from_row(current)
    row = {
        "source_id": fetch.source_id, "seq": (current["seq"] + 1) if current else 1,
        "fetch_id": fetch_id, "at": fetch.fetched_at, "text_sha256": text_sha,
        "body_sha256": body_sha, **marker_columns(marker),
        "rules": rules if rules is not None else (current or {}).get("rules"),
        "reread_of": reread_of,
        "links_sha256": links.sha256 if links else (current or {}).get("links_sha256"),
        "links_rules": links.rules if links else (current or {}).get("links_rules"),
    }
    return insert_row(db, "versions", row)


def country_of(db, source_id):
    (country,) = db.execute("SELECT country FROM sources WHERE id = ?", [source_id]).fetchone()
    return country


class Note:
    """The detail of a note event (what ``insert_event`` reads of an observation)."""

    def __init__(self, words):
        self.error, self.note = None, words


def marker_columns(marker):
    if marker is None:
        return {"marker_text": None, "marker_date": None, "marker_precision": None,
                "marker_origin": None, "marker_until": None}
    return {
        "marker_text": marker.text, "marker_date": marker.date,
        "marker_precision": marker.precision, "marker_origin": marker.origin,
        "marker_until": markers.latest_day(marker.date, marker.precision).isoformat(),
    }


def marker_from_row(row):
    if not row["marker_date"]:
        return None
    return markers.Marker(row["marker_text"], row["marker_date"], row["marker_precision"],
                          row["marker_origin"])


def insert_event(db, fetch, fetch_id, kind, current, version_id, observation, subscribers=(),
                  texts=None, words=None, columns=None):
    added = removed = diff_id = None
    new_version = version_by_id(db, version_id) if version_id else None
    same_reading = kind == "rules_changed" and new_version and new_version["id"] == current["id"]
    if kind in events.DIFFED_KINDS and current and new_version and not same_reading:
        before, after = _diff_texts(db, texts, current, new_version)
        diff_id, added, removed = insert_diff(db, fetch.source_id, current["id"], version_id,
                                              before, after)
    country = country_of(db, fetch.source_id)
    event_id = insert_row(db, "events", {
        "source_id": fetch.source_id, "country": country, "fetch_id": fetch_id, "at": fetch.fetched_at,
        "kind": kind, "version_id": version_id,
        "marker_before": current["marker_text"] if current else None,
        "marker_after": new_version["marker_text"] if new_version else None,
        "lines_added": added, "lines_removed": removed, "diff_id": diff_id,
        "detail": "; ".join(w for w in (observation.error or observation.note, words) if w) or None,
        **(columns or {}),
    })
    enqueue_alerts(db, event_id, fetch.source_id, kind, subscribers)
    return event_id


def insert_diff(db, source_id, from_version_id, to_version_id, before, after):
    """The line diff between two versions' texts, stored; ``(diff id, lines added, lines
    removed)``."""
    result = diffing.line_diff(before, after)
    diff_id = insert_row(db, "diffs", {
        "source_id": source_id, "from_version_id": from_version_id,
        "to_version_id": to_version_id, "lines_added": result["lines_added"],
        "lines_removed": result["lines_removed"], "diff": result["diff"]})
    return diff_id, result["lines_added"], result["lines_removed"]


def _diff_texts(db, texts, current, new_version):
    """The texts to diff; decoded here only for a version that is not this fetch's text
    (a page restored after it was gone)."""
    if texts and texts.changed and texts.after_sha == new_version["text_sha256"]:
        return texts.before, texts.after
    return (blobs.text(db.conn, current["text_sha256"]) or "",
            blobs.text(db.conn, new_version["text_sha256"]) or "")


def version_by_id(db, version_id):
    return one(db, "SELECT * FROM versions WHERE id = ?", [version_id])
