"""Volatile places: the parts of a page that change at every check (a counter, a
token, a 'generated at' line; ``monitor.analysis.volatile`` judges them). Their
history is read before a check is decided (``facts``) and kept after (``keep``)."""

import json

from monitor.analysis import volatile
from monitor.store.rows import Note, insert_event


def facts(db, fetch_id, current):
    """The page's volatile places and, when it has some, the checks that found the
    compared version unchanged since it was captured (``check.Facts``)."""
    if current is None:
        return {}
    places = _read(db, current["source_id"])
    if not places:
        return {}
    return {"places": places, "unchanged_checks": _unchanged_checks(db, current, fetch_id)}


def keep(db, fetch, fetch_id, verdict, history, current, version_id, subscribers, texts):
    """Keep the places' history after ``verdict`` (``volatile.Verdict``): the note's words,
    and a volatile_text problem for each place that became volatile."""
    if verdict.history != history:
        _save(db, fetch.source_id, verdict.history)
    if verdict.kind == volatile.NOTE:  # after what the fetch itself said, if anything
        db.conn.execute("UPDATE events SET detail = coalesce(detail || '; ', '') || ? "
                        "WHERE fetch_id = ? AND kind = ?",
                        [volatile.note_words(verdict.changes), fetch_id, volatile.NOTE])
    if verdict.flagged:
        words = " ".join(volatile.problem_words(
            change, volatile.suggest_rule(change, texts.before, texts.after) if texts else None,
            verdict.history[change.place].recent) for change in verdict.flagged)
        insert_event(db, fetch, fetch_id, "volatile_text", current, version_id, Note(words),
                     subscribers)


def _unchanged_checks(db, version, fetch_id):
    """The checks between ``version``'s fetch and this one that found the page unchanged."""
    # a held check (no version) did not find it unchanged; the check that confirmed a held
    # change did (a number updated now and then, each confirmed, stays news), unless it
    # was the same crawl's second fetch of the page (doubt.AT_ONCE): a check is a crawl
    sql = ("SELECT count(DISTINCT coalesce(crawl_id, -id)) FROM fetches WHERE source_id = ? "
           "AND at >= ? AND id > ? AND id < ? AND outcome IN ('ok', 'not_modified') "
           "AND version_id IS NOT NULL AND coalesce(crawl_id, -id) IS NOT "
           "(SELECT coalesce(crawl_id, -id) FROM fetches WHERE id = ?)")
    found = db.conn.execute(sql, [version["source_id"], version["at"], version["fetch_id"],
                                  fetch_id, version["fetch_id"]])
    return found.fetchone()[0]


def _read(db, source_id):
    rows = db.conn.execute("SELECT place, streak, quiet, recent, volatile_since FROM "
                           "volatile_places WHERE source_id = ?", [source_id]).fetchall()
    return {place: volatile.Place(streak, quiet, tuple(json.loads(recent)), since)
            for place, streak, quiet, recent, since in rows}


def _save(db, source_id, places):
    db.conn.execute("DELETE FROM volatile_places WHERE source_id = ?", [source_id])
    db.conn.executemany(
        "INSERT INTO volatile_places (source_id, place, streak, quiet, recent, volatile_since) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(source_id, place, p.streak, p.quiet, json.dumps(p.recent, ensure_ascii=False), p.since)
         for place, p in places.items()])
