"""Discovery's storage: the items each discovery source listed, the pages adopted
from them, their ``new_publication`` events and ``delisted`` notes.

``record`` stores one read of a discovery source (``monitor.discover.reader.Read``) as
``monitor.discover.decide`` judges it, in one transaction: the items (first and last
seen, left the listing when), the adopted pages' rows in ``sources`` (with
``discovered_from`` and ``discovered_at``: from then on they are watched like any
page), their events and alerts, and a ``discovery_checks`` row saying what the read
found. ``adopted`` lists the pages to crawl; ``new_publications`` feeds the site.

With ``match_page:`` (``monitor.discover.decide``), ``page_plan`` tells the crawl which
items it already knows and which wait for their linked page to be read; ``record``
takes the linked pages read (``decide.PageRead``) and keeps each item's page state:
read once, never again; a page that could not be read is tried at the next read, up to
``PAGE_TRIES`` reads.
"""

import hashlib
from urllib.parse import urlsplit

from monitor.discover import decide as deciding
from monitor.store.connection import immediate_transaction, iso, now, writes
from monitor.store.outbox import enqueue_alerts

PAGE_TRIES = 3  # reads at which a linked page that does not load is tried, at most


@writes
def record(db, read, crawl_id=None, subscribers=(), pages=()):
    """Store ``read`` and the linked ``pages`` it read (``decide.PageRead``: match_page:);
    return what it found, in words (the crawl's progress line)."""
    discovery = read.discovery
    known = _known(db, discovery.id)
    matched = deciding.matching(discovery, read.items)
    in_page = {page.key: page.rule for page in pages if page.rule and page.key not in matched}
    with immediate_transaction(db):
        adopted = _adopted_count(db, discovery.id)
        decision = deciding.decide(known, read.items, {**in_page, **matched}, read.complete,
                                   adopted, discovery.limit, _read_before(db, discovery.id))
        at = iso(now())
        _store_items(db, discovery, decision, {**in_page, **matched}, at)
        _page_states(db, discovery, decision, matched, known, pages, at)
        kinds = {page.key: page.kind for page in pages}
        for item, rule in decision.adopt:
            _adopt(db, discovery, item, rule, at, subscribers,
                   item.key in in_page, kinds.get(item.key))
        _delist(db, discovery, decision, known, at)
        words = _words(read, decision, pages)
        db["discovery_checks"].insert({
            "discovery_id": discovery.id, "crawl_id": crawl_id, "at": at, "pages": read.pages,
            "items": len(decision.listed), "fresh": len(decision.fresh),
            "adopted": len(decision.adopt), "complete": int(read.complete), "error": read.error,
            "note": _limit_note(discovery, decision), "linked": len(pages)})
    return words


def _known(db, discovery_id):
    return {row["key"]: deciding.Known(row["key"], row["url"], row["source_id"],
                                       bool(row["delisted_at"]), row["page_state"] == "waiting")
            for row in db.query("SELECT key, url, source_id, delisted_at, page_state FROM "
                                "discovery_items WHERE discovery_id = ?", [discovery_id])}


def page_plan(db, discovery):
    """What the crawl must know to read linked pages for ``discovery`` (``match_page:``):
    a ``decide.PagePlan``, or None without match_page."""
    if not discovery.match_page:
        return None
    rows = db.execute("SELECT key, page_state, source_id FROM discovery_items WHERE "
                      "discovery_id = ? ORDER BY first_seen_at, rowid", [discovery.id]).fetchall()
    first_read = not rows and not _read_before(db, discovery.id)
    # an item adopted meanwhile (its title matched) is watched: its page is never fetched
    # again for matching, though its linked page was still waiting
    return deciding.PagePlan(frozenset(key for key, _, _ in rows),
                             tuple(key for key, state, adopted in rows
                                   if state == "waiting" and adopted is None), first_read)


def _page_states(db, discovery, decision, matched, known, pages, at):
    """Each item's linked page after this read: read (never fetched again), or waiting
    (it failed, or the read's match_page_limit left it for the next); 'failed' after
    PAGE_TRIES failed reads."""
    if not discovery.match_page or decision.first_read:
        return
    done = {page.key: page for page in pages}
    fresh = {each.key for each in decision.fresh}
    for each in decision.listed:
        page = done.get(each.key)
        waiting = each.key in known and known[each.key].waiting
        if page is None and each.key in fresh and each.key not in matched:
            _set_page(db, discovery.id, each.key, "page_state = 'waiting'", [])
        elif page is not None and page.error is None:
            _set_page(db, discovery.id, each.key, "page_state = 'read', page_read_at = ?, "
                      "page_error = NULL, matched_in = ?", [at, "page" if page.rule else None])
        elif page is not None and (waiting or each.key in fresh):
            _set_page(db, discovery.id, each.key, (
                "page_tries = coalesce(page_tries, 0) + 1, page_error = ?, page_state = "
                "CASE WHEN coalesce(page_tries, 0) + 1 >= ? THEN 'failed' ELSE 'waiting' END"),
                [page.error, PAGE_TRIES])


def _set_page(db, discovery_id, key, assignments, values):
    db.execute(f"UPDATE discovery_items SET {assignments} WHERE discovery_id = ? AND key = ?",
               [*values, discovery_id, key])


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
        "summary = excluded.summary, last_seen_at = excluded.last_seen_at, delisted_at = NULL, "
        "matched = coalesce(excluded.matched, matched)",
        [(discovery.id, item.key, item.url, item.title, item.date, item.summary, at, at,
          int(decision.first_read), matched.get(item.key)) for item in decision.listed])


def adopted_id(discovery_id, key):
    """The watched page's id: the discovery source's id, '-' and a hash of the item's key."""
    return f"{discovery_id}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:10]}"


def _adopt(db, discovery, item, rule, at, subscribers, in_page=False, kind=None):
    """``item`` watched and told; ``in_page``: its words were found in its linked page's
    text (then ``kind`` is what that page was: html or pdf)."""
    source_id = adopted_id(discovery.id, item.key)
    kind = kind or ("pdf" if urlsplit(item.url).path.lower().endswith(".pdf") else "html")
    db["sources"].upsert({
        "id": source_id, "country": discovery.country, "title": item.title or item.url,
        "url": item.url, "kind": kind, "locale": discovery.locale, "active": 1,
        "notes": f"found in {discovery.title} ({discovery.url})", "updated_at": at,
        "discovered_from": discovery.id, "discovered_at": at}, pk="id", alter=False)
    db.execute("UPDATE discovery_items SET source_id = ? WHERE discovery_id = ? AND key = ?",
               [source_id, discovery.id, item.key])
    dated = f" ({item.date})" if item.date else ""
    where = " in the page's text" if in_page else ""
    _event(db, source_id, discovery.country, at, "new_publication", (
        f"“{item.title or item.url}”{dated}, listed in {discovery.title} ({discovery.url}); "
        f"it matched “{rule}”{where}. The page is now watched at {item.url}"), subscribers)


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


def _words(read, decision, pages=()):
    if read.error and not decision.listed:
        return f"discovery failed ({read.error})"
    if decision.first_read:
        return f"{len(decision.listed)} item(s) listed, a first read: none is told as new"
    words = f"{len(decision.listed)} item(s) listed, {len(decision.fresh)} new"
    if decision.adopt:
        words += f", event: new_publication {len(decision.adopt)} (matching, now watched)"
    if decision.over_limit:
        words += f", {decision.over_limit} over the limit"
    if pages:
        failed = sum(1 for page in pages if page.error)
        words += f", {len(pages)} linked page(s) read" + (f" ({failed} failed)" if failed else "")
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


def adopted_keys(db, discovery_id, keys):
    """{item key: the watched page it became} for those of ``keys`` adopted."""
    if not keys:
        return {}
    marks = ", ".join("?" * len(keys))
    return dict(db.execute(f"SELECT key, source_id FROM discovery_items WHERE discovery_id = ? "
                           f"AND source_id IS NOT NULL AND key IN ({marks})",
                           [discovery_id, *keys]).fetchall())
