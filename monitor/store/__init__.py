"""The database: schema, migrations, every read and every write.

No other part of dialogue-watch writes SQL. One crawl result (a fetch) is
stored by ``record_fetch`` in a single transaction: the fetch row, the body
and the text (each kept once by SHA-256, as a Zstandard delta against the
page's previous one: ``blobs``), the new version, the lines it added and
removed (the search index), its diff, its event and the event's alerts all
land together or not at all.

- ``blobs``: captured bytes and texts, stored as deltas, read back;
- ``schema``: the migrations, applied in order when the database is opened;
- ``connection``: opening it, transactions, plain-words storage errors;
- ``sql``: the bottom: statements every writer and the migrations share (the search
  index, plain inserts); it imports no other store module;
- ``rows``: the rows every writer makes (fetch, version, text, event with its diff);
- ``sources``: sources.yaml mirrored into the ``sources`` table;
- ``crawls``: one row per crawl, opened and closed;
- ``record``: one fetch and everything that follows from it, in one transaction: it
  reads what the decision needs, ``monitor.analysis.check.decide`` decides, it stores the
  verdict; ``confirm`` (held changes) and ``places`` (volatile places) read and keep
  their parts of it;
- ``reads``: what the command line and the checks read;
- ``readings``: stored captures read again with new rules (``reanalyse``);
- ``outbox``: the alerts waiting for delivery;
- ``links``: what each version links to, the links that came and went, followed documents;
- ``screenshots``: the pictures of rendered pages' versions, kept once by SHA-256;
- ``merge``: several nodes' databases combined into one (``dialogue-watch merge``);
- ``archive``: the Internet Archive's copies (backfill), the Save Page Now queue and
  the captures an export writes.
- ``workspace``: the campaigners' private workspace (``monitor.workspace``): accounts, the
  audit, subscriptions and the alerts queued for them, reviews, notes, what a change cites.
"""

from monitor.store.connection import db_path, immediate_transaction, iso, now, open_db, writes
from monitor.store.outbox import (
    DELIVERY_TABLES, INTERRUPTED, alert_details, check_rows, claim_next, digest_alerts,
    enqueue_alerts, mark_failed, mark_sent, open_digest, release_interrupted, undelivered,
)
from monitor.store.reads import (
    INTEGRITY_QUERIES, body_of, capture, counts, crawl_in_progress, history, integrity_problems, staleness_rows, text_of,
    version, versions,
)
from monitor.store.crawls import (
    INTERRUPTED_CRAWL, close_interrupted_crawls, crawl_results, finish_crawl, start_crawl,
)
from monitor.store.trust import validators
from monitor.store.schema import migrations

# The writers that read pages (``record``, ``readings``, ``sources``, ``links``) bring the
# analysis with them (lxml, the markers): loaded when first asked for, so that a command
# that only reads the database ('dialogue-watch status') starts without them (issue 27).
_LATER = {"current_capture": "record", "record_fetch": "record", "LOOK_AGAIN": "record",
          "sync_sources": "sources", "captures": "readings", "change_events": "readings", "refresh_diffs": "readings",
          "replace_reading": "readings", "links": None}


def __getattr__(name):
    if name not in _LATER:
        raise AttributeError(f"module 'monitor.store' has no attribute '{name}'")
    import importlib

    module = importlib.import_module(f"monitor.store.{_LATER[name] or name}")
    value = module if _LATER[name] is None else getattr(module, name)
    globals()[name] = value  # asked once: the next calls find it here
    return value

__all__ = [
    "DELIVERY_TABLES", "INTEGRITY_QUERIES", "LOOK_AGAIN", "INTERRUPTED", "alert_details", "body_of", "capture", "captures", "change_events", "crawl_in_progress", "refresh_diffs",
    "replace_reading",
    "INTERRUPTED_CRAWL", "check_rows", "claim_next", "close_interrupted_crawls", "counts", "crawl_results", "current_capture", "db_path",
    "digest_alerts", "enqueue_alerts", "finish_crawl", "history", "immediate_transaction",
    "integrity_problems", "iso", "mark_failed", "mark_sent", "migrations", "now", "open_digest",
    "open_db", "record_fetch", "release_interrupted", "staleness_rows", "start_crawl",
    "sync_sources", "text_of", "undelivered", "validators", "version", "versions", "writes",
]
