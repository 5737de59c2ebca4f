"""Discovery's storage: the items each discovery source listed, the pages adopted
from them, their ``new_publication`` events and ``delisted`` notes.

``record`` stores one read of a discovery source (``monitor.discover.reader.Read``) as
``monitor.discover.decide`` judges it, in one transaction: the items (first and last
seen, left the listing when), the adopted pages' rows in ``sources`` (with
``discovered_from`` and ``discovered_at``: from then on they are watched like any
page), their events and alerts, and a ``discovery_checks`` row saying what the read
found. ``adopted`` lists the pages to crawl; ``new_publications`` feeds the site.
"""

import hashlib
from urllib.parse import urlsplit

from monitor.discover import decide as deciding
from monitor.store.connection import immediate_transaction, iso, now, writes
from monitor.store.outbox import enqueue_alerts


@writes
def record(db, read, crawl_id=None, subscribers=()):
    """Store ``read``; return what it found, in words (the crawl's progress line)."""
    discovery = read.discovery
    known = _known(db, discovery.id)
    matched = deciding.matching(discovery, read.items)
    with immediate_transaction(db):
        adopted = _adopted_count(db, discovery.id)
        decision = deciding.decide(known, read.items, matched, read.complete, adopted,
                                   discovery.limit, _read_before(db, discovery.id))
        at = iso(now())
        _store_items(db, discovery, decision, matched, at)
        for item, rule in decision.adopt:
            _adopt(db, discovery, item, rule, at, subscribers)
        _delist(db, discovery, decision, known, at)
        words = _words(read, decision)
        db["discovery_checks"].insert({
            "discovery_id": discovery.id, "crawl_id": crawl_id, "at": at, "pages": read.pages,
            "items": len(decision.listed), "fresh": len(decision.fresh),
            "adopted": len(decision.adopt), "complete": int(read.complete), "error": read.error,
            "note": _limit_note(discovery, decision)})
    return words


def _known(db, discovery_id):
    return {row["key"]: deciding.Known(row["key"], row["url"], row["source_id"],
                                       bool(row["delisted_at"]))
            for row in db.query("SELECT key, url, source_id, delisted_at FROM discovery_items "
                                "WHERE discovery_id = ?", [discovery_id])}


def _read_before(db, discovery_id):
    """Whether a complete read of the source, without error, was stored before."""
    return db.execute("SELECT 1 FROM discovery_checks WHERE discovery_id = ? AND complete = 1 "
                      "AND error IS NULL LIMIT 1", [discovery_id]).fetchone() is not None


def _adopted_count(db, discovery_id):
    return db.execute("SELECT count(*) FROM discovery_items WHERE discovery_id = ? AND "
                      "source_id IS NOT NULL", [discovery_id]).fetchone()[0]


def _store_items(db, discovery, decision, matched, at):
    """Every listed item: new ones inserted (a baseline in the first read), known ones
    seen again at their latest address and words."""
    db.conn.executemany(
        "INSERT INTO discovery_items (discovery_id, key, url, title, date, summary, "
        "first_seen_at, last_seen_at, baseline, matched) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (discovery_id, key) DO UPDATE SET url = excluded.url, "
        "title = excluded.title, date = coalesce(excluded.date, date), "
        "summary = excluded.summary, last_seen_at = excluded.last_seen_at, delisted_at = NULL",
        [(discovery.id, item.key, item.url, item.title, item.date, item.summary, at, at,
          int(decision.first_read), matched.get(item.key)) for item in decision.listed])


def adopted_id(discovery_id, key):
    """The watched page's id: the discovery source's id, '-' and a hash of the item's key."""
    return f"{discovery_id}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:10]}"


def _adopt(db, discovery, item, rule, at, subscribers):
    source_id = adopted_id(discovery.id, item.key)
    kind = "pdf" if urlsplit(item.url).path.lower().endswith(".pdf") else "html"
    db["sources"].upsert({
        "id": source_id, "country": discovery.country, "title": item.title or item.url,
        "url": item.url, "kind": kind, "locale": discovery.locale, "active": 1,
        "notes": f"found in {discovery.title} ({discovery.url})", "updated_at": at,
        "discovered_from": discovery.id, "discovered_at": at}, pk="id", alter=False)
    db.execute("UPDATE discovery_items SET source_id = ? WHERE discovery_id = ? AND key = ?",
               [source_id, discovery.id, item.key])
    dated = f" ({item.date})" if item.date else ""
    _event(db, source_id, discovery.country, at, "new_publication", (
        f"“{item.title or item.url}”{dated}, listed in {discovery.title} ({discovery.url}); "
        f"it matched “{rule}”. The page is now watched at {item.url}"), subscribers)


def _delist(db, discovery, decision, known, at):
    if decision.delisted:
        db.conn.executemany("UPDATE discovery_items SET delisted_at = ? WHERE discovery_id = ? "
                            "AND key = ?", [(at, discovery.id, key) for key in decision.delisted])
    for key in decision.delisted:
        if known[key].source_id:
            _event(db, known[key].source_id, discovery.country, at, "delisted", (
                f"{discovery.title} ({discovery.url}) no longer lists this publication; it is "
                f"still watched at {known[key].url}, so if it disappears from there too, that "
                "is a 'gone' event"))


def _event(db, source_id, country, at, kind, words, subscribers=()):
    event_id = db.conn.execute("INSERT INTO events (source_id, country, at, kind, detail) "
                               "VALUES (?, ?, ?, ?, ?)", [source_id, country, at, kind, words]).lastrowid
    enqueue_alerts(db, event_id, source_id, kind, subscribers)


def _limit_note(discovery, decision):
    if not decision.over_limit:
        return None
    return (f"{decision.over_limit} more matching publication(s) were not watched: this source "
            f"already gave its limit of {discovery.limit} pages. Fix: raise limit: in its "
            "discover: entry in sources.yaml, or narrow its match: words")


def _words(read, decision):
    if read.error and not decision.listed:
        return f"discovery failed ({read.error})"
    if decision.first_read:
        return f"{len(decision.listed)} item(s) listed, a first read: none is told as new"
    words = f"{len(decision.listed)} item(s) listed, {len(decision.fresh)} new"
    if decision.adopt:
        words += f", event: new_publication {len(decision.adopt)} (matching, now watched)"
    if decision.over_limit:
        words += f", {decision.over_limit} over the limit"
    return words + (f" ({read.error})" if read.error else "")


def adopted(db, discovery_ids):
    """The watched pages adopted from ``discovery_ids``: rows of id, url, title, kind,
    country, locale, discovered_from."""
    if not discovery_ids:
        return []
    marks = ", ".join("?" * len(discovery_ids))
    return list(db.query(f"SELECT id, url, title, kind, country, locale, notes, discovered_from "
                         f"FROM sources WHERE discovered_from IN ({marks}) ORDER BY discovered_at, id",
                         list(discovery_ids)))


def unfetched(db, ids):
    """Of the source ``ids``, those never fetched yet."""
    if not ids:
        return set()
    marks = ", ".join("?" * len(ids))
    fetched = {row[0] for row in db.execute(
        f"SELECT DISTINCT source_id FROM fetches WHERE source_id IN ({marks})", list(ids))}
    return set(ids) - fetched


@writes
def keep_adopted_active(db, discovery_ids):
    """``sync_sources`` marks every source missing from sources.yaml inactive: the pages
    adopted from discovery sources still listed there stay active (watched, on the site)."""
    if not discovery_ids:
        return
    marks = ", ".join("?" * len(discovery_ids))
    with immediate_transaction(db):
        db.execute(f"UPDATE sources SET active = 1 WHERE discovered_from IN ({marks})",
                   list(discovery_ids))


def new_publications(db, per_country=5):
    """{country: [rows of title, url, date, listing, first seen, source id]}: the newest
    publications discovery adopted, per partner (the site's home page)."""
    found = {}
    for row in db.query(
            "SELECT s.country, i.title, i.url, i.date, s.discovered_from AS listing, "
            "i.first_seen_at, s.id AS source_id FROM discovery_items i "
            "JOIN sources s ON s.id = i.source_id WHERE s.active = 1 "
            "ORDER BY i.first_seen_at DESC, i.rowid DESC"):
        rows = found.setdefault(row["country"], [])
        if len(rows) < per_country:
            rows.append(row)
    return found


def last_checks(db):
    """{discovery id: its latest check (at, pages, items, fresh, adopted, complete, error,
    note) and ``watched``, the pages it gave in all}; empty before any crawl read one."""
    if not db["discovery_checks"].exists():
        return {}
    watched = dict(db.execute("SELECT discovery_id, count(*) FROM discovery_items WHERE "
                              "source_id IS NOT NULL GROUP BY discovery_id").fetchall())
    return {row["discovery_id"]: {**row, "watched": watched.get(row["discovery_id"], 0)}
            for row in db.query("SELECT * FROM discovery_checks WHERE id IN (SELECT max(id) FROM "
                                "discovery_checks GROUP BY discovery_id)")}


def last_checked(db, ids):
    """{source id: when it was last checked (ISO)} for the ``ids`` checked at least once."""
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    return dict(db.execute(f"SELECT source_id, last_checked_at FROM source_state WHERE source_id "
                           f"IN ({marks}) AND last_checked_at IS NOT NULL", list(ids)).fetchall())
