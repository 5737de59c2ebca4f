"""How fast the published site's pages are on a long history.

Builds a database with the real schema (``store.open_db``) holding the
watched pages of sources.yaml, 1,000,000 fetches and 100,000 events (with
their versions, diffs, texts and bodies), then times the site's pages through
Datasette's own client and prints the figures. A report, not a test: it
always exits 0.

Run from the repository root:

    .venv/bin/python benchmarks/site_benchmark.py [--db PATH] [--sources N] [--fetches N] [--events N]

``--sources N`` watches N pages: copies of sources.yaml's pages (same
countries, addresses made distinct), as a large deployment would.

The database is kept (default build/site-benchmark.db) and reused when it
already holds the requested numbers of rows; delete it to rebuild.
"""

import argparse
import asyncio
import dataclasses
import datetime
import hashlib
import pathlib
import random
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor import config, store  # noqa: E402
from monitor.analysis.events import TEXT_KINDS  # noqa: E402 - the one list of text changes
from monitor.publish import site  # noqa: E402
from monitor.store import blobs  # noqa: E402

START = datetime.datetime(2005, 1, 1, tzinfo=datetime.timezone.utc)
CRAWL_EVERY = datetime.timedelta(hours=6)
# Event kinds after the first capture, and how often each happens.
KIND_WEIGHTS = {"updated": 30, "silent_edit": 20, "marker_only": 15, "changed": 5,
                "gone": 8, "restored": 8, "failing": 7, "recovered": 7}
NEW_VERSION = {"new", "updated", "silent_edit", "marker_only", "changed", "restored"}
POOL = 2000  # distinct texts and bodies
BATCH = 20000
RUNS = 5


# -- building the history ------------------------------------------------------


class History:
    """Generates one long, plausible history, fetch by fetch, in time order."""

    def __init__(self, source_ids, fetches, events, seed=2003):
        self.random = random.Random(seed)
        self.source_ids = source_ids
        self.crawls = -(-fetches // len(source_ids))
        self.fetches = fetches
        self.event_fetches = self._pick_event_fetches(events)
        self.current = {}  # source -> (version id, seq, marker_until, text index)
        self.version_rows, self.event_rows, self.diff_rows, self.line_rows = [], [], [], []

    def _pick_event_fetches(self, events):
        first_crawl = len(self.source_ids)
        later = self.random.sample(range(first_crawl + 1, self.fetches + 1), events - first_crawl)
        return set(later) | set(range(1, first_crawl + 1))

    def crawl_rows(self):
        for number in range(1, self.crawls + 1):
            at = iso(START + (number - 1) * CRAWL_EVERY)
            yield {"id": number, "started_at": at, "finished_at": at, "sources": len(self.source_ids),
                   "outcome": "completed"}

    def fetch_rows(self):
        for fetch_id in range(1, self.fetches + 1):
            crawl = (fetch_id - 1) // len(self.source_ids) + 1
            source_id = self.source_ids[(fetch_id - 1) % len(self.source_ids)]
            at = START + (crawl - 1) * CRAWL_EVERY + datetime.timedelta(seconds=fetch_id % 60)
            kind = self._event_kind(fetch_id, source_id)
            yield self._fetch(fetch_id, crawl, source_id, at, kind)

    def _event_kind(self, fetch_id, source_id):
        if fetch_id not in self.event_fetches:
            return None
        if source_id not in self.current:
            return "new"
        return self.random.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]

    def _fetch(self, fetch_id, crawl, source_id, at, kind):
        outcome = {"gone": "gone", "failing": "error"}.get(kind, "ok")
        if kind is None and self.random.random() < 0.01:
            outcome = "error"
        if kind in NEW_VERSION:
            self._new_version(fetch_id, source_id, at, kind)
        version = self.current.get(source_id)
        if kind:
            self._event(fetch_id, source_id, at, kind)
        return {
            "id": fetch_id, "source_id": source_id, "crawl_id": crawl, "at": iso(at),
            "status": {"ok": 200, "gone": 404, "error": 500}[outcome], "outcome": outcome,
            "content_type": "text/html; charset=utf-8", "duration_ms": 120 + fetch_id % 300,
            "error": "the site answered 500 (Internal Server Error)" if outcome == "error" else None,
            "body_sha256": body_sha(version[3]) if version and outcome == "ok" else None,
            "version_id": version[0] if version and outcome == "ok" else None,
        }

    def _new_version(self, fetch_id, source_id, at, kind):
        previous = self.current.get(source_id)
        seq = previous[1] + 1 if previous else 1
        until = previous[2] if previous and kind in ("silent_edit", "restored") else \
            (at - datetime.timedelta(days=self.random.randint(0, 900))).date()
        text = previous[3] if previous and kind in ("marker_only", "restored") else \
            self.random.randrange(POOL)
        version_id = len(self.version_rows) + 1
        self.version_rows.append({
            "id": version_id, "source_id": source_id, "seq": seq, "fetch_id": fetch_id,
            "at": iso(at), "text_sha256": text_sha(text), "body_sha256": body_sha(text),
            "marker_text": f"Last updated: {until.isoformat()}", "marker_date": until.isoformat(),
            "marker_precision": "day", "marker_origin": "label", "marker_until": until.isoformat(),
        })
        self.current[source_id] = (version_id, seq, until, text)
        if not previous or text != previous[3]:
            self.line_rows.append((version_id, TEXTS[text], TEXTS[previous[3]] if previous else ""))
        if previous and kind != "marker_only":
            self.diff_rows.append({
                "id": len(self.diff_rows) + 1, "source_id": source_id,
                "from_version_id": previous[0], "to_version_id": version_id,
                "lines_added": 1, "lines_removed": 1,
                "diff": f"--- before\n+++ after\n@@ -1 +1 @@\n-{TEXTS[previous[3]]}\n+{TEXTS[text]}",
            })

    def _event(self, fetch_id, source_id, at, kind):
        version = self.current.get(source_id)
        latest = self.diff_rows[-1] if self.diff_rows else None
        diff = latest if latest and kind in TEXT_KINDS and latest["to_version_id"] == version[0] else None
        self.event_rows.append({
            "id": len(self.event_rows) + 1, "source_id": source_id, "fetch_id": fetch_id,
            "country": self.countries[source_id],
            "at": iso(at), "kind": kind, "version_id": version[0],
            "marker_before": None if kind == "new" else "Last updated: earlier",
            "marker_after": f"Last updated: {version[2].isoformat()}",
            "lines_added": 1 if diff else None, "lines_removed": 1 if diff else None,
            "diff_id": diff["id"] if diff else None, "detail": None,
        })

    def state_rows(self):
        last = iso(START + (self.crawls - 1) * CRAWL_EVERY)
        for source_id, (version_id, _, _, _) in self.current.items():
            yield {"source_id": source_id, "state": "ok", "consecutive_errors": 0,
                   "first_seen_at": iso(START), "last_checked_at": last, "last_ok_at": last,
                   "last_changed_at": last, "current_version_id": version_id}


WORDS = ("dialogue human rights China freedom expression religion minorities Tibet Xinjiang "
         "death penalty lawyers detention prison visit round delegation Beijing").split()
TEXTS = [" ".join(random.Random(i).choices(WORDS, k=40)) + f" (text {i})" for i in range(POOL)]


def text_sha(index):
    return hashlib.sha256(TEXTS[index].encode()).hexdigest()


def body_sha(index):
    return hashlib.sha256(b"<html>" + TEXTS[index].encode()).hexdigest()


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def watched(count):
    """``count`` sources: sources.yaml's, then copies of them with distinct ids and addresses."""
    real = config.load(ROOT / "sources.yaml").sources
    if not count or count <= len(real):
        return real[:count] if count else real
    copies = [dataclasses.replace(s, id=f"{s.id}-{n}", url=f"{s.url}#copy-{n}")
              for n in range(1, -(-count // len(real))) for s in real]
    return (list(real) + copies)[:count]


def build(path, fetches, events, sources=None):
    db = store.open_db(path)
    sources = watched(sources)
    store.sync_sources(db, sources)
    history = History([s.id for s in sources], fetches, events)
    history.countries = {s.id: s.country for s in sources}
    with db.atomic():
        db["crawls"].insert_all(history.crawl_rows(), batch_size=BATCH)
        for text in TEXTS:
            blobs.pack(db.conn, "texts", text.encode())
            blobs.pack(db.conn, "bodies", b"<html>" + text.encode())
        db["fetches"].insert_all(history.fetch_rows(), batch_size=BATCH)
        db["versions"].insert_all(history.version_rows, batch_size=BATCH)
        db.conn.executemany("INSERT INTO version_lines (rowid, added, removed) VALUES (?, ?, ?)",
                            history.line_rows)
        db["diffs"].insert_all(history.diff_rows, batch_size=BATCH)
        db["events"].insert_all(history.event_rows, batch_size=BATCH)
        db["source_state"].insert_all(history.state_rows(), batch_size=BATCH)
    return db


# -- timing the pages ------------------------------------------------------------


def pages(source_id, country, event_id, version_id):
    return [
        ("home", "/"),
        ("staleness", "/monitor/staleness"),
        ("staleness (JSON)", "/monitor/staleness.json"),
        ("recent changes", "/monitor/recent_changes"),
        ("recent changes, one country", f"/monitor/recent_changes?country={country}"),
        ("recent changes, one kind", "/monitor/recent_changes?kind=silent_edit"),
        ("recent changes, page 2", "/monitor/recent_changes?_next=200"),
        ("feed (Atom)", "/monitor/feed.atom"),
        ("country feed (Atom)", f"/monitor/country_feed.atom?country={country}"),
        ("page history", f"/monitor/history?source={source_id}"),
        ("monitoring health", "/monitor/health"),
        ("search", "/monitor/search?q=Tibet"),
        ("the 2003 baseline", "/monitor/baseline_2003"),
        ("a change", f"/monitor/change?event={event_id}"),
        ("a capture", f"/monitor/capture?version={version_id}"),
        ("compare two versions", f"/monitor/compare?source={source_id}&from=1&to=2"),
    ]


async def time_pages(path, targets):
    datasette = site.make_datasette(path)
    results = []
    for label, url in targets:
        started = time.perf_counter()
        response = await datasette.client.get(url)  # the first request (kept rows are made here)
        first = (time.perf_counter() - started) * 1000
        times = []
        for _ in range(RUNS):
            started = time.perf_counter()
            await datasette.client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        results.append((label, url, response.status_code, first, statistics.median(times), max(times)))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=str(ROOT / "build" / "site-benchmark.db"))
    parser.add_argument("--sources", type=int, default=0, help="pages watched (default: sources.yaml's)")
    parser.add_argument("--fetches", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    path = pathlib.Path(args.db)
    db = store.open_db(path)
    wanted = (len(watched(args.sources)), args.fetches, args.events)
    if (db["sources"].count, db["fetches"].count, db["events"].count) != wanted:
        db.close()
        for suffix in ("", "-wal", "-shm"):
            pathlib.Path(str(path) + suffix).unlink(missing_ok=True)
        started = time.perf_counter()
        db = build(path, args.fetches, args.events, args.sources)
        print(f"Built {path} in {time.perf_counter() - started:.0f} s.")
    counts = {name: db[name].count for name in ("sources", "fetches", "events", "versions", "diffs")}
    print("Rows: " + ", ".join(f"{name} {count:,}" for name, count in counts.items()))
    first = next(db["sources"].rows_where(order_by="id", limit=1))
    busiest = next(db.query("SELECT source_id FROM versions GROUP BY source_id ORDER BY count(*) DESC LIMIT 1"))
    changed = next(db.query("SELECT max(id) AS id FROM events WHERE diff_id IS NOT NULL"))
    db.close()
    targets = pages(busiest["source_id"], first["country"], changed["id"], changed["id"])
    results = asyncio.run(time_pages(path, targets))
    print(f"\n{'page':<30} {'status':>6} {'first ms':>9} {'median ms':>10} {'max ms':>8}   url")
    for label, url, status, first, median, worst in results:
        print(f"{label:<30} {status:>6} {first:>9.1f} {median:>10.1f} {worst:>8.1f}   {url}")


if __name__ == "__main__":
    main()
