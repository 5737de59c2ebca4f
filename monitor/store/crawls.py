"""Writes: the crawls (one row per crawl, opened and closed) and what each one found."""

from monitor.store.connection import immediate_transaction, iso, now, writes


@writes
def start_crawl(db, count):
    with immediate_transaction(db):
        return db["crawls"].insert({"started_at": iso(now()), "sources": count}).last_pk


@writes
def finish_crawl(db, crawl_id, outcome):
    with immediate_transaction(db):
        db["crawls"].update(crawl_id, {"finished_at": iso(now()), "outcome": outcome})
    # the pages the crawl left free (the search indexes' merges) go back to the file
    # system (auto_vacuum = INCREMENTAL, migration m038): the file holds only what it keeps
    # (executescript: it runs the pragma to the end; execute() would free one page)
    db.conn.executescript("PRAGMA incremental_vacuum")


INTERRUPTED_CRAWL = "interrupted: the crawl process was stopped before the end; every page it had stored is kept"


@writes
def close_interrupted_crawls(db):
    """Close the crawls a killed process left open. Call only with the database's lock
    held (``monitor.fetch.locks``): no crawl can be running then. Returns how many."""
    with immediate_transaction(db):
        return db.execute("UPDATE crawls SET finished_at = ?, outcome = ? WHERE finished_at IS NULL",
                          [iso(now()), INTERRUPTED_CRAWL]).rowcount


def crawl_results(db, crawl_id):
    """Per source of a crawl: its fetch outcome and event kind (if any; a new
    monitoring problem follows the change event: "updated, layout_changed"). A page
    fetched again at once in the crawl (``monitor.analysis.doubt.AT_ONCE``) is one
    row: its last fetch's, with the event that fetch confirmed."""
    sql = """
        WITH pages AS (SELECT source_id, min(id) AS first_id, max(id) AS last_id FROM fetches
                       WHERE crawl_id = :crawl GROUP BY source_id)
        SELECT f.source_id, f.outcome, f.status, f.error,
               (SELECT group_concat(kind, ', ') FROM (
                    SELECT kind FROM events WHERE fetch_id = f.id OR confirmed_by = f.id
                    OR fetch_id IN (SELECT id FROM fetches WHERE crawl_id = :crawl
                                    AND source_id = pages.source_id AND id < f.id)
                    ORDER BY id)) AS event
        FROM pages JOIN fetches f ON f.id = pages.last_id
        ORDER BY pages.first_id"""
    return list(db.query(sql, {"crawl": crawl_id}))
