"""The schema: every migration, applied in order by ``connection.open_db``."""

from sqlite_utils import Migrations

from monitor import files
from monitor.analysis import events

migrations = Migrations("dialogue-watch")


@migrations()
def m001_initial(db):
    db["sources"].create({
        "id": str, "country": str, "title": str, "url": str, "kind": str, "locale": str,
        "cited_as": str, "baseline_observed": str, "baseline_marker": str,
        "baseline_date": str, "baseline_precision": str, "baseline_days_stale": int,
        "baseline_transparency": str, "notes": str, "active": int, "updated_at": str,
    }, pk="id")
    db["crawls"].create({
        "id": int, "started_at": str, "finished_at": str, "sources": int, "outcome": str,
    }, pk="id")
    db["bodies"].create({"sha256": str, "size": int, "stored_size": int, "data": bytes}, pk="sha256")
    db["texts"].create({"sha256": str, "chars": int, "text": str}, pk="sha256")
    db["fetches"].create({
        "id": int, "source_id": str, "crawl_id": int, "at": str, "status": int, "outcome": str,
        "final_url": str, "content_type": str, "headers": str, "duration_ms": int,
        "error": str, "body_sha256": str, "version_id": int,
    }, pk="id", foreign_keys=[("source_id", "sources", "id"), ("crawl_id", "crawls", "id")])
    db["versions"].create({
        "id": int, "source_id": str, "seq": int, "fetch_id": int, "at": str,
        "text_sha256": str, "body_sha256": str, "marker_text": str, "marker_date": str,
        "marker_precision": str, "marker_origin": str, "marker_until": str,
    }, pk="id", foreign_keys=[("source_id", "sources", "id"), ("fetch_id", "fetches", "id"),
                              ("text_sha256", "texts", "sha256")])
    db["diffs"].create({
        "id": int, "source_id": str, "from_version_id": int, "to_version_id": int,
        "lines_added": int, "lines_removed": int, "diff": str,
    }, pk="id", foreign_keys=[("source_id", "sources", "id")])
    db["events"].create({
        "id": int, "source_id": str, "fetch_id": int, "at": str, "kind": str,
        "version_id": int, "marker_before": str, "marker_after": str,
        "lines_added": int, "lines_removed": int, "diff_id": int, "detail": str,
    }, pk="id", foreign_keys=[("source_id", "sources", "id"), ("fetch_id", "fetches", "id"),
                              ("diff_id", "diffs", "id")])
    db["source_state"].create({
        "source_id": str, "state": str, "consecutive_errors": int, "first_seen_at": str,
        "last_checked_at": str, "last_ok_at": str, "last_changed_at": str,
        "current_version_id": int, "etag": str, "last_modified": str,
        "last_status": int, "last_error": str,
    }, pk="source_id", foreign_keys=[("source_id", "sources", "id")])
    db["fetches"].create_index(["source_id", "at"])
    db["versions"].create_index(["source_id", "seq"], unique=True)
    db["events"].create_index(["source_id", "at"])
    db["events"].create_index(["at"])


@migrations()
def m002_site_indexes_and_fts(db):
    """Indexes behind the published site's pages, and full-text search over every text.

    The search index uses the trigram tokenizer: it finds any run of three or
    more characters in any language (Japanese has no spaces between words).
    """
    db["events"].create_index(["kind", "at", "source_id"])
    db["events"].create_index(["source_id", "kind"])
    db["events"].create_index(["fetch_id"])
    db["fetches"].create_index(["source_id", "outcome", "at"])
    db["fetches"].create_index(["crawl_id"])
    db["versions"].create_index(["text_sha256"])
    db["versions"].create_index(["source_id", "at"])
    db.execute("""CREATE VIRTUAL TABLE texts_fts USING FTS5 (
        text, tokenize='trigram', content="texts")""")
    db.execute("INSERT INTO texts_fts (rowid, text) SELECT rowid, text FROM texts")
    db.execute("""CREATE TRIGGER texts_ai AFTER INSERT ON texts BEGIN
        INSERT INTO texts_fts (rowid, text) VALUES (new.rowid, new.text); END""")
    db.execute("""CREATE TRIGGER texts_ad AFTER DELETE ON texts BEGIN
        INSERT INTO texts_fts (texts_fts, rowid, text) VALUES ('delete', old.rowid, old.text); END""")
    db.execute("""CREATE TRIGGER texts_au AFTER UPDATE ON texts BEGIN
        INSERT INTO texts_fts (texts_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
        INSERT INTO texts_fts (rowid, text) VALUES (new.rowid, new.text); END""")


@migrations()
def m003_site_report_kinds_and_changes(db):
    """The 2003 report's table, the event kinds in words, and the recent-changes view."""
    import csv
    import io

    lines = io.StringIO(files.read_text("report_2003.csv"), newline="")
    db["report_2003"].insert_all(csv.DictReader(lines), pk="country")
    db["event_kinds"].insert_all(
        ({"kind": kind, "meaning": meaning} for kind, meaning in events.KINDS.items()), pk="kind")
    # The meaning is a subquery, not a join: counting and faceting a long
    # history then reads only the (source_id, kind) index.
    db.create_view("recent_changes", """
        SELECT e.id, e.at, s.country, e.source_id, s.title, e.kind,
               (SELECT k.meaning FROM event_kinds k WHERE k.kind = e.kind) AS meaning,
               e.marker_before, e.marker_after, e.lines_added, e.lines_removed, e.detail,
               e.version_id, e.diff_id
        FROM events e
        JOIN sources s ON s.id = e.source_id""")


@migrations()
def m010_alerts_outbox(db):
    """The alerts outbox: one row per (event, subscriber), written in the same
    transaction as its event; the digests that gather a subscriber's events;
    the monitoring problem each source has now; the words of the new kinds."""
    delivery = {"subscriber": str, "status": str, "created_at": str, "attempts": int,
                "next_attempt_at": str, "claim_token": str, "claimed_at": str,
                "sent_at": str, "last_error": str, "interrupted": int}
    db["alert_digests"].create({"id": int, "period": str, **delivery}, pk="id",
                               defaults={"attempts": 0, "interrupted": 0})
    db["alert_digests"].create_index(["subscriber", "period"], unique=True)
    db["alert_outbox"].create({"id": int, "event_id": int, "digest_id": int, **delivery}, pk="id",
                              foreign_keys=[("event_id", "events", "id"),
                                            ("digest_id", "alert_digests", "id")],
                              defaults={"attempts": 0, "interrupted": 0})
    db["alert_outbox"].create_index(["event_id", "subscriber"], unique=True)
    db["alert_outbox"].create_index(["status", "subscriber", "next_attempt_at"])
    db["source_state"].add_column("problem", str)
    if db["event_kinds"].exists():
        db["event_kinds"].upsert_all(
            ({"kind": kind, "meaning": meaning} for kind, meaning in events.KINDS.items()), pk="kind")


@migrations()
def m011_delta_storage_and_line_search(db):
    """Bodies and texts as Zstandard deltas against the page's previous capture
    (``monitor.store.blobs``), and search over the lines each version added or
    removed instead of a trigram index of every version's whole text (which
    took twice the text's size per version)."""
    import zlib

    from monitor.store import blobs
    from monitor.store.sql import index_lines

    for trigger in ("texts_ai", "texts_ad", "texts_au"):
        db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    db.execute("DROP TABLE IF EXISTS texts_fts")
    db["bodies"].add_column("base_sha256", str)
    db["bodies"].add_column("depth", int)
    for (sha,) in db.execute("SELECT sha256 FROM bodies").fetchall():  # keys only: one body at a time
        (data,) = db.execute("SELECT data FROM bodies WHERE sha256 = ?", [sha]).fetchone()
        packed = blobs.compress_whole(zlib.decompress(data))
        db.execute("UPDATE bodies SET data = ?, stored_size = ?, depth = 0 WHERE sha256 = ?",
                   [packed, len(packed), sha])
    for column, kind in (("stored_size", int), ("base_sha256", str), ("depth", int), ("data", bytes)):
        db["texts"].add_column(column, kind)
    for (sha,) in db.execute("SELECT sha256 FROM texts").fetchall():
        (text,) = db.execute("SELECT text FROM texts WHERE sha256 = ?", [sha]).fetchone()
        packed = blobs.compress_whole(text.encode("utf-8"))
        db.execute("UPDATE texts SET data = ?, stored_size = ?, depth = 0 WHERE sha256 = ?",
                   [packed, len(packed), sha])
    db.execute("ALTER TABLE texts DROP COLUMN text")
    # Contentless: the lines are in the (compressed) texts already; the published
    # site's search makes its snippet from there (dw_snippet).
    db.execute("""CREATE VIRTUAL TABLE version_lines USING FTS5 (
        added, removed, tokenize='trigram', content='')""")
    _index_every_version(db, lambda *change: index_lines(*change, words=False))


def _index_every_version(db, index):
    """Replay every page's versions in order and give ``index(conn, version_id, before,
    after)`` the text of the version just before (empty if it has none) and its own, as
    a crawl does and as the site's search reads them back (``dw_lines_hold``): how a
    search index added by a migration is filled for the versions stored before it."""
    from monitor.store import blobs

    previous = {}
    for version_id, source_id, text_sha in db.execute(
            "SELECT id, source_id, text_sha256 FROM versions ORDER BY source_id, seq").fetchall():
        before_sha, before = previous.get(source_id, (None, ""))
        if text_sha == before_sha:  # the same text again (or none again): nothing changed
            continue
        after = (blobs.text(db.conn, text_sha) or "") if text_sha else ""
        if text_sha:
            index(db.conn, version_id, before, after)
        previous[source_id] = (text_sha, after)


@migrations()
def m012_error_fetches_index(db):
    """The health page counts each page's failed fetches: index only those
    (a partial index), not every routine check (55 bytes per fetch saved)."""
    db.execute("DROP INDEX IF EXISTS idx_fetches_source_id_outcome_at")
    db.execute("CREATE INDEX idx_fetches_errors ON fetches (source_id, at) WHERE outcome = 'error'")


@migrations()
def m013_fetch_request_times(db):
    """When each fetch's request was sent (to the millisecond), and the latest one
    stored per page: a fetch sent before the one the page's state comes from is
    kept as evidence but never replaces the newer state (overlapping crawls)."""
    db["fetches"].add_column("started_at", str)
    db["source_state"].add_column("last_started_at", str)


@migrations()
def m014_rules_and_addresses(db):
    """The rules that read each version (``monitor.analysis.rules``; a re-reading of a stored
    capture with new rules points to the version it re-reads), and the address each
    fetch was made at: validators belong to an address, a new address is a move."""
    db["versions"].add_column("rules", str)
    db["versions"].add_column("reread_of", int)
    db["fetches"].add_column("url", str)
    db["source_state"].add_column("url", str)
    db["source_state"].add_column("validators_url", str)
    db.execute("""UPDATE source_state SET
        url = (SELECT url FROM sources WHERE sources.id = source_state.source_id),
        validators_url = (SELECT url FROM sources WHERE sources.id = source_state.source_id)""")


@migrations()
def m017_readings(db):
    """What older rules read from a capture, kept when ``reanalyse`` gives the
    version the reading of today's rules."""
    db["readings"].create({
        "id": int, "version_id": int, "rules": str, "text_sha256": str, "marker_text": str,
        "marker_date": str, "marker_precision": str, "marker_origin": str, "marker_until": str,
        "replaced_at": str,
    }, pk="id", foreign_keys=[("version_id", "versions", "id")])
    db["readings"].create_index(["version_id"])


@migrations()
def m016_validator_trust(db):
    """'Not modified' is trusted, but verified. Per page: the 304 answers since its last
    full (200) answer and when that was; a check is sent without ETag / Last-Modified
    when they reach ``verify_unchanged_every`` or the full answer is a week old.
    ``distrusted_sites``: the hosts whose 304s hid a change, sent no validators again."""
    db["source_state"].add_column("not_modified_answers", int)
    db["source_state"].add_column("last_full_at", str)
    db.execute("""UPDATE source_state SET last_full_at = (
        SELECT max(at) FROM fetches f WHERE f.source_id = source_state.source_id
        AND f.status = 200 AND f.outcome IN ('ok', 'not_modified'))""")
    db.execute("""UPDATE source_state SET not_modified_answers = (
        SELECT count(*) FROM fetches f WHERE f.source_id = source_state.source_id
        AND f.status = 304 AND f.outcome = 'not_modified' AND f.id > coalesce((
            SELECT max(id) FROM fetches g WHERE g.source_id = f.source_id
            AND g.status = 200 AND g.outcome IN ('ok', 'not_modified')), 0))""")
    db["distrusted_sites"].create({
        "host": str, "since": str, "source_id": str, "fetch_id": int,
    }, pk="host", foreign_keys=[("source_id", "sources", "id"), ("fetch_id", "fetches", "id")])


@migrations()
def m015_volatile_places(db):
    """The places of each page that changed lately (``monitor.analysis.volatile``): a line whose
    numbers or tokens change to a new value at every check becomes volatile, and a
    change only there is recorded as a volatile_change note instead of an alert.
    ``recent`` is a JSON list of the place's latest values (alternation is not volatility)."""
    db["volatile_places"].create({
        "source_id": str, "place": str, "streak": int, "quiet": int, "recent": str,
        "volatile_since": str,
    }, pk=("source_id", "place"), foreign_keys=[("source_id", "sources", "id")])


@migrations()
def m018_stale_alerts(db):
    """Stale events (``monitor.analysis.staleness.stale_level``): each source's
    ``stale_after`` in days (null: never), each page's claim (``marker_until``) as last
    judged and the highest stale level raised for it, the days stale each stale event
    saw; and the words of every kind again (``stale`` and the kinds added since m010)."""
    db["sources"].add_column("stale_after_days", int)
    db["source_state"].add_column("stale_claim", str)
    db["source_state"].add_column("stale_level", int)
    db["events"].add_column("days_stale", int)
    db["event_kinds"].upsert_all(
        ({"kind": kind, "meaning": meaning} for kind, meaning in events.KINDS.items()), pk="kind")


@migrations()
def m019_site_at_scale(db):
    """What the site needs to stay fast at 20,000 pages and 200,000 events: each event
    keeps its page's country (the recent-changes view, its country facet and the
    feeds then read the events' own indexes, never a join for every event), and
    sources are indexed by country (the 2003 baseline page)."""
    db["events"].add_column("country", str)
    db.execute("UPDATE events SET country = (SELECT s.country FROM sources s WHERE s.id = events.source_id)")
    db["events"].create_index(["country", "at"])
    db["sources"].create_index(["country", "active"])
    db["recent_changes"].drop()
    # The title and the meaning are subqueries, not joins: SQLite computes them only
    # for the rows shown, so a count or a facet reads nothing but an events index.
    db.create_view("recent_changes", """
        SELECT e.id, e.at, e.country, e.source_id,
               (SELECT s.title FROM sources s WHERE s.id = e.source_id) AS title, e.kind,
               (SELECT k.meaning FROM event_kinds k WHERE k.kind = e.kind) AS meaning,
               e.marker_before, e.marker_after, e.lines_added, e.lines_removed, e.detail,
               e.version_id, e.diff_id
        FROM events e""")


@migrations()
def m020_links_and_documents(db):
    """What each version links to (``monitor.analysis.links``): its link set, stored once
    per distinct set as a Zstandard delta against the page's previous one, like bodies
    and texts (``link_sets``), with a short hash of the rules that read it
    (``links_rules``: a set read with other rules is a new baseline, never a change);
    the links each documents_changed / links_changed event saw come and go
    (``link_changes``); every content link a page ever had, with when it was first seen
    and when it was unlinked (``page_links``); and the documents a ``follow:`` source
    watches as sources of their own (``followed``)."""
    db["link_sets"].create({"sha256": str, "size": int, "stored_size": int, "base_sha256": str,
                            "depth": int, "data": bytes}, pk="sha256")
    db["versions"].add_column("links_sha256", str)
    db["versions"].add_column("links_rules", str)
    db["link_changes"].create({
        "id": int, "event_id": int, "source_id": str, "version_id": int, "change": str,
        "url": str, "text": str, "document": str,
    }, pk="id", foreign_keys=[("event_id", "events", "id"), ("source_id", "sources", "id")])
    db["link_changes"].create_index(["event_id"])
    db["link_changes"].create_index(["version_id"])
    db["page_links"].create({
        "source_id": str, "url": str, "text": str, "document": str, "first_seen_at": str,
        "first_version_id": int, "unlinked_at": str, "unlinked_version_id": int,
    }, pk=("source_id", "url"), foreign_keys=[("source_id", "sources", "id")])
    db["followed"].create({
        "id": str, "parent_id": str, "url": str, "title": str, "kind": str,
        "first_seen_at": str, "unlinked_at": str,
    }, pk="id", foreign_keys=[("parent_id", "sources", "id")])
    db["followed"].create_index(["parent_id"])
    db["event_kinds"].upsert_all(
        ({"kind": kind, "meaning": meaning} for kind, meaning in events.KINDS.items()), pk="kind")


@migrations()
def m021_internet_archive(db):
    """Copies from the Internet Archive (``monitor.archive``). Every imported fetch and
    version says where it came from (``origin`` 'archive', the archive's capture time,
    its memento address, the status the archive recorded); an event derived from the
    archive says so (``events.origin``) and is never alerted. ``archive_imports``: each
    archive capture a backfill has looked at (so an interrupted one resumes);
    ``archive_requests``: the Save Page Now queue, written with each change event and
    drained like the alerts outbox; ``versions.archive_copy_url``: the independent copy."""
    for table in ("fetches", "versions"):
        db[table].add_column("origin", str)
        db[table].add_column("memento_url", str)
    db["versions"].add_column("archive_timestamp", str)
    db["versions"].add_column("archive_status", int)
    db["versions"].add_column("archive_copy_url", str)
    db["events"].add_column("origin", str)
    db["archive_imports"].create({
        "source_id": str, "timestamp": str, "url": str, "digest": str, "status": int,
        "outcome": str, "version_id": int, "imported_at": str,
    }, pk=("source_id", "timestamp", "url"), foreign_keys=[("source_id", "sources", "id")])
    db["archive_requests"].create({
        "id": int, "event_id": int, "version_id": int, "source_id": str, "url": str,
        "status": str, "created_at": str, "attempts": int, "next_attempt_at": str,
        "claim_token": str, "claimed_at": str, "sent_at": str, "last_error": str,
        "copy_url": str,
    }, pk="id", foreign_keys=[("event_id", "events", "id"), ("version_id", "versions", "id")],
        defaults={"attempts": 0})
    db["archive_requests"].create_index(["version_id"], unique=True)
    db["archive_requests"].create_index(["status", "next_attempt_at"])
    db["sources"].add_column("archive_changes", int)
    # Save Page Now: a change of a page that asks for it queues its capture in the
    # event's own transaction (once per version); an event later marked as told by
    # the archive (the first check after a backfill) takes its request back.
    # the kinds this trigger queued when it was written (a migration reads no live code)
    archived_kinds = ["changed", "marker_only", "replaced", "restored", "silent_edit", "updated"]
    kinds = ", ".join(f"'{kind}'" for kind in archived_kinds)
    db.execute(f"""CREATE TRIGGER archive_changes_ai AFTER INSERT ON events
        WHEN new.kind IN ({kinds}) AND new.origin IS NULL AND new.version_id IS NOT NULL
         AND (SELECT archive_changes FROM sources WHERE id = new.source_id) = 1 BEGIN
        INSERT OR IGNORE INTO archive_requests (event_id, version_id, source_id, url, status,
            created_at, attempts, next_attempt_at)
        VALUES (new.id, new.version_id, new.source_id,
            coalesce((SELECT url FROM fetches WHERE id = new.fetch_id),
                     (SELECT url FROM sources WHERE id = new.source_id)),
            'pending', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 0,
            strftime('%Y-%m-%dT%H:%M:%SZ', 'now')); END""")
    db.execute("""CREATE TRIGGER archive_changes_au AFTER UPDATE OF origin ON events
        WHEN new.origin = 'archive' BEGIN
        DELETE FROM archive_requests WHERE event_id = new.id AND status = 'pending'; END""")
    (view,) = db.execute("SELECT sql FROM sqlite_master WHERE name = 'recent_changes'").fetchone()
    select, source = view.split(" AS", 1)[1].rsplit("FROM events e", 1)
    db["recent_changes"].drop()
    db.create_view("recent_changes", f"{select.rstrip()}, e.origin\n        FROM events e{source}")
    db["event_kinds"].upsert_all(
        ({"kind": kind, "meaning": meaning} for kind, meaning in events.KINDS.items()), pk="kind")


@migrations()
def m022_screenshots(db):
    """Pictures of rendered pages (``render: browser``, ``monitor.store.screenshots``):
    each new version of such a page keeps a full-page PNG, stored once by SHA-256,
    Zstandard-compressed (``screenshots``), named by ``versions.screenshot_sha256``;
    and the words of the needs_browser problem (a page that is a JavaScript shell)."""
    db["screenshots"].create({"sha256": str, "size": int, "stored_size": int, "width": int,
                              "height": int, "data": bytes}, pk="sha256")
    db["versions"].add_column("screenshot_sha256", str)
    db["event_kinds"].upsert_all(
        ({"kind": kind, "meaning": meaning} for kind, meaning in events.KINDS.items()), pk="kind")


@migrations()
def m023_identity_and_merges(db):
    """What ``dialogue-watch merge`` needs (``monitor.store.merge``): the database's own
    name, a random UUID made once and carried by every copy (``database_identity``);
    each row merged in from another database, by that database's name, the table and
    the row's id there, with its id here (``merge_imports``: a database merged twice
    adds nothing); and each merge done (``merges``)."""
    import datetime
    import uuid

    made = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    db["database_identity"].create({"id": int, "uuid": str, "created_at": str}, pk="id")
    db["database_identity"].insert({"id": 1, "uuid": str(uuid.uuid4()), "created_at": made})
    db["merge_imports"].create({"node": str, "tbl": str, "node_id": int, "id": int},
                               pk=("node", "tbl", "node_id"))
    db["merges"].create({"id": int, "node": str, "file": str, "merged_at": str, "added": str}, pk="id")


@migrations()
def m024_fetch_address_when_moved(db):
    """A fetch row keeps its address only when it is not its page's url
    (``rows._address``): the address on every routine check was a quarter of the
    row. Rows made at the page's current url lose the copy; a page given a new url
    gets the old one written into its rows (``sources.sync_sources``)."""
    db.execute("""UPDATE fetches SET url = NULL
                  WHERE url = (SELECT s.url FROM sources s WHERE s.id = fetches.source_id)""")


@migrations()
def m025_fetch_notes(db):
    """A fetch's note in plain words, for what its other columns cannot say: a check
    stamped before the page's previous one (the computer's clock went back,
    ``monitor.clock.note``) is kept and ordered after it, by the database's sequence."""
    db["fetches"].add_column("note", str)


@migrations()
def m026_held_changes(db):
    """Confirm before accusing (``monitor.analysis.doubt``): a doubtful change of a page
    is held, its capture stored at once, until the page is fetched again at
    ``confirm_at``. The held fetch, its text and time, and why it was doubtful; and on
    an event, the check that confirmed it."""
    for column, kind in (("held_fetch_id", int), ("held_text_sha256", str), ("held_at", str),
                         ("held_reason", str), ("confirm_at", str), ("held_looks", int)):
        db["source_state"].add_column(column, kind)
    # the check that confirmed a held change (or found it transient): the event keeps the
    # fetch that first saw it (fetch_id, at) and names this one too
    db["events"].add_column("confirmed_by", int)
    db["events"].create_index(["confirmed_by"], if_not_exists=True)


@migrations()
def m028_discovery_items(db):
    """Discovery (``monitor.discover``, ``monitor.store.discovery``): every item a
    discovery source (sources.yaml's ``discover:``) ever listed, by its key (the address
    with session tokens masked): first and last seen, when it left the listing, whether
    it was in the first read (``baseline``), the rule that matched it and the watched
    page it became (``source_id``); one row per read (``discovery_checks``); and on a
    watched page found that way, where it was found and when (``sources.discovered_*``)."""
    db["discovery_items"].create({
        "discovery_id": str, "key": str, "url": str, "title": str, "date": str, "summary": str,
        "first_seen_at": str, "last_seen_at": str, "delisted_at": str, "baseline": int,
        "matched": str, "source_id": str,
    }, pk=("discovery_id", "key"))
    db["discovery_items"].create_index(["source_id"])
    db["discovery_checks"].create({
        "id": int, "discovery_id": str, "crawl_id": int, "at": str, "pages": int, "items": int,
        "fresh": int, "adopted": int, "complete": int, "error": str, "note": str,
    }, pk="id")
    db["discovery_checks"].create_index(["discovery_id", "at"])
    db["sources"].add_column("discovered_from", str)
    db["sources"].add_column("discovered_at", str)
    db["event_kinds"].upsert_all(
        ({"kind": kind, "meaning": meaning} for kind, meaning in events.KINDS.items()), pk="kind")


@migrations()
def m035_discovery_linked_pages(db):
    """A discovery source with ``match_page:`` judges an item that does not match on its
    title by the text of the page it links to: on each item, whether that page is still
    to read (``page_state`` 'waiting'; 'read' once read; 'failed' after
    ``store.discovery.PAGE_TRIES`` failures), the failures so far and the last one, when
    it was read, and where the words matched (``matched_in``: 'page' for the page's text);
    on each check, how many linked pages it read (``linked``)."""
    for column, kind in (("page_state", str), ("page_tries", int), ("page_error", str),
                         ("page_read_at", str), ("matched_in", str)):
        db["discovery_items"].add_column(column, kind)
    db["discovery_checks"].add_column("linked", int)


@migrations()
def m027_workspace_accounts(db):
    """The campaigners' private workspace (``monitor.workspace``): its accounts (a
    password only as a salted PBKDF2 hash), the audit of every change made there (who,
    when, what), and the secret that signs its cookies and links. The public site's
    authorizer refuses every read of them (``publish.datasette_plugin.PRIVATE_TABLES``)."""
    import secrets

    db["workspace_users"].create({"name": str, "role": str, "password_hash": str,
                                  "created_at": str, "updated_at": str}, pk="name")
    db["workspace_audit"].create({"id": int, "at": str, "who": str, "action": str,
                                  "detail": str}, pk="id")
    db["workspace_audit"].create_index(["at"])
    db["workspace_secret"].create({"id": int, "secret": str}, pk="id")
    db["workspace_secret"].insert({"id": 1, "secret": secrets.token_hex(32)})


@migrations()
def m029_workspace_subscriptions(db):
    """Subscriptions made in the workspace (``monitor.workspace.subscriptions``): who, to
    which address, for which countries, pages, kinds of change and words, instantly or as a
    digest; the alerts queued for them from stored events, one row per (subscription, event,
    word) whatever happens (a unique index), and how far the events have been read
    (``workspace_queue_cursor``). A subscription hears of events stored after it was made
    (``after_event_id``); ``token_nonce`` makes its unsubscribe link good for one use."""
    db["workspace_subscriptions"].create({
        "id": int, "user": str, "email": str, "countries": str, "sources": str, "kinds": str,
        "words": str, "mode": str, "created_at": str, "after_event_id": int, "token_nonce": str,
        "last_sent_at": str,
    }, pk="id")
    db["workspace_subscriptions"].create_index(["user"])
    db["workspace_alerts"].create({
        "id": int, "subscription_id": int, "event_id": int, "word": str, "change": str,
        "line": str, "status": str, "created_at": str, "sent_at": str, "attempts": int,
        "last_error": str,
    }, pk="id", defaults={"attempts": 0, "word": ""})
    db["workspace_alerts"].create_index(["subscription_id", "event_id", "word"], unique=True)
    db["workspace_alerts"].create_index(["status", "subscription_id"])
    db["workspace_queue_cursor"].create({"id": int, "event_id": int}, pk="id")
    db["workspace_queue_cursor"].insert({"id": 1, "event_id": 0})


@migrations()
def m030_workspace_reviews(db):
    """Review in the workspace: each change marked reviewed and/or important (who, when), and
    the team's notes on it (who, when, public or not). A note the team marks public is copied
    to ``public_notes`` (the text and its time, never who wrote it): the only table of the
    workspace the public site may read."""
    db["workspace_reviews"].create({
        "event_id": int, "reviewed_by": str, "reviewed_at": str, "important_by": str,
        "important_at": str,
    }, pk="event_id", foreign_keys=[("event_id", "events", "id")])
    db["workspace_notes"].create({"id": int, "event_id": int, "who": str, "at": str, "text": str,
                                  "public": int}, pk="id", foreign_keys=[("event_id", "events", "id")],
                                 defaults={"public": 0})
    db["workspace_notes"].create_index(["event_id"])
    db["public_notes"].create({"note_id": int, "event_id": int, "at": str, "text": str},
                              pk="note_id", foreign_keys=[("event_id", "events", "id")])
    db["public_notes"].create_index(["event_id"])


@migrations()
def m031_site_short_word_search(db):
    """Search finds words of any length in every script: ``version_words`` keeps the words
    of the lines each version added and removed (``monitor.analysis.search_words``: 人権,
    人, EU), beside ``version_lines``, whose three-character pieces find nothing shorter."""
    from monitor.store.sql import index_words

    db.execute("""CREATE VIRTUAL TABLE version_words USING FTS5 (
        added, removed, tokenize='unicode61 remove_diacritics 0', content='')""")
    _index_every_version(db, index_words)


@migrations()
def m032_site_plain_meanings(db):
    """Each kind's meaning in plain words, without setting names (issue 24): the site
    reads them from ``event_kinds``."""
    db["event_kinds"].upsert_all(
        ({"kind": kind, "meaning": meaning} for kind, meaning in events.KINDS.items()), pk="kind")


@migrations()
def m033_paused_pages(db):
    """A page paused in sources.yaml (``paused: true``, ``paused_note:``): not checked for
    now, shown as paused (with the note) on the site and in the workspace rather than as
    stale or failing. ``sources.sync_sources`` keeps both columns as the file says."""
    db["sources"].add_column("paused", int, not_null_default=0)
    db["sources"].add_column("paused_note", str)


@migrations()
def m034_workspace_login_failures(db):
    """Each wrong password tried at the workspace's login (the name, the address it came
    from, when), so that guessing is stopped by the database, whatever process serves the
    login and across restarts (``workspace.login_locked_until``)."""
    db["workspace_login_failures"].create({"id": int, "name": str, "address": str, "at": str},
                                          pk="id")
    db["workspace_login_failures"].create_index(["name", "at"])
    db["workspace_login_failures"].create_index(["address", "at"])


@migrations()
def m034_workspace_mail_retries(db):
    """A workspace e-mail the mail server refused, or could not take, is tried again later,
    each time after a longer wait: when (``next_try_at``); after the last try its alert is
    'failed' (``store.workspace.mark_alerts``)."""
    db["workspace_alerts"].add_column("next_try_at", str)


@migrations()
def m037_short_word_index_fillers(db):
    """The word index (``version_words``) keeps the words of one or two characters, the
    only ones its queries can match, and one filler word for each stretch of longer Latin
    words between them (``search_words.word_index_form``): every result it gave, in
    about a third of the bytes (issue 27). Rebuilt from the stored texts."""
    from monitor.store.sql import index_words

    db.execute("DROP TABLE version_words")
    db.execute("""CREATE VIRTUAL TABLE version_words USING FTS5 (
        added, removed, tokenize='unicode61 remove_diacritics 0', content='')""")
    _index_every_version(db, index_words)


@migrations(transactional=False)
def m038_incremental_vacuum(db):
    """The pages SQLite frees (the search indexes' merges free some at every crawl) can be
    given back to the file system: ``crawls.finish_crawl`` does so after each crawl
    (``PRAGMA incremental_vacuum``), so the file is the size of what it holds (issue 27:
    8% of it was free pages). Setting it needs one VACUUM (a copy of the database is
    written, then replaces it), outside a transaction."""
    db.execute("PRAGMA auto_vacuum = INCREMENTAL")
    db.execute("VACUUM")


@migrations()
def m039_search_index_without_positions(db):
    """The search index of lines (``version_lines``) keeps which three-character pieces each
    version's changed lines hold, not where (FTS5 ``detail=none``): a quarter of its bytes
    (issue 27: it was 40% of the database). A search finds the versions holding every
    piece, then checks each one's lines, read back from the stored texts, for the words
    as written (``monitor.analysis.search_lines``, the site's ``dw_lines_hold``): every result
    it gave, for up to ``search_lines.CHECKED_AT_MOST`` candidates a search. Rebuilt from
    the stored texts; the next crawl gives the freed pages back to the file system
    (``crawls.finish_crawl``)."""
    from monitor.store.sql import index_lines

    db.execute("DROP TABLE version_lines")
    db.execute("""CREATE VIRTUAL TABLE version_lines USING FTS5 (
        added, removed, tokenize='trigram', content='', detail=none)""")
    _index_every_version(db, lambda *change: index_lines(*change, words=False))


# -- a new database's own values ---------------------------------------------------------
# A new database is copied from one built by every migration once per process
# (``connection._create``); these are the values each database must have of its own,
# made anew in each copy. tests/test_database_files.py builds two databases by the
# migrations and checks that every value in which they differ is listed here.
OWN_VALUES = {"database_identity": ("uuid", "created_at"), "workspace_secret": ("secret",),
              "_sqlite_migrations": ("applied_at",)}


def renew_own_values(db):
    """Give a database copied from the template its own identity, secret and set-up times."""
    import datetime
    import secrets
    import uuid

    moment = datetime.datetime.now(datetime.timezone.utc)
    db.execute("UPDATE database_identity SET uuid = ?, created_at = ?",
               [str(uuid.uuid4()), moment.strftime("%Y-%m-%dT%H:%M:%SZ")])
    db.execute("UPDATE workspace_secret SET secret = ?", [secrets.token_hex(32)])
    db.execute("UPDATE _sqlite_migrations SET applied_at = ?", [str(moment)])
