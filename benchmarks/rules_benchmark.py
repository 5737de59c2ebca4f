"""What rule changes cost: ``reanalyse`` over 1,000 stored captures, and a crawl of
N sources right after every source's rules changed, against the same crawl without.

1. Stores 1,000 captures of one synthetic ministry page (``synthetic_site.Site``,
   20-200 KB; each capture edits a paragraph) through ``store.record_fetch``, then
   times ``reanalyse.source`` with a new ``ignore:`` rule (wall clock and CPU).
2. Serves N synthetic pages on 127.0.0.1 (``synthetic_site.SiteServer``, honest 304s),
   crawls them once, then times an unchanged crawl, then a crawl after adding an
   ``ignore:`` rule to every source (each page's last capture is read again).

    .venv/bin/python benchmarks/rules_benchmark.py [--captures 1000] [--sources 2000]
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import synthetic_site  # noqa: E402

from monitor import config, store  # noqa: E402
from monitor import reanalyse  # noqa: E402
from monitor.analysis import analyze  # noqa: E402
from monitor.fetch import crawler  # noqa: E402
from monitor.items import PageFetch  # noqa: E402


def reanalyse_time(count, folder):
    site = synthetic_site.Site(count)
    path = Path(folder) / "captures.yaml"
    path.write_text(yaml.safe_dump({"sources": [{"id": "canada-global-affairs-dialogue-00000",
                                                 "country": "Canada", "title": "p", "kind": "html",
                                                 "url": "http://127.0.0.1/p/0"}]}))
    source = config.load(path).sources[0]
    db = store.open_db(Path(folder) / "captures.db")
    store.sync_sources(db, [source])
    for number in range(count):
        body = site.body(number)  # a different page each time: every capture is a new version
        fetch = PageFetch(source_id=source.id, url=source.url, status=200, body=body,
                          fetched_at=f"2026-01-01T00:{number // 60 % 60:02d}:{number % 60:02d}Z",
                          content_type="text/html; charset=utf-8")
        store.record_fetch(db, fetch, analyze.analyze(fetch, source, store.current_capture(
            db, source.id)), 3)
    tuned = _with_ignore(path)
    wall, cpu = time.perf_counter(), time.process_time()
    captures, removed, added, changed = reanalyse.source(db, tuned)
    return {"captures": captures, "versions_changed": changed,
            "wall_s": round(time.perf_counter() - wall, 1), "parent_cpu_s": round(time.process_time() - cpu, 1)}


def _with_ignore(path):
    document = yaml.safe_load(path.read_text())
    for entry in document["sources"]:
        entry["ignore"] = ["/Last updated.*/"]
    path.write_text(yaml.safe_dump(document))
    return config.load(path).sources[0]


def rule_change_crawl(count, folder):
    server = synthetic_site.SiteServer(count)
    try:
        sources = [{"id": f"canada-global-affairs-dialogue-{n:05d}", "country": "Canada",
                    "title": f"Page {n}", "kind": "html", "url": server.url(n)} for n in range(count)]
        settings = {"delay_seconds": 0, "concurrent_requests": 16, "retries": 1,
                    "timeout_seconds": 60, "contact": "benchmark <bench@example.org>"}
        path, db_path = Path(folder) / "sources.yaml", Path(folder) / "crawl.db"
        write = lambda: path.write_text(yaml.safe_dump({"settings": settings, "sources": sources}))  # noqa: E731
        write()
        crawler.crawl(config.load(path), db_path, CONCURRENT_REQUESTS_PER_DOMAIN=16)
        timings = {}
        for label in ("unchanged crawl", "crawl after a rule change on every source"):
            if label.startswith("crawl after"):
                for entry in sources:
                    entry["ignore"] = ["/Last updated.*/"]
                write()
            started = time.perf_counter()
            _, results = crawler.crawl(config.load(path), db_path, CONCURRENT_REQUESTS_PER_DOMAIN=16)
            timings[label] = {"seconds": round(time.perf_counter() - started, 1),
                              "events": sum(1 for r in results if r["event"]
                                            and r["event"] != "rules_changed")}
        return timings
    finally:
        server.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--captures", type=int, default=1000)
    parser.add_argument("--sources", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print("reanalyse:", reanalyse_time(args.captures, folder), flush=True)
        print(f"crawl of {args.sources} sources:", rule_change_crawl(args.sources, folder), flush=True)


if __name__ == "__main__":
    main()
