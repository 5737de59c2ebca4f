"""What each version links to: link sets, their changes, and the documents ever linked.

A version's links (``monitor.analysis.links``) are stored once per distinct set, in
``link_sets``, the way bodies and texts are (``monitor.store.blobs``: a Zstandard delta
against the page's previous set); the version names its set (``links_sha256``) and a
short hash of the rules that read it (``links_rules``). Only sets read with the same
rules are compared: the first set of a page, or the first after its ``content:`` or
``ignore:`` rules changed, is a baseline and never an event.

``page_links`` keeps every content link a page ever had: first seen, unlinked when.
Called by ``monitor.store.record`` inside its transaction; no transaction of its own.
"""

import dataclasses
import hashlib

from monitor.analysis import addresses, links
from monitor.store import blobs
from monitor.store.connection import immediate_transaction, iso, now, writes
from monitor.store.outbox import enqueue_alerts
from monitor.store.rows import Note, country_of, insert_event
from monitor.store.sources import source_row

TABLE = "link_sets"  # a blob table (blobs.TABLES)


@dataclasses.dataclass(frozen=True)
class Seen:
    """This fetch's link set as stored, and what changed against the last one."""

    sha256: str
    rules: str
    changes: links.Changes | None  # None: a baseline (nothing to compare with)
    found: tuple


def rules_key(rules_json):
    """The short hash stored with a link set: sets read with other rules are not compared."""
    return hashlib.sha256((rules_json or "").encode("utf-8")).hexdigest()[:16]


def observe(conn, observation, current, rules_json):
    """Store the fetch's link set (a delta against the current version's) and compare it
    with the current version's, when rules that read alike read both. None when the
    fetch read no links (a PDF, an unchanged page, an error)."""
    if not _read_links(observation):
        return None
    key, base = rules_key(rules_json), current.get("links_sha256") if current else None
    data = links.serialize(observation.links)
    sha = blobs.sha256(data)
    comparable = base is not None and current.get("links_rules") == key
    if sha == base:  # the same links: nothing to store, nothing to unpack
        return Seen(sha, key, links.Changes() if comparable else None, observation.links)
    before = blobs.unpack(conn, TABLE, base) if base else None  # the delta's base, and compared
    blobs.pack(conn, TABLE, data, base, base_data=before)
    changes = links.compare(links.parse(before), observation.links) if comparable and \
        before is not None else None
    return Seen(sha, key, changes, observation.links)


def baseline(conn, observation, rules_json, current=None):
    """Store an observation's link set, compared with nothing (``changes`` None)."""
    if not _read_links(observation):
        return None
    sha = blobs.pack(conn, TABLE, links.serialize(observation.links),
                     current.get("links_sha256") if current else None)
    return Seen(sha, rules_key(rules_json), None, observation.links)


def _read_links(observation):
    return observation is not None and observation.outcome == "ok" and observation.links is not None


def read(conn, sha):
    """The links stored under ``sha`` (an empty tuple for an unknown one)."""
    data = blobs.unpack(conn, TABLE, sha) if sha else None
    return links.parse(data) if data else ()


def attach(conn, version_id, seen):
    """Name the version's link set (a baseline taken by the current version)."""
    conn.execute("UPDATE versions SET links_sha256 = ?, links_rules = ? WHERE id = ?",
                 [seen.sha256, seen.rules, version_id])


def track(conn, source_id, at, version_id, seen):
    """Keep ``page_links`` up to date: new content links are first seen now, links gone
    from the content are unlinked now, links back are linked again."""
    if seen.changes is None:  # a baseline: what is linked now, without unlinking anything
        added, removed = tuple(links.content(seen.found).values()), ()
    else:
        added, removed = seen.changes.added, seen.changes.removed
    conn.executemany(
        "INSERT INTO page_links (source_id, url, text, document, first_seen_at, first_version_id) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source_id, url) DO UPDATE SET "
        "unlinked_at = NULL, unlinked_version_id = NULL, text = excluded.text",
        [(source_id, link.url, link.text, link.document, at, version_id) for link in added])
    conn.executemany(
        "UPDATE page_links SET unlinked_at = ?, unlinked_version_id = ? WHERE source_id = ? AND url = ?",
        [(at, version_id, source_id, link.url) for link in removed])


def save_changes(conn, event_id, source_id, version_id, changes):
    """The links an event saw come (``added``) and go (``removed``)."""
    rows = [(event_id, source_id, version_id, change, link.url, link.text, link.document)
            for change, items in (("added", changes.added), ("removed", changes.removed))
            for link in items]
    conn.executemany("INSERT INTO link_changes (event_id, source_id, version_id, change, url, "
                     "text, document) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def changes_of_page(db, source_id):
    """{(version id, event kind): {"added": [...], "removed": [...]}} of a page's link
    events (``history --json``): each link with its url, words and document kind."""
    found = {}
    for row in db.query("SELECT c.version_id, e.kind, c.change, c.url, c.text, c.document "
                        "FROM link_changes c JOIN events e ON e.id = c.event_id "
                        "WHERE c.source_id = ? ORDER BY c.id", [source_id]):
        entry = found.setdefault((row["version_id"], row["kind"]), {"added": [], "removed": []})
        entry[row["change"]].append({"url": row["url"], "text": row["text"],
                                     "document": row["document"]})
    return found


# -- the events of a check whose links came and went (``record``) ----------------


def change_words(db, fetch, seen):
    return links.words(seen.changes, links.possessive(country_of(db, fetch.source_id)))


def insert_events(db, fetch, fetch_id, kinds, changes, current, version_id, subscribers):
    """A documents_changed and/or links_changed event, each with the links it saw come
    and go (``link_changes``)."""
    country = country_of(db, fetch.source_id)
    for kind in kinds:
        part = changes.documents() if kind == "documents_changed" else changes.others()
        event_id = insert_event(db, fetch, fetch_id, kind, current, version_id,
                                Note(links.words(part, links.possessive(country))), subscribers)
        save_changes(db.conn, event_id, fetch.source_id, version_id, part)


def not_told(db, fetch, subscribers, kind):
    """The subscribers the check's own change event (``kind``) does not alert: the others
    read the link changes in that event's message already."""
    if kind is None or not subscribers:
        return subscribers
    country = country_of(db, fetch.source_id)
    return tuple(s for s in subscribers if not s.wants(fetch.source_id, country, kind))


# -- followed documents (a source's follow:) ------------------------------------


@writes
def follow(db, parent, subscribers=()):
    """Bring the ``followed`` table up to date with what ``parent`` (a ``config.Source``
    with ``follow``) links to in its current version; return its followed documents
    as rows (id, url, title, kind), the ones no longer linked included (still watched).

    A document no longer linked gets an ``unlinked`` note once; past ``follow_limit``,
    the rest are left out and a ``follow_limit`` problem is raised once."""
    found = _current_links(db, parent)
    with immediate_transaction(db):
        existing = {row["url"]: row for row in db.query(
            "SELECT * FROM followed WHERE parent_id = ? ORDER BY rowid", [parent.id])}
        if found is not None:
            _update_followed(db, parent, links.to_follow(found, parent.follow), existing,
                             subscribers)
    return list(db.query("SELECT id, url, title, kind FROM followed WHERE parent_id = ? "
                         "ORDER BY rowid", [parent.id]))


def _update_followed(db, parent, candidates, existing, subscribers):
    at = iso(now())
    wanted = {link.url for link in candidates}
    _readdress_followed(db, existing, wanted)
    fresh = [link for link in candidates if link.url not in existing]
    room = max(parent.follow_limit - len(existing), 0)
    db.conn.executemany(
        "INSERT OR IGNORE INTO followed (id, parent_id, url, title, kind, first_seen_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(links.followed_id(parent.id, link.url), parent.id, link.url, links.followed_title(link),
          links.followed_kind(link), at) for link in fresh[:room]])
    for url, row in existing.items():
        if url in wanted and row["unlinked_at"]:
            db.conn.execute("UPDATE followed SET unlinked_at = NULL WHERE id = ?", [row["id"]])
        elif url not in wanted and not row["unlinked_at"]:
            db.conn.execute("UPDATE followed SET unlinked_at = ? WHERE id = ?", [at, row["id"]])
            _note(db, row["id"], parent.country, at, "unlinked", (
                f"{parent.title} ({parent.url}) no longer links to this document; it is still "
                f"watched at {url}, so if it disappears from there too, that is a 'gone' event"))
    if len(fresh) > room and not _said(db, parent.id, "follow_limit"):
        _note(db, parent.id, parent.country, at, "follow_limit", (
            f"the page links to {len(existing) + len(fresh)} documents to follow, more than its "
            f"follow_limit of {parent.follow_limit}: {len(fresh) - room} are not watched. Fix: "
            "raise follow_limit in sources.yaml, or narrow follow: to a CSS selector"), subscribers)


def _readdress_followed(db, existing, wanted):
    """A followed document whose link now differs only in a session id or cache-buster
    (``monitor.analysis.addresses``) is the same document: it is watched at the new
    address (``existing`` is updated to match)."""
    pairs = addresses.readdressed(existing, wanted, existing.keys() - wanted, wanted - existing.keys())
    for old, new in pairs.items():
        row = existing.pop(old)
        db.conn.execute("UPDATE followed SET url = ? WHERE id = ?", [new, row["id"]])
        existing[new] = {**dict(row), "url": new}


def _current_links(db, parent):
    """The links ``follow:`` chooses among: the current version's link set
    (``documents``), or its capture read with the selector as content. None before
    the page was read."""
    row = db.execute("""SELECT v.links_sha256, v.body_sha256, f.url, f.final_url FROM versions v
                        JOIN source_state s ON s.current_version_id = v.id
                        LEFT JOIN fetches f ON f.id = v.fetch_id
                        WHERE s.source_id = ?""", [parent.id]).fetchone()
    if row is None:
        return None
    links_sha, body_sha, url, final_url = row
    if parent.follow.kind == "documents":
        return read(db.conn, links_sha) if links_sha else None
    body = blobs.unpack(db.conn, "bodies", body_sha) if body_sha else None
    if body is None:
        return None
    from monitor.analysis import extract

    html, _ = extract.decode_html(body)
    return links.extract(extract.parse_html(html).tree, final_url or url or parent.url, parent.follow)


def _said(db, source_id, kind):
    return db.execute("SELECT 1 FROM events WHERE source_id = ? AND kind = ? LIMIT 1",
                      [source_id, kind]).fetchone() is not None


def _note(db, source_id, country, at, kind, words, subscribers=()):
    """An event no fetch made (the crawl's preparation found it)."""
    event_id = db.conn.execute("INSERT INTO events (source_id, country, at, kind, detail) "
                               "VALUES (?, ?, ?, ?, ?)", [source_id, country, at, kind, words]).lastrowid
    enqueue_alerts(db, event_id, source_id, kind, subscribers)


@writes
def save_followed_sources(db, sources):
    """The followed documents' rows in ``sources`` (active: they are crawled)."""
    stamp = iso(now())
    with immediate_transaction(db):
        db["sources"].upsert_all([source_row(s, stamp) for s in sources], pk="id", alter=False)



@writes
def keep_followed_active(db, parent_ids):
    """``sync_sources`` marks every source missing from sources.yaml inactive: the documents
    of pages that still say ``follow:`` stay active (watched, listed on the site)."""
    if not parent_ids:
        return
    marks = ", ".join("?" * len(parent_ids))
    with immediate_transaction(db):
        db.execute(f"UPDATE sources SET active = 1 WHERE id IN (SELECT id FROM followed WHERE "
                   f"parent_id IN ({marks}))", list(parent_ids))
