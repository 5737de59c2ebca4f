"""Database bytes and store CPU per new, changed and unchanged page, through the store alone.

Analyses N synthetic ministry pages (``synthetic_site.Site``: 20-200 KB), stores
them with ``store.record_fetch``, then edits every page once (one paragraph
replaced, one added) and stores them again, then stores a 304 for each. Reports
bytes in use added per 100 KB of page and the CPU ``record_fetch`` took per page
(analysis not included) for each pass. Seconds, not the half hour the full
pipeline benchmark takes at N = 20,000; the same bytes as its rounds.

    .venv/bin/python benchmarks/storage_bytes.py [N]      (default 200)
"""

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from synthetic_site import Site  # noqa: E402

from monitor import store  # noqa: E402
from monitor.analysis import analyze  # noqa: E402
from monitor.config import Source  # noqa: E402
from monitor.items import PageFetch  # noqa: E402


def used_bytes(db):
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = db.execute("PRAGMA page_count").fetchone()[0] - db.execute("PRAGMA freelist_count").fetchone()[0]
    return pages * db.execute("PRAGMA page_size").fetchone()[0]


def store_all(db, site, sources, status):
    """Analyse and store every page once; return the bytes fetched and the CPU seconds
    ``record_fetch`` took."""
    fetched, cpu = 0, 0.0
    for number, source in enumerate(sources):
        fetch = PageFetch(source_id=source.id, url=source.url, fetched_at="2026-11-27T10:00:00Z",
                          status=status, content_type="text/html; charset=utf-8",
                          body=site.body(number) if status == 200 else b"", duration_ms=5)
        fetched += len(fetch.body)
        observation = analyze.analyze(fetch, source)
        started = time.process_time()
        store.record_fetch(db, fetch, observation, failing_after=3)
        cpu += time.process_time() - started
    return fetched, cpu


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    site = Site(count)
    sources = [Source(id=f"canada-global-affairs-dialogue-{n:05d}", country="Canada", title=f"Page {n}",
                      url=f"http://127.0.0.1/p/{n}", kind="html", locale="en") for n in range(count)]
    with tempfile.TemporaryDirectory() as folder:
        db = store.open_db(Path(folder) / "bytes.db")
        store.sync_sources(db, sources)
        for label, edit, status in (("new page", False, 200), ("changed page", True, 200),
                                    ("unchanged page (304)", False, 304)):
            if edit:
                site.change(1, share=1.0)
            before = used_bytes(db)
            fetched, cpu = store_all(db, site, sources, status)
            added = used_bytes(db) - before
            size = (f"{added / fetched * 100:.1f} KB per 100 KB of page" if fetched
                    else f"{added / count:.0f} B per page")
            print(f"{count} pages, {label}: {added:,} B added = {size}; "
                  f"record_fetch {cpu / count * 1000:.2f} ms CPU per page")


if __name__ == "__main__":
    main()
