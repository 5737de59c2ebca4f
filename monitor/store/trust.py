"""Conditional requests, and whether a site's 'not modified' answers are believed.

``validators`` gives a check its ETag / Last-Modified; a 304 is trusted but verified
(a full fetch every ``verify_every`` checks or every week), and a site whose 304s
once hid a change (``hid_a_change``) is fetched in full from then on (``distrust``).
"""

import datetime
import email.utils
from urllib.parse import urlsplit

from monitor.store.connection import iso, now, one


def validators(db, source_id, url=None, verify_every=None):
    """ETag / Last-Modified of the current version, for a conditional request to ``url``
    (none when they were given by another address: a moved page is fetched whole).

    A 304 is trusted, but verified: none either when this check verifies the page with
    a full fetch (``_verification_due``), or when the page's site once answered 304 for
    a page that had changed (``distrusted_sites``).

    Example: with ``verify_every=3`` an unchanged page's checks 1, 4, 7 ... are full.
    """
    row = one(db, "SELECT * FROM source_state WHERE source_id = ?", [source_id])
    if not row or not row["current_version_id"] or row["state"] == "gone":
        return {}
    if row.get("held_fetch_id"):  # a held change is confirmed by a full look (store.confirm)
        return {}
    if url is not None and row["validators_url"] not in (None, url):
        return {}
    sent = {k: row[k] for k in ("etag", "last_modified") if row[k]}
    if not sent or _verification_due(row, verify_every) or _distrusted(db, url or row["url"]):
        return {}
    return sent


# -- a 304 is trusted, but verified ------------------------------------------

# However few checks a page had, its last full (200) answer is at most this old.
VERIFY_AT_LEAST_EVERY_DAYS = 7
# A Last-Modified this much before our last 304 proves the 304 wrong (clocks differ).
CLOCK_SLACK_SECONDS = 3600
DISTRUSTED = ("the site kept answering 'not modified' although the page had changed; "
              "dialogue-watch no longer trusts its 'not modified' answers and fetches every "
              "page on {host} in full from now on")


def _verification_due(row, verify_every):
    """Is this check sent without validators, to verify the site's 304s? When the
    page's 304 answers since its last full one reach ``verify_every`` less one (every
    ``verify_every``-th check; 0 or None: never by count), or that answer is a week old."""
    if verify_every and (row["not_modified_answers"] or 0) >= verify_every - 1:
        return True
    week_ago = now() - datetime.timedelta(days=VERIFY_AT_LEAST_EVERY_DAYS)
    return row["last_full_at"] is None or row["last_full_at"] < iso(week_ago)


def _site(url):
    """The host whose 304s are trusted or not: one answer for all of its pages."""
    return (urlsplit(url).hostname or "") if url else ""


def _distrusted(db, url):
    sql = "SELECT 1 FROM distrusted_sites WHERE host = ?"
    return db.conn.execute(sql, [_site(url)]).fetchone() is not None


def hid_a_change(db, fetch, state):
    """Does this full answer, which shows a change, prove that the site's 304s since
    the last full one hid it? Only when the page still has the validators those 304s
    confirmed (the same ETag; the same Last-Modified where the site sends no ETag), or
    a Last-Modified between the last full answer and the last 304. New validators and
    a later date prove nothing: the page may have changed after the last 304."""
    if fetch.status != 200 or not state or not state.get("not_modified_answers"):
        return False
    if state["validators_url"] not in (None, fetch.url):
        return False
    etag, modified = fetch.headers.get("ETag"), fetch.headers.get("Last-Modified")
    if etag and etag == state["etag"]:
        return True
    if not (modified and state["last_modified"]):
        return False
    if not etag and not state["etag"] and modified == state["last_modified"]:
        return True
    return _modified_before_last_304(db, fetch.source_id, modified, state["last_modified"])


def _modified_before_last_304(db, source_id, modified, known):
    try:
        modified, known = (email.utils.parsedate_to_datetime(v) for v in (modified, known))
    except (TypeError, ValueError):
        return False
    row = db.conn.execute("SELECT at FROM fetches WHERE source_id = ? AND status = 304 "
                          "ORDER BY id DESC LIMIT 1", [source_id]).fetchone()  # stored last
    if row is None or None in (modified.tzinfo, known.tzinfo) or modified <= known:
        return False
    last_304 = datetime.datetime.fromisoformat(row[0].replace("Z", "+00:00"))
    return modified <= last_304 - datetime.timedelta(seconds=CLOCK_SLACK_SECONDS)


def distrust(db, fetch, fetch_id):
    """Send no validators to this fetch's site again; the words for the change's event."""
    host = _site(fetch.url)
    db.conn.execute("INSERT OR IGNORE INTO distrusted_sites (host, since, source_id, fetch_id) "
                    "VALUES (?, ?, ?, ?)", [host, fetch.fetched_at, fetch.source_id, fetch_id])
    return DISTRUSTED.format(host=host)
