"""Held changes: a doubtful change of a page waits for a second look before anyone
is told (``monitor.analysis.check`` weighs it; this module reads what weighing needs
and keeps the hold).

The capture of a held change is stored at once like any other (the evidence is
never held back); only its version, its event and its alerts wait. The page's
state keeps which fetch is held, its text, when it was seen, why it was doubtful,
and when the page is fetched again (``confirm_at``: ``run`` checks it then; a
``crawl`` leaves it to the next check). While a change is held, the page is
fetched without ETag / If-Modified-Since, so the second look is a full one.
"""

import datetime

from monitor.analysis import check, dates, doubt
from monitor.store import blobs
from monitor.store.connection import iso

def held(state):
    """The page's held change (``check.Held``), or None."""
    if not state or not state.get("held_fetch_id"):
        return None
    return check.Held(state["held_fetch_id"], state["held_text_sha256"], state["held_at"],
                      state["held_reason"], state.get("held_looks") or 1)


def facts(conn, current, texts, pending, outcome):
    """What weighing a check reads (``check.Facts``: ``languages``, ``held_text``,
    ``steady_looks``), read only for a check whose text changed; for a look that found
    the page as it was after a change of lines' words was held, ``held_text`` and
    ``genuine_text`` (``_lines_back``)."""
    if current is None:
        return {}
    if texts is None or not texts.changed:  # the page as it was: the held lines went back?
        return _lines_back(conn, current, pending, outcome)
    found = {"languages": _languages(conn, current["source_id"])}
    if pending and outcome == "ok":
        found["held_text"] = blobs.text(conn, pending.text_sha256) or ""
        if pending.reason == "numbers":
            found["steady_looks"] = _steady_looks(conn, pending)
    return found


def _lines_back(conn, current, pending, outcome):
    """For a look that found the last genuine version again after a change of lines' words
    was held: both texts, to name those lines volatile places (``check._lines_back``)."""
    if not pending or pending.reason not in (*doubt.LINE_REASONS, doubt.AT_ONCE) \
            or outcome not in ("ok", "not_modified"):
        return {}
    return {"held_text": blobs.text(conn, pending.text_sha256) or "",
            "genuine_text": blobs.text(conn, current["text_sha256"]) or ""}


def _languages(conn, source_id):
    """The page's languages for reading dates (its locale), English last."""
    row = conn.execute("SELECT locale, country FROM sources WHERE id = ?", [source_id]).fetchone()
    return dates.context(row[0] if row and row[0] else "en").langs


def _steady_looks(conn, pending):
    """Looks before this one that found the held change's numbers unchanged: the checks
    since its capture (which stays held while they do), this one aside."""
    (found,) = conn.execute("SELECT count(*) FROM fetches WHERE source_id = "
                            "(SELECT source_id FROM fetches WHERE id = ?) AND id > ? "
                            "AND outcome IN ('ok', 'not_modified')",
                            [pending.fetch_id, pending.fetch_id]).fetchone()
    return max(found - 1, 0)


def hold(conn, source_id, fetch_id, text_sha256, at, reason, confirm_after_seconds, looks=1,
         keep_held=False):
    """Keep a doubtful change until the page is fetched again (after ``confirm_after_seconds``
    from ``at``, the check that held it); ``looks``: checks in a row that found it;
    ``keep_held``: the change stayed, its first capture stays the held one."""
    if keep_held:
        row = conn.execute("SELECT held_fetch_id, held_text_sha256 FROM source_state "
                           "WHERE source_id = ?", [source_id]).fetchone()
        fetch_id, text_sha256 = row if row and row[0] else (fetch_id, text_sha256)
    moment = datetime.datetime.fromisoformat(at.replace("Z", "+00:00"))
    confirm_at = iso(moment + datetime.timedelta(seconds=confirm_after_seconds))
    conn.execute("UPDATE source_state SET held_fetch_id = ?, held_text_sha256 = ?, "
                 "held_at = coalesce(?, held_at), held_reason = ?, confirm_at = ?, held_looks = ? "
                 "WHERE source_id = ?",
                 [fetch_id, text_sha256, None if looks > 1 else at, reason, confirm_at, looks,
                  source_id])
    return confirm_at


def release(conn, source_id):
    conn.execute("UPDATE source_state SET held_fetch_id = NULL, held_text_sha256 = NULL, "
                 "held_at = NULL, held_reason = NULL, confirm_at = NULL, held_looks = NULL "
                 "WHERE source_id = ?",
                 [source_id])


def held_body(conn, fetch_id):
    """The body hash of the held fetch (its capture)."""
    row = conn.execute("SELECT body_sha256 FROM fetches WHERE id = ?", [fetch_id]).fetchone()
    return row[0] if row else None


def hold_note(judgement, confirm_at):
    if judgement.reason == doubt.AT_ONCE:
        return ("a change was seen; it is told only if the page, fetched again at once, "
                "still shows it")
    return (f"a change was seen ({judgement.words}); it is confirmed by checking the page again "
            f"from {confirm_at} before anyone is told")
