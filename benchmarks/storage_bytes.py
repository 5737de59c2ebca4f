"""Database bytes per new and per changed page, through the store alone (no crawl).

Analyses N synthetic ministry pages (``synthetic_site.Site``: 20-200 KB), stores
them with ``store.record_fetch``, then edits every page once (one paragraph
replaced, one added) and stores them again. Reports bytes in use added per 100 KB
of page for each pass. Seconds, not the half hour the full pipeline benchmark
takes at N = 20,000; the same figures as its first and change rounds.

    .venv/bin/python benchmarks/storage_bytes.py [N]      (default 200)
"""

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from synthetic_site import Site  # noqa: E402

from monitor import analyze, store  # noqa: E402
from monitor.config import Source  # noqa: E402
from monitor.items import PageFetch  # noqa: E402


def used_bytes(db):
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = db.execute("PRAGMA page_count").fetchone()[0] - db.execute("PRAGMA freelist_count").fetchone()[0]
    return pages * db.execute("PRAGMA page_size").fetchone()[0]


def store_all(db, site, sources):
    """Analyse and store every page once; return the bytes fetched."""
    fetched = 0
    for number, source in enumerate(sources):
        fetch = PageFetch(source_id=source.id, url=source.url, fetched_at="2026-11-27T10:00:00Z",
                          status=200, content_type="text/html; charset=utf-8",
                          body=site.body(number), duration_ms=5)
        fetched += len(fetch.body)
        store.record_fetch(db, fetch, analyze.analyze(fetch, source), failing_after=3)
    return fetched


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    site = Site(count)
    sources = [Source(id=f"canada-global-affairs-dialogue-{n:05d}", country="Canada", title=f"Page {n}",
                      url=f"http://127.0.0.1/p/{n}", kind="html", locale="en") for n in range(count)]
    with tempfile.TemporaryDirectory() as folder:
        db = store.open_db(Path(folder) / "bytes.db")
        store.sync_sources(db, sources)
        for label, edit in (("new page", False), ("changed page", True)):
            if edit:
                site.change(1, share=1.0)
            before = used_bytes(db)
            fetched = store_all(db, site, sources)
            added = used_bytes(db) - before
            print(f"{count} pages, {label}: {added:,} B added for {fetched:,} B fetched = "
                  f"{added / fetched * 100:.1f} KB per 100 KB of page")


if __name__ == "__main__":
    main()
