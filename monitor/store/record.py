"""Writes: one fetch with everything that follows from it (the watched sources are
``store.sources``, the crawls ``store.crawls``, the shared rows ``store.rows``)."""

import dataclasses
import datetime

from monitor.analysis import check, doubt, events, links, rules, staleness
from monitor.store import blobs, confirm
from monitor.store import links as link_store
from monitor.store import places, screenshots
from monitor.store.connection import immediate_transaction, one, writes
from monitor.store.rows import (
    Note, fetch_row, insert_event, insert_version, marker_key, marker_key_from_row,
    store_text, store_texts, version_by_id,
)
from monitor.store.sql import index_lines, insert_row, upsert_state
from monitor.store.trust import distrust, hid_a_change

def current_capture(db, source_id):
    """The current version's body hash and marker origin (for skipping re-analysis),
    the rules that read it and its id."""
    row = _current_version(db, source_id)
    if not row:
        return None
    return {"body_sha256": row["body_sha256"], "marker_origin": row["marker_origin"],
            "rules": row["rules"], "version_id": row["id"], "text_sha256": row["text_sha256"]}


def _state(db, source_id):
    """The page's state, with its address in sources.yaml as ``source_url``."""
    return one(db, """SELECT st.*, (SELECT s.url FROM sources s WHERE s.id = st.source_id) AS source_url
                      FROM source_state st WHERE st.source_id = ?""", [source_id])


def _current_version(db, source_id):
    sql = """SELECT v.* FROM versions v JOIN source_state s ON s.current_version_id = v.id
             WHERE s.source_id = ?"""
    return one(db, sql, [source_id])


# -- recording one fetch ------------------------------------------------------


@writes
def record_fetch(db, fetch, observation, failing_after, crawl_id=None, subscribers=(),
                 rules=None, reread=None, confirm_after=300.0, look_again=False):
    """Store one fetch and whatever follows from it; return the event kind, ``LOOK_AGAIN``
    or None.

    ``fetch`` is a ``monitor.items.PageFetch``; ``observation`` a
    ``monitor.analysis.analyze.Observation``; ``subscribers`` the ``monitor.notify.alerts.Subscriber``s
    whose alerts go to the outbox with each event, in the same transaction.
    ``rules`` (``monitor.analysis.rules.of``) read this fetch; when they are not the ones that
    read the current version, ``reread`` is the current version's capture read
    again with them: it becomes the version this fetch is compared with.
    ``confirm_after``: seconds after which a held doubtful change is looked at again
    (``monitor.store.confirm``). ``look_again``: the caller fetches the page again at once
    when this returns ``LOOK_AGAIN`` (an edit held until then: ``doubt.AT_ONCE``).
    """
    with immediate_transaction(db):
        return _record(db, fetch, observation, failing_after, crawl_id, subscribers,
                       rules, reread, confirm_after, look_again)


# What record_fetch returns for an edit held until the page is fetched again at once.
LOOK_AGAIN = "look_again"


SUPERSEDED = ("superseded: a fetch of this page sent later, by a crawl that started later, was "
              "stored first, so this older copy changes nothing")


def _record(db, fetch, observation, failing_after, crawl_id, subscribers=(), rules=None,
            reread=None, confirm_after=300.0, look_again=False):
    """Decide, then store: the capture is stored and what the decision needs read
    (``_gather``), ``monitor.analysis.check.decide`` decides, ``_apply`` stores the rest."""
    state = _state(db, fetch.source_id)
    if _is_superseded(db, fetch, state, crawl_id):
        row = fetch_row(fetch, observation, None, crawl_id, state)
        insert_row(db, "fetches", {**row, "outcome": "superseded", "error": SUPERSEDED})
        return None
    page = _gather(db, fetch, observation, state, crawl_id, rules, reread, failing_after,
                   look_again)
    verdict = check.decide(page.facts)
    return _apply(db, fetch, observation, page, verdict, subscribers, rules, confirm_after)


@dataclasses.dataclass(frozen=True)
class _Page:
    """What the store kept and read of one check before deciding."""

    state: dict | None
    first: dict | None  # the version compared with (the archive's last copy at a seam) ...
    current: dict | None  # ... once read again with new rules
    seam: bool
    fetch_id: int
    body_sha: str | None
    text_sha: str | None
    texts: object  # rows.Texts, or None
    seen: object  # store.links.Seen, or None
    facts: check.Facts


def _gather(db, fetch, observation, state, crawl_id, rules, reread, failing_after,
            look_again=False):
    """Store the capture (its fetch, text and links; the compared version read again with
    new rules) and read the plain facts the decision needs."""
    first = _current_version(db, fetch.source_id)
    seam = first is None and _latest_archived(db, fetch.source_id)  # the archive's last copy
    first = first or seam or None
    body_sha = None
    if observation.keeps_body:
        body_sha = blobs.pack(db.conn, "bodies", fetch.body, first and first["body_sha256"])
    fetch_id = insert_row(db, "fetches", fetch_row(fetch, observation, body_sha, crawl_id, state))
    current, rereading = first, None
    if rules is not None and first is not None and first["rules"] != rules:
        current, rereading = _reread(db, fetch, first, rules, reread)
    texts = store_texts(db, observation, current)
    text_sha = texts.after_sha if texts else None
    seen = link_store.observe(db.conn, observation, current, rules)  # what the page links to
    if observation.outcome == "not_modified" and current:
        text_sha, body_sha = current["text_sha256"], current["body_sha256"]
    previous = _previous(state, current)
    outcome = events.Outcome(observation.outcome, text_sha, marker_key(observation.marker)
                             if observation.outcome == "ok" else previous.marker)
    held = confirm.held(state)
    may_change = bool(seam or held) or events.classify(previous, outcome).new_version
    facts = check.Facts(
        previous, outcome, failing_after, fetch.fetched_at, first_check=state is None,
        url=fetch.url, moved_from=(state or {}).get("url"), reread=rereading, seam=bool(seam),
        texts=texts, marker_before=current and current["marker_text"],
        marker_after=_marker_words(observation), compared_at=current and current["at"],
        unfinished=observation.unfinished, held=held,
        link_kinds=tuple(links.kinds(seen.changes)) if seen and seen.changes else (),
        hid_a_change=current is not None and hid_a_change(db, fetch, state),
        look_at_once=look_again,
        **confirm.facts(db.conn, current, texts, held, observation.outcome),
        **(places.facts(db, fetch_id, current) if may_change else {}))
    return _Page(state, first, current, bool(seam), fetch_id, body_sha, text_sha, texts, seen,
                 facts)


def _apply(db, fetch, observation, page, verdict, subscribers, rules, confirm_after):
    """Store what ``verdict`` says, in the transaction that stored the capture."""
    fetch_id, current, decision = page.fetch_id, page.current, verdict.decision
    for note in verdict.notes:  # moved, rules_changed
        insert_event(db, fetch, fetch_id, note.kind, page.first,
                     note.version_id or (page.first and page.first["id"]), Note(note.words))
    if verdict.keep_rules:  # the new rules read this check as the current version: it stands for them too
        db.conn.execute("UPDATE versions SET rules = ? WHERE id = ?", [rules, current["id"]])
    if verdict.hold:
        return _hold(db, fetch, observation, page, verdict, confirm_after)
    seen_first = fetch, fetch_id  # when and where a change was first seen
    body_sha, held = page.body_sha, verdict.weighed.held
    if verdict.release:
        confirm.release(db.conn, fetch.source_id)
    if verdict.transient:
        insert_event(db, dataclasses.replace(fetch, fetched_at=held.at), held.fetch_id,
                     "transient", current, current["id"],
                     Note(_transient_words(held, verdict.moving)),
                     columns={"confirmed_by": fetch_id})
    elif verdict.confirmed:
        seen_first = dataclasses.replace(fetch, fetched_at=held.at), held.fetch_id
        body_sha = confirm.held_body(db.conn, held.fetch_id) or body_sha
    version_id = _store_version(db, fetch, fetch_id, seen_first, observation, page, decision,
                                body_sha, rules)
    if verdict.moving:  # it did not find the page's version: words of its own, as the held one
        db.conn.execute("UPDATE fetches SET version_id = NULL WHERE id = ?", [fetch_id])
    hidden = distrust(db, fetch, fetch_id) if verdict.distrust else None
    _store_events(db, fetch, fetch_id, seen_first, observation, page, verdict, version_id,
                  hidden, subscribers)
    if verdict.places:  # volatile places: their history, the note's words, a volatile_text problem
        places.keep(db, fetch, fetch_id, *verdict.places, current, version_id, subscribers,
                    page.texts)
    if verdict.quiet and decision.kind:
        _from_archive(db, fetch_id, decision.kind)
    _update_state(db, fetch, observation, decision, page.state, version_id, seen_first[0].fetched_at)
    _note_problem(db, fetch, fetch_id, (page.state or {}).get("problem"), current, version_id,
                  observation, subscribers)
    if version_id is not None and observation.outcome in ("ok", "not_modified"):
        _note_stale(db, fetch, fetch_id, page.state, current, version_id, subscribers)
    return decision.kind


def _store_version(db, fetch, fetch_id, seen_first, observation, page, decision, body_sha, rules):
    """The version this check stands for (a new one when the page changed, first seen at
    ``seen_first``: its fetch and fetch id), with what the page links to."""
    current, seen, texts = page.current, page.seen, page.texts
    version_id = current["id"] if current and not page.seam else None
    if decision.new_version:
        version_id = insert_version(db, *seen_first, observation, page.text_sha, body_sha,
                                    current, rules, links=seen)
        if texts and texts.changed:
            index_lines(db.conn, version_id, texts.before, texts.after)
        if getattr(fetch, "screenshot", None):  # a rendered page's picture (render: browser)
            screenshots.keep(db.conn, version_id, fetch.screenshot)
    elif seen and current and (seen.sha256, seen.rules) != (current["links_sha256"],
                                                            current["links_rules"]):
        link_store.attach(db.conn, version_id, seen)  # a baseline, or only chrome moved
    if seen and (seen.changes is None or seen.changes):
        link_store.track(db.conn, fetch.source_id, fetch.fetched_at, version_id, seen)
    if version_id is not None and observation.outcome in ("ok", "not_modified"):
        db.conn.execute("UPDATE fetches SET version_id = ? WHERE id = ?", [version_id, fetch_id])
    return version_id


def _store_events(db, fetch, fetch_id, seen_first, observation, page, verdict, version_id,
                  hidden, subscribers):
    """The check's event and its links' events: a text change and a link change in one
    check make one alert that says both."""
    kind, seen, current = verdict.decision.kind, page.seen, page.current
    alerted = kind and kind not in events.NOTE_KINDS
    link_words = link_store.change_words(db, fetch, seen) if verdict.link_kinds else None
    if kind:
        words = [verdict.words, hidden, link_words if alerted else None]
        insert_event(db, *seen_first, kind, current, version_id, observation, subscribers,
                     page.texts, "; ".join(w for w in words if w) or None,
                     columns={"confirmed_by": fetch_id} if seen_first[1] != fetch_id else None)
    if verdict.link_kinds:
        link_store.insert_events(db, fetch, fetch_id, list(verdict.link_kinds), seen.changes,
                                 current, version_id, link_store.not_told(
                                     db, fetch, subscribers, kind if alerted else None))


# -- confirm before accusing (monitor.store.confirm) ---------------------------


def _hold(db, fetch, observation, page, verdict, confirm_after):
    """Keep a doubtful change's capture, and nothing else of it, until the page is
    fetched again: no version, no event, no alert; the page's state stays."""
    weighed = verdict.weighed
    looks = weighed.held.looks + 1 if weighed.outcome == doubt.HOLD_AGAIN else 1
    at_once = weighed.judgement.reason == doubt.AT_ONCE
    confirm_at = confirm.hold(db.conn, fetch.source_id, page.fetch_id, page.text_sha,
                              fetch.fetched_at, weighed.judgement.reason,
                              0 if at_once else confirm_after, looks, weighed.keep_held)
    db.conn.execute("UPDATE fetches SET note = coalesce(note || '; ', '') || ? WHERE id = ?",
                    [confirm.hold_note(weighed.judgement, confirm_at), page.fetch_id])
    # held for the crawl's second fetch: the site's validators stay those of its last
    # settled answer, so that the second fetch can still prove its 304s hid a change
    _update_state(db, fetch, observation, verdict.decision, page.state, page.current["id"],
                  validators=not at_once)
    return LOOK_AGAIN if at_once else None


def _marker_words(observation):
    return observation.marker.text if observation.marker and observation.outcome == "ok" else None


def _transient_words(held, moving=False):
    if moving:
        return (f"the check at {held.at} found part of the page changed; fetched again at "
                "once, it showed other words again there: those parts are written anew at "
                "each visit (both captures are kept), and nothing was alerted")
    return (f"the check at {held.at} found something other than the page "
            f"({doubt.REASON_WORDS.get(held.reason, held.reason)}); checked again, the page "
            "was back as before: that capture is kept, and nothing was alerted")


# -- the Internet Archive's copies before the first check (monitor.store.archive) --


def _latest_archived(db, source_id):
    """The archive's last copy, when no check of dialogue-watch's own made a version yet:
    the first one is compared with it (no false "new" after a backfill)."""
    return one(db, "SELECT * FROM versions WHERE source_id = ? AND origin = 'archive' "
                   "ORDER BY seq DESC LIMIT 1", [source_id])


def _from_archive(db, fetch_id, kind):
    """The first check's event, told by comparing with the archive's copy: marked so,
    never alerted (its alerts, queued a moment ago in this transaction, are dropped)."""
    db.conn.execute("UPDATE events SET origin = 'archive' WHERE fetch_id = ? AND kind = ?",
                    [fetch_id, kind])
    db.conn.execute("DELETE FROM alert_outbox WHERE event_id IN (SELECT id FROM events "
                    "WHERE fetch_id = ? AND kind = ?)", [fetch_id, kind])


# -- stale: a claimed last update older than stale_after ----------------------


def _note_stale(db, fetch, fetch_id, state, current, version_id, subscribers):
    """Raise a ``stale`` event when the page's claim passes its source's stale_after
    (``staleness.stale_level``): once at 1x, once more at 2x, again only for another
    claim. The claim and the level raised for it are kept in source_state. Only a
    check that reached the page counts: a gone or failed one judges nothing."""
    source = one(db, "SELECT stale_after_days, baseline_days_stale FROM sources WHERE id = ?",
                  [fetch.source_id])
    if not source["stale_after_days"]:  # never: nothing to judge (the level raised stands)
        return
    # an unchanged page (most checks) is still its current version: no second read of it
    version = current if current and current["id"] == version_id else version_by_id(db, version_id)
    claim = version["marker_until"]
    same_claim = state is not None and state.get("stale_claim") == claim
    raised = (state.get("stale_level") or 0) if same_claim else 0
    today = datetime.date.fromisoformat(fetch.fetched_at[:10])
    level = staleness.stale_level(claim and datetime.date.fromisoformat(claim), today,
                                  source["stale_after_days"])
    if level > raised:
        claimed = datetime.date.fromisoformat(claim)
        words = staleness.stale_words(level, claimed, today, source["stale_after_days"],
                                      version["marker_text"], version["marker_origin"],
                                      source["baseline_days_stale"])
        insert_event(db, fetch, fetch_id, "stale", version, version_id, Note(words),
                      subscribers, columns={"days_stale": (today - claimed).days})
        raised = level
    if not same_claim or raised != (state.get("stale_level") or 0):
        db.conn.execute("UPDATE source_state SET stale_claim = ?, stale_level = ? "
                        "WHERE source_id = ?", [claim, raised, fetch.source_id])


def _is_superseded(db, fetch, state, crawl_id):
    """``check.superseded``, reading the page's latest crawl only when it may be.

    Only two crawls that overlap (the database's lock forbids it) can give such a
    fetch (``clock.note`` says why a later crawl's fetch may be stamped earlier)."""
    latest = state and state.get("last_started_at")
    if not check.sent_before(fetch.started_at, latest, crawl_id):
        return False
    row = db.conn.execute("SELECT crawl_id FROM fetches WHERE source_id = ? AND outcome != "
                          "'superseded' ORDER BY id DESC LIMIT 1", [fetch.source_id]).fetchone()
    return check.superseded(fetch.started_at, latest, crawl_id, row and row[0])


def _previous(state, current):
    return events.Previous(
        has_version=current is not None,
        text_sha256=current["text_sha256"] if current else None,
        marker=marker_key_from_row(current) if current else None,
        state=state["state"] if state else "new",
        consecutive_errors=state["consecutive_errors"] if state else 0,
    )


# -- rules changed: re-read the current version with the new rules ------------


def _reread(db, fetch, current, rules_json, reread):
    """The version to compare this fetch with, once the current one is read with the
    new rules, and what reading it found (``check.Reread``: the note is decided there).

    The same reading: the current version only takes the new rules. Another reading:
    a new version of the same capture (``reread_of``), with the diff the rules made.
    The new rules cannot read it: the comparison restarts. Never "text changed"."""
    changes = tuple(rules.differences(current["rules"], rules_json))
    last = db.conn.execute("SELECT detail, version_id FROM events WHERE source_id = ? AND kind = "
                           "'rules_changed' ORDER BY id DESC LIMIT 1",
                           [fetch.source_id]).fetchone() if changes else None
    if reread is None or reread.outcome != "ok":
        why = (reread.error or reread.note) if reread is not None else "no stored copy"
        return current, check.Reread(changes, "unreadable", current["id"], why, last)
    text_sha = store_text(db, reread.text, current).after_sha
    # the links the new rules read in the last capture: this fetch's are compared with them
    seen = link_store.baseline(db.conn, reread, rules_json, current)
    if text_sha == current["text_sha256"] and \
            marker_key(reread.marker) == marker_key_from_row(current):
        db.conn.execute("UPDATE versions SET rules = ? WHERE id = ?", [rules_json, current["id"]])
        if seen:
            link_store.attach(db.conn, current["id"], seen)
        return version_by_id(db, current["id"]), check.Reread(changes, "same", current["id"],
                                                              last_note=last)
    version_id = insert_version(db, fetch, current["fetch_id"], reread, text_sha,
                                current["body_sha256"], current, rules_json, current["id"],
                                links=seen)
    index_lines(db.conn, version_id, blobs.text(db.conn, current["text_sha256"]) or "", reread.text)
    db.conn.execute("UPDATE source_state SET current_version_id = ? WHERE source_id = ?",
                    [version_id, fetch.source_id])
    return version_by_id(db, version_id), check.Reread(changes, "other", version_id, last_note=last)


def _note_problem(db, fetch, fetch_id, previous, current, version_id, observation, subscribers):
    """Record a monitoring problem (events.PROBLEM_KINDS) the first time it shows."""
    problem, new = events.problem(observation.outcome, observation.error or observation.note,
                                  previous)
    if new:
        insert_event(db, fetch, fetch_id, new, current, version_id, observation, subscribers)
    if problem != previous:
        db.conn.execute("UPDATE source_state SET problem = ? WHERE source_id = ?", [problem, fetch.source_id])


def _update_state(db, fetch, observation, decision, state, version_id, changed_at=None,
                  validators=True):
    row = {
        "source_id": fetch.source_id, "state": decision.state,
        "consecutive_errors": decision.consecutive_errors,
        "first_seen_at": (state or {}).get("first_seen_at") or fetch.fetched_at,
        "last_checked_at": fetch.fetched_at, "current_version_id": version_id,
        "last_status": fetch.status, "last_error": observation.error,
        "last_started_at": fetch.started_at or (state or {}).get("last_started_at"),
        "url": fetch.url,
    }
    if observation.outcome in ("ok", "not_modified"):
        row["last_ok_at"] = fetch.fetched_at
    if validators and fetch.status == 200 and observation.outcome in ("ok", "not_modified"):
        row["etag"] = fetch.headers.get("ETag")
        row["last_modified"] = fetch.headers.get("Last-Modified")
        row["validators_url"] = fetch.url  # validators belong to the address that gave them
        row["last_full_at"], row["not_modified_answers"] = fetch.fetched_at, 0  # 304s verified
    elif fetch.status == 304:  # counted until the next full answer (validators)
        row["not_modified_answers"] = ((state or {}).get("not_modified_answers") or 0) + 1
    if decision.text_changed and decision.kind in events.TEXT_KINDS:
        # the government's last real change: not a counter (a volatile_change note),
        # not a check whose new rules could not read the last version (no event)
        row["last_changed_at"] = changed_at or fetch.fetched_at
    upsert_state(db, row)


# The per-fetch path uses fixed SQL: sqlite-utils' Table methods re-read the
# schema on every call (dozens of statements per fetch). Column names come from
# this module's own dicts, never from input.


