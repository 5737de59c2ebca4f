"""Bytes added to the database by one crawl of N unchanged pages.

Serves N realistic pages (about 40 KB each) on 127.0.0.1, crawls them once, then
crawls them again unchanged, and reports what the second crawl added: once with
a site that answers conditional requests (304), once with a site that does not
(full 200 with the same bytes).

    .venv/bin/python benchmarks/unchanged_bytes.py [N]

Source ids are as long as sources.yaml's median (35 characters, e.g.
``canada-global-affairs-dialogue-0042``): each fetch row and its indexes hold one.
"""

import random
import sys
import tempfile
from pathlib import Path

import yaml

from monitor import config, store
from monitor.fetch import crawler
from monitor.replica import Replica

WORDS = ("dialogue human rights China delegation minister prison religious freedom "
         "minorities Tibet Xinjiang expression lawyers death penalty cooperation").split()


def page_html(number, rng):
    paragraphs = "".join(f"<p>{' '.join(rng.choice(WORDS) for _ in range(120))}.</p>" for _ in range(40))
    return (f"<html><head><title>Page {number}</title></head><body><nav>Home | News</nav>"
            f"<main><h1>Dialogue page {number}</h1>{paragraphs}</main>"
            "<footer>Last updated 12 March 2024</footer></body></html>")


def source_id(number):
    return f"canada-global-affairs-dialogue-{number:04d}"


def db_bytes(path):
    """Bytes in use: the file's pages less the free ones SQLite will reuse."""
    db = store.open_db(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    used = db.execute("PRAGMA page_count").fetchone()[0] - db.execute("PRAGMA freelist_count").fetchone()[0]
    size = used * db.execute("PRAGMA page_size").fetchone()[0]
    fetches = db["fetches"].count
    db.conn.close()
    return size, fetches


def measure(count, validators, folder):
    rng = random.Random(7)
    replica = Replica()
    try:
        for number in range(count):
            replica.set(f"/p{number}", page_html(number, rng), validators=validators)
        sources = [{"id": source_id(n), "country": "Canada", "title": f"p{n}", "kind": "html",
                    "url": replica.url(f"/p{n}")} for n in range(count)]
        path = Path(folder) / f"sources-{validators}.yaml"
        path.write_text(yaml.safe_dump({"settings": {"delay_seconds": 0, "concurrent_requests": 16},
                                        "sources": sources}))
        cfg = config.load(path)
        db_path = Path(folder) / f"bench-{validators}.db"
        crawler.crawl(cfg, db_path)
        before, first_fetches = db_bytes(db_path)
        crawler.crawl(cfg, db_path)
        after, all_fetches = db_bytes(db_path)
        assert all_fetches == first_fetches + count, "the second crawl did not store every fetch"
        page_size = len(page_html(0, random.Random(7)))
        return before, after, page_size
    finally:
        replica.close()


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    with tempfile.TemporaryDirectory() as folder:
        for validators, label in ((True, "site answers 304"), (False, "site re-sends the same bytes")):
            before, after, size = measure(count, validators, folder)
            added = after - before
            print(f"{count} unchanged pages of ~{size // 1024} KB, {label}: first crawl stored "
                  f"{before:,} B; the second crawl added {added:,} B ({added / count:.0f} B per page)")


if __name__ == "__main__":
    main()
