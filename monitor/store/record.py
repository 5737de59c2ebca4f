"""Writes: one fetch with everything that follows from it (the watched sources are
``store.sources``, the crawls ``store.crawls``, the shared rows ``store.rows``)."""

import dataclasses
import datetime
import json

from monitor.analysis import doubt, events, links, rules, staleness, volatile
from monitor.store import blobs, confirm
from monitor.store import links as link_store
from monitor.store import screenshots
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
                 rules=None, reread=None, confirm_after=300.0):
    """Store one fetch and whatever follows from it; return the event kind or None.

    ``fetch`` is a ``monitor.items.PageFetch``; ``observation`` a
    ``monitor.analysis.analyze.Observation``; ``subscribers`` the ``monitor.notify.alerts.Subscriber``s
    whose alerts go to the outbox with each event, in the same transaction.
    ``rules`` (``monitor.analysis.rules.of``) read this fetch; when they are not the ones that
    read the current version, ``reread`` is the current version's capture read
    again with them: it becomes the version this fetch is compared with.
    ``confirm_after``: seconds after which a held doubtful change is looked at again
    (``monitor.store.confirm``).
    """
    with immediate_transaction(db):
        return _record(db, fetch, observation, failing_after, crawl_id, subscribers,
                       rules, reread, confirm_after)


SUPERSEDED = ("superseded: a fetch of this page sent later, by a crawl that started later, was "
              "stored first, so this older copy changes nothing")


def _record(db, fetch, observation, failing_after, crawl_id, subscribers=(), rules=None,
            reread=None, confirm_after=300.0):
    state = _state(db, fetch.source_id)
    if _is_superseded(db, fetch, state, crawl_id):
        row = fetch_row(fetch, observation, None, crawl_id, state)
        insert_row(db, "fetches", {**row, "outcome": "superseded", "error": SUPERSEDED})
        return None
    current = _current_version(db, fetch.source_id)
    seam = current is None and _latest_archived(db, fetch.source_id)  # the archive's last copy
    current = current or seam or None
    body_sha = None
    if observation.keeps_body:
        body_sha = blobs.pack(db.conn, "bodies", fetch.body, current and current["body_sha256"])
    fetch_id = insert_row(db, "fetches", fetch_row(fetch, observation, body_sha, crawl_id, state))
    if state and state.get("url") and fetch.url != state["url"]:
        insert_event(db, fetch, fetch_id, "moved", current, current and current["id"],
                      Note(f"the address changed from {state['url']} to {fetch.url}"))
    restart = False
    if rules is not None and current is not None and current["rules"] != rules:
        current, restart = _apply_rules(db, fetch, fetch_id, current, rules, reread)
    texts = store_texts(db, observation, current)
    text_sha = texts.after_sha if texts else None
    seen = link_store.observe(db.conn, observation, current, rules)  # what the page links to
    if observation.outcome == "not_modified" and current:
        text_sha, body_sha = current["text_sha256"], current["body_sha256"]
    previous = _previous(state, current)
    decision = events.classify(previous, events.Outcome(
        observation.outcome, text_sha, marker_key(observation.marker)
        if observation.outcome == "ok" else previous.marker), failing_after)
    if restart and decision.kind in events.TEXT_KINDS | {"marker_only"}:
        decision = dataclasses.replace(decision, kind=None)  # the note says why
    if restart and not decision.new_version and observation.outcome in ("ok", "not_modified"):
        # the new rules read this check as the current version: it stands for them too
        db.conn.execute("UPDATE versions SET rules = ? WHERE id = ?", [rules, current["id"]])
    quiet = bool(seam) and state is None and observation.outcome == "ok"  # told by the archive
    if seam and observation.outcome == "ok":  # dialogue-watch's own first version follows it
        decision = dataclasses.replace(decision, new_version=True,
                                       kind=decision.kind or "seen_in_archive")
    if decision.kind == "updated" and texts and doubt.only_marker_moved(  # the marker is not the text
            texts.before, texts.after, current["marker_text"], _marker_words(observation)):
        decision = dataclasses.replace(decision, kind="marker_only", text_changed=False)
    places = None  # volatile places (monitor.analysis.volatile): a change only where the page
    if not restart and not confirm.held(state):  # changes at every check is a note
        decision, places = _judge_volatile(db, fetch, fetch_id, decision, texts, current,
                                           observation)
    weighed = confirm.Weighed(None)  # confirm before accusing (monitor.store.confirm)
    if not restart and not seam and current is not None and decision.kind != volatile.NOTE:
        weighed = confirm.weigh(db.conn, state, current, texts, decision.kind,
                                observation.outcome, fetch.fetched_at, _marker_words(observation),
                                observation.unfinished)
    if weighed.outcome in (confirm.HOLD, doubt.HOLD_AGAIN):
        return _hold(db, fetch, fetch_id, observation, decision, state, current, text_sha,
                     weighed, confirm_after)
    change_fetch, change_fetch_id = fetch, fetch_id  # when and where a change was first seen
    if weighed.held and observation.outcome != "error":
        confirm.release(db.conn, fetch.source_id)
        if weighed.outcome == doubt.TRANSIENT:
            insert_event(db, dataclasses.replace(fetch, fetched_at=weighed.held.at),
                          weighed.held.fetch_id, "transient", current, current["id"],
                          Note(_transient_words(weighed.held)),
                          columns={"confirmed_by": fetch_id})
        elif weighed.outcome == doubt.CONFIRMED:
            change_fetch = dataclasses.replace(fetch, fetched_at=weighed.held.at)
            change_fetch_id = weighed.held.fetch_id
            body_sha = confirm.held_body(db.conn, change_fetch_id) or body_sha
            if weighed.judgement.replaces and decision.kind in confirm.WEIGHED_KINDS:
                decision = dataclasses.replace(decision, kind="replaced")
            elif not restart:  # the volatile places' history follows confirmed changes too
                decision, places = _judge_volatile(db, fetch, fetch_id, decision, texts, current,
                                                   observation, **_numbers_history(weighed))
    if weighed.outcome == doubt.VOLATILE:  # the same places changed again: a counter, a token
        known = _volatile_places(db, fetch.source_id)
        verdict = volatile.confirmed(known, texts.before, texts.after, fetch.fetched_at)
        decision, places = dataclasses.replace(decision, kind=verdict.kind), (verdict, known)
    elif weighed.outcome == confirm.MACHINE:  # seen on sight: a note, never an alert
        decision = dataclasses.replace(decision, kind=volatile.NOTE)
    # links compared with the archive's copy (a first check after a backfill) are not news
    link_kinds = links.kinds(seen.changes) if seen and seen.changes and not restart \
        and not seam else []
    if link_kinds and not decision.new_version:  # a link came or went: that is a new version
        decision = dataclasses.replace(decision, new_version=True)
    version_id = current["id"] if current and not seam else None
    if decision.new_version:
        version_id = insert_version(db, change_fetch, change_fetch_id, observation, text_sha,
                                     body_sha, current, rules, links=seen)
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
    hidden = None  # a full answer shows a change the site's 304s hid: say so, trust them no more
    if decision.new_version and current and not restart and decision.kind != "restored" \
            and hid_a_change(db, fetch, state):
        hidden = distrust(db, fetch, fetch_id)
    alerted = decision.kind and decision.kind not in events.NOTE_KINDS
    link_words = link_store.change_words(db, fetch, seen) if link_kinds else None
    if decision.kind:  # a text change and a link change in one check: one alert says both
        insert_event(db, change_fetch, change_fetch_id, decision.kind, current, version_id,
                      observation, subscribers, texts, "; ".join(w for w in (
                          _weighed_words(weighed, decision.kind, texts), hidden,
                          link_words if alerted else None) if w) or None,
                      columns={"confirmed_by": fetch_id} if change_fetch_id != fetch_id else None)
    if link_kinds:
        link_store.insert_events(db, fetch, fetch_id, link_kinds, seen.changes, current, version_id,
                                 link_store.not_told(db, fetch, subscribers,
                                                     decision.kind if alerted else None))
    if places:  # volatile places: their history, the note's words, a volatile_text problem
        _store_volatile(db, fetch, fetch_id, *places, current, version_id, subscribers, texts)
    if quiet and decision.kind:
        _from_archive(db, fetch_id, decision.kind)
    _update_state(db, fetch, observation, decision, state, version_id, change_fetch.fetched_at)
    _note_problem(db, fetch, fetch_id, (state or {}).get("problem"), current, version_id,
                  observation, subscribers)
    if version_id is not None and observation.outcome in ("ok", "not_modified"):
        _note_stale(db, fetch, fetch_id, state, current, version_id, subscribers)
    return decision.kind


# -- confirm before accusing (monitor.store.confirm) ---------------------------


def _hold(db, fetch, fetch_id, observation, decision, state, current, text_sha, weighed,
          confirm_after):
    """Keep a doubtful change's capture, and nothing else of it, until the page is
    fetched again: no version, no event, no alert; the page's state stays."""
    looks = weighed.held.looks + 1 if weighed.outcome == doubt.HOLD_AGAIN else 1
    confirm_at = confirm.hold(db.conn, fetch.source_id, fetch_id, text_sha, fetch.fetched_at,
                              weighed.judgement.reason, confirm_after, looks,
                              weighed.keep_held)
    db.conn.execute("UPDATE fetches SET note = coalesce(note || '; ', '') || ? WHERE id = ?",
                    [confirm.hold_note(weighed.judgement, confirm_at), fetch_id])
    unchanged = dataclasses.replace(decision, kind=None, new_version=False, text_changed=False)
    _update_state(db, fetch, observation, unchanged, state, current["id"])
    return None


def _marker_words(observation):
    return observation.marker.text if observation.marker and observation.outcome == "ok" else None


def _transient_words(held):
    return (f"the check at {held.at} found something other than the page "
            f"({doubt.REASON_WORDS.get(held.reason, held.reason)}); checked again, the page "
            "was back as before: that capture is kept, and nothing was alerted")


def _weighed_words(weighed, kind, texts):
    """What the event says of how its change was weighed."""
    if weighed.outcome == confirm.MACHINE:
        return f"only values a machine writes anew changed ({weighed.words})"
    if weighed.outcome == doubt.VOLATILE:
        return "the same part of the page changed again when it was checked again"
    if weighed.outcome == doubt.CONFIRMED and kind == "replaced":
        return replaced_words(texts.after)
    if weighed.outcome == doubt.CONFIRMED:
        return f"confirmed by checking again ({weighed.words})"
    return None


def replaced_words(text):
    """The new page's first lines, for a ``replaced`` event."""
    lines = [line.strip() for line in text.splitlines() if line.strip()][:3]
    shown = " / ".join(line[:120] for line in lines)
    return f"the page now shows something else entirely; it begins: {shown}"


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


# -- volatile places: the parts of a page that change at every check -----------


def _judge_volatile(db, fetch, fetch_id, decision, texts, current, observation,
                    streak=volatile.AFTER, quiet_checks=1):
    """``(decision, (verdict, places before))`` for a new version (``monitor.analysis.volatile``):
    its event becomes a volatile_change note when it changed only volatile places.
    Nothing is read for a check that made no new version."""
    if not decision.new_version or current is None or texts is None or decision.kind == "restored":
        return decision, None
    history = _volatile_places(db, fetch.source_id)
    if not history and not texts.changed:
        return decision, None
    before, after = (texts.before, texts.after) if texts.changed else ("", "")
    marker_texts = (current["marker_text"], observation.marker and observation.marker.text)
    still = bool(history) and _seen_unchanged_since(db, fetch.source_id, current, fetch_id,
                                                    quiet_checks)
    verdict = volatile.judge(history, decision.kind, before, after, fetch.fetched_at, marker_texts,
                             still, streak)
    if not verdict.history and not history:
        return decision, None
    return dataclasses.replace(decision, kind=verdict.kind), (verdict, history)


def _store_volatile(db, fetch, fetch_id, verdict, history, current, version_id, subscribers,
                    texts):
    if verdict.history != history:
        _save_volatile_places(db, fetch.source_id, verdict.history)
    if verdict.kind == volatile.NOTE:  # after what the fetch itself said, if anything
        db.conn.execute("UPDATE events SET detail = coalesce(detail || '; ', '') || ? "
                        "WHERE fetch_id = ? AND kind = ?",
                        [volatile.note_words(verdict.changes), fetch_id, volatile.NOTE])
    if verdict.flagged:
        words = " ".join(volatile.problem_words(
            change, volatile.suggest_rule(change, texts.before, texts.after),
            verdict.history[change.place].recent) for change in verdict.flagged)
        insert_event(db, fetch, fetch_id, "volatile_text", current, version_id, Note(words),
                      subscribers)


def _numbers_history(weighed):
    """A confirmed change of numbers only: its places are a counter at their second such
    change within ``doubt.COUNTER_WITHIN`` checks (a number updated now and then stays news)."""
    if weighed.held and weighed.held.reason == "numbers":
        return {"streak": doubt.COUNTER_STREAK, "quiet_checks": doubt.COUNTER_WITHIN}
    return {}


def _seen_unchanged_since(db, source_id, version, fetch_id, checks=1):
    """Did ``checks`` checks between ``version``'s fetch and this one find the page unchanged?"""
    # a held check (no version) did not find it unchanged; the check that confirmed a held
    # change did (a number updated now and then, each confirmed, stays news)
    sql = ("SELECT count(*) FROM fetches WHERE source_id = ? AND at >= ? AND id > ? AND id < ? "
           "AND outcome IN ('ok', 'not_modified') AND version_id IS NOT NULL")
    found = db.conn.execute(sql, [source_id, version["at"], version["fetch_id"], fetch_id])
    return found.fetchone()[0] >= checks


def _volatile_places(db, source_id):
    rows = db.conn.execute("SELECT place, streak, quiet, recent, volatile_since FROM "
                           "volatile_places WHERE source_id = ?", [source_id]).fetchall()
    return {place: volatile.Place(streak, quiet, tuple(json.loads(recent)), since)
            for place, streak, quiet, recent, since in rows}


def _save_volatile_places(db, source_id, places):
    db.conn.execute("DELETE FROM volatile_places WHERE source_id = ?", [source_id])
    db.conn.executemany(
        "INSERT INTO volatile_places (source_id, place, streak, quiet, recent, volatile_since) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(source_id, place, p.streak, p.quiet, json.dumps(p.recent, ensure_ascii=False), p.since)
         for place, p in places.items()])


def _is_superseded(db, fetch, state, crawl_id):
    """Stored state never goes back: was this fetch's request sent before the one the
    page's state comes from, by a crawl that started before that one's?

    Only two crawls that overlap (the database's lock forbids it) can give such a
    fetch. The crawls' order is the database's own (their ids), never a clock: a
    fetch stamped earlier because the computer's clock went back is from a later
    crawl, so it is stored and compared like any other (``clock.note`` says why
    its time is earlier)."""
    latest = state and state.get("last_started_at")
    if not (latest and fetch.started_at and fetch.started_at < latest and crawl_id):
        return False
    row = db.conn.execute("SELECT crawl_id FROM fetches WHERE source_id = ? AND outcome != "
                          "'superseded' ORDER BY id DESC LIMIT 1", [fetch.source_id]).fetchone()
    return bool(row and row[0] and crawl_id < row[0])


def _previous(state, current):
    return events.Previous(
        has_version=current is not None,
        text_sha256=current["text_sha256"] if current else None,
        marker=marker_key_from_row(current) if current else None,
        state=state["state"] if state else "new",
        consecutive_errors=state["consecutive_errors"] if state else 0,
    )


# -- rules changed: re-read the current version with the new rules ------------


def _apply_rules(db, fetch, fetch_id, current, rules_json, reread):
    """The version to compare this fetch with, once the current one is read with the
    new rules; and whether the comparison restarts (the new rules cannot read it).

    The same reading: the current version only takes the new rules. Another reading:
    a new version of the same capture (``reread_of``), with a ``rules_changed`` note
    and the diff the rules made. Never an alerting event, never "text changed"."""
    changes = rules.differences(current["rules"], rules_json)
    words = "; ".join(changes) or "the rules were recorded"
    if reread is None or reread.outcome != "ok":
        why = (reread.error or reread.note) if reread is not None else "no stored copy"
        _note_rules(db, fetch, fetch_id, current, current["id"], changes,
                    f"{words}. The new rules cannot read the last version ({why}), so this "
                    "check starts the comparison afresh: no change is reported for it")
        return current, True
    text_sha = store_text(db, reread.text, current).after_sha
    # the links the new rules read in the last capture: this fetch's are compared with them
    seen = link_store.baseline(db.conn, reread, rules_json, current)
    same = text_sha == current["text_sha256"] and marker_key(reread.marker) == \
        marker_key_from_row(current)
    if same:
        db.conn.execute("UPDATE versions SET rules = ? WHERE id = ?", [rules_json, current["id"]])
        if seen:
            link_store.attach(db.conn, current["id"], seen)
        _note_rules(db, fetch, fetch_id, current, current["id"], changes,
                    f"{words}; the page reads the same with them")
        return version_by_id(db, current["id"]), False
    version_id = insert_version(db, fetch, current["fetch_id"], reread, text_sha,
                                 current["body_sha256"], current, rules_json, current["id"],
                                 links=seen)
    index_lines(db.conn, version_id, blobs.text(db.conn, current["text_sha256"]) or "", reread.text)
    _note_rules(db, fetch, fetch_id, current, version_id, changes,
                f"{words}; the last version was read again with them")
    db.conn.execute("UPDATE source_state SET current_version_id = ? WHERE source_id = ?",
                    [version_id, fetch.source_id])
    return version_by_id(db, version_id), False


def _note_rules(db, fetch, fetch_id, current, version_id, changes, words):
    """A rules_changed note, once: while the new rules cannot read the page at all, the
    next checks find the same rules and the same version again and say nothing more."""
    if not changes:  # a version from before rules were recorded takes them silently
        return
    last = db.conn.execute("SELECT detail, version_id FROM events WHERE source_id = ? AND kind = "
                           "'rules_changed' ORDER BY id DESC LIMIT 1", [fetch.source_id]).fetchone()
    if last != (words, version_id):
        insert_event(db, fetch, fetch_id, "rules_changed", current, version_id, Note(words))


def _note_problem(db, fetch, fetch_id, previous, current, version_id, observation, subscribers):
    """Record a monitoring problem (events.PROBLEM_KINDS) the first time it shows."""
    problem, new = events.problem(observation.outcome, observation.error or observation.note,
                                  previous)
    if new:
        insert_event(db, fetch, fetch_id, new, current, version_id, observation, subscribers)
    if problem != previous:
        db.conn.execute("UPDATE source_state SET problem = ? WHERE source_id = ?", [problem, fetch.source_id])


def _update_state(db, fetch, observation, decision, state, version_id, changed_at=None):
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
    if fetch.status == 200 and observation.outcome in ("ok", "not_modified"):
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


