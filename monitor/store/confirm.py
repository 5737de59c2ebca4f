"""Held changes: a doubtful change of a page waits for a second look before anyone
is told (``monitor.analysis.doubt`` decides; this module reads and keeps the hold).

The capture of a held change is stored at once like any other (the evidence is
never held back); only its version, its event and its alerts wait. The page's
state keeps which fetch is held, its text, when it was seen, why it was doubtful,
and when the page is fetched again (``confirm_at``: ``run`` checks it then; a
``crawl`` leaves it to the next check). While a change is held, the page is
fetched without ETag / If-Modified-Since, so the second look is a full one.
"""

import dataclasses
import datetime

from monitor.analysis import dates, doubt, events, volatile
from monitor.store import blobs
from monitor.store.connection import iso

HOLD, MACHINE = "hold", "machine"
# Kinds that a change of the compared text can be given, and which are weighed.
WEIGHED_KINDS = events.WEIGHED_KINDS


@dataclasses.dataclass(frozen=True)
class Held:
    fetch_id: int  # the latest held fetch (its capture is the text that may be confirmed)
    text_sha256: str
    at: str  # when the held change was first seen
    reason: str
    looks: int = 1  # checks in a row that found it (or its places changed again)


@dataclasses.dataclass(frozen=True)
class Weighed:
    outcome: str | None  # HOLD, MACHINE, or doubt's TRANSIENT / CONFIRMED / VOLATILE / HOLD_AGAIN
    judgement: doubt.Judgement | None = None
    held: Held | None = None
    keep_held: bool = False  # HOLD_AGAIN of a change that stayed: its first capture stays held

    @property
    def words(self):
        return self.judgement.words if self.judgement else None


def held(state):
    """The page's held change, or None."""
    if not state or not state.get("held_fetch_id"):
        return None
    return Held(state["held_fetch_id"], state["held_text_sha256"], state["held_at"],
                state["held_reason"], state.get("held_looks") or 1)


def weigh(conn, state, current, texts, kind, outcome, fetched_at, marker_after=None,
          unfinished=False):
    """How this check weighs: a held change resolved, or a new change judged.

    ``texts``: ``rows.Texts`` of this check (None when it read no text); ``kind``:
    the event ``events.classify`` gave; ``outcome``: the observation's; ``marker_after``:
    the words of this check's "last updated" line (put aside with the current one's:
    a date bumped to today is never taken for a machine's clock)."""
    pending = held(state)
    if pending and outcome == "not_modified":  # the same bytes as the genuine version
        return Weighed(doubt.TRANSIENT, held=pending)
    if pending and texts is not None and outcome == "ok":
        found, stayed = _resolve(conn, current, texts, pending, fetched_at)
        if found != doubt.AGAIN:
            return Weighed(found, doubt.Judgement(doubt.DOUBTFUL, pending.reason), pending,
                           keep_held=stayed and found == doubt.HOLD_AGAIN)
    if kind not in WEIGHED_KINDS or texts is None or not texts.changed:
        return Weighed(None, held=pending)
    judgement = doubt.judge(doubt.without_marker(texts.before, current["marker_text"]),
                            doubt.without_marker(texts.after, marker_after), fetched_at,
                            current["at"], _languages(conn, current["source_id"]), unfinished)
    verdict = {doubt.MACHINE: MACHINE, doubt.DOUBTFUL: HOLD}.get(judgement.verdict)
    return Weighed(verdict, judgement, pending)


def _languages(conn, source_id):
    """The page's languages for reading dates (its locale), English last."""
    row = conn.execute("SELECT locale, country FROM sources WHERE id = ?", [source_id]).fetchone()
    return dates.context(row[0] if row and row[0] else "en").langs


def _resolve(conn, current, texts, pending, fetched_at):
    """``(outcome, stayed)``: what this look found of the held change, and whether it
    found a number-only change's numbers unchanged."""
    genuine = texts.before if texts.changed else None
    if genuine is None:  # this check reads as the genuine version
        return doubt.TRANSIENT, False
    held_text = blobs.text(conn, pending.text_sha256) or ""
    if pending.reason == "numbers":
        look = doubt.numbers_look(genuine, held_text, texts.after, fetched_at, pending.at,
                                  current["at"], _languages(conn, current["source_id"]))
        return doubt.resolve_numbers(look, pending.looks, _steady_looks(conn, pending)), \
            look == doubt.STAYED
    return doubt.resolve(current["text_sha256"], pending.text_sha256, texts.after_sha,
                         same_places=volatile.same_places(genuine, held_text, texts.after),
                         like_held=_like(held_text, texts.after), looks=pending.looks), False


def _steady_looks(conn, pending):
    """Looks before this one that found the held change's numbers unchanged: the checks
    since its capture (which stays held while they do), this one aside."""
    (found,) = conn.execute("SELECT count(*) FROM fetches WHERE source_id = "
                            "(SELECT source_id FROM fetches WHERE id = ?) AND id > ? "
                            "AND outcome IN ('ok', 'not_modified')",
                            [pending.fetch_id, pending.fetch_id]).fetchone()
    return max(found - 1, 0)


def _like(held_text, new_text):
    """Whether the new text differs from the held one only in values (the same lines)."""
    found, other = volatile.changes(held_text, new_text, pair_others=False)
    return bool(found) and not other


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
    return (f"a change was seen ({judgement.words}); it is confirmed by checking the page again "
            f"from {confirm_at} before anyone is told")
