"""The Internet Archive's side: a backfill and a WARC export, timed against the local
stand-in for the Wayback Machine (tests/archive_server.py, on 127.0.0.1).

- the backfill of one source with 200 archive captures (each a different copy of a
  ~20 KB page, one paragraph edited between two copies): wall time and the bytes
  the database grew by;
- the WARC export of 1,000 captures (five such sources): wall time and file size.

Run: .venv/bin/python benchmarks/archive_benchmark.py [--captures 200] [--sources 5]
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor import config, store  # noqa: E402
from monitor.archive import backfill, export  # noqa: E402
from tests.archive_server import ArchiveServer  # noqa: E402


def page(number, edits):
    rounds = "".join(f"<li>Round {i}: held in {'Ottawa' if i % 2 else 'Beijing'}; officials "
                     f"discussed freedom of expression, minority rights and the rule of law "
                     f"(summary {i * 7 % 13}).</li>" for i in range(120))
    return (f"<html><head><title>Page {number}</title></head><body><nav>Home · About</nav>"
            f"<main><h1>Human rights dialogue {number}</h1><p>Edit {edits}: the latest round "
            f"is number {edits}.</p><ul>{rounds}</ul></main><footer><p>Last updated: "
            f"{1 + edits % 28} March {2002 + edits // 20}</p></footer></body></html>")


def fill(archive, url, number, captures):
    for edit in range(captures):
        year, day = 2002 + edit // 20, edit % 20
        archive.add(url, f"{year}{1 + day // 2:02d}{1 + day:02d}120000", page(number, edit))


def size(path):
    return sum(os.path.getsize(p) for p in (path, f"{path}-wal") if os.path.exists(p))


def main(captures, sources):
    archive = ArchiveServer()
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        entries = [{"id": f"page-{n}", "country": "Canada", "title": f"Page {n}", "kind": "html",
                    "url": f"http://www.example.org/dialogue-{n}.htm"} for n in range(sources)]
        (work / "sources.yaml").write_text(yaml.safe_dump({
            "settings": {"archive_url": archive.base_url, "archive_delay_seconds": 0,
                         "contact": "benchmark"},
            "defaults": {"stale_after": "never"}, "sources": entries}))
        cfg = config.load(work / "sources.yaml")
        for n, source in enumerate(cfg.sources):
            fill(archive, source.url, n, captures)
        db_path = work / "monitor.db"
        db = store.open_db(db_path)
        store.sync_sources(db, cfg.sources)
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        empty = size(db_path)
        started = time.perf_counter()
        (first,) = backfill.backfill(db, cfg, cfg.sources[:1])
        one_source = time.perf_counter() - started
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        grown = size(db_path) - empty
        backfill.backfill(db, cfg, cfg.sources[1:])
        stored = db.execute("SELECT count(*) FROM fetches WHERE body_sha256 IS NOT NULL").fetchone()[0]
        out = work / "all.warc.gz"
        started = time.perf_counter()
        written = export.export(db, out, [])
        exported = time.perf_counter() - started
        result = {
            "backfill": {"captures": captures, "versions": sum(first.imported.values()),
                         "seconds": round(one_source, 2),
                         "seconds_per_capture": round(one_source / captures, 4),
                         "database_bytes": grown, "bytes_per_capture": grown // captures},
            "export": {"captures": written, "stored": stored, "seconds": round(exported, 2),
                       "warc_gz_bytes": out.stat().st_size,
                       "bytes_per_capture": out.stat().st_size // max(written, 1)},
            "page_bytes": len(page(0, 0).encode()),
        }
    archive.close()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captures", type=int, default=200)
    parser.add_argument("--sources", type=int, default=5)
    arguments = parser.parse_args()
    main(arguments.captures, arguments.sources)
