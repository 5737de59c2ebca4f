"""Discovery over a 50,000-URL sitemap: time and peak memory.

A sitemap of ``URLS`` addresses (the protocol's most), each with a ``lastmod``, a
few of them press releases whose words ``match:`` counts, is read
(``monitor.discover.reader.read``) plain and gzip-compressed, then matched and stored
(``monitor.store.discovery.record``) twice in a fresh database: the first read (a
baseline of every address) and a second one listing 10 new addresses, 2 of them
matching (adopted, told). Each step runs in a process of its own, so that its peak
resident memory (``ru_maxrss``) is its own; the baseline of an idle process with the
same imports is printed beside it. Median of ``ROUNDS`` for the reads; CPU seconds
beside the wall-clock ones (on a shared machine the wall clock measures the others).

    .venv/bin/python benchmarks/discover_sitemap.py [URLS]      (default 50000)
"""

import gzip
import json
import multiprocessing
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

ROUNDS = 5
MATCH = ["human rights dialogue", {"near": ["China", "human rights"]}, "Menschenrechtsdialog"]


def sitemap(urls, extra=()):
    rows = [f"<url><loc>https://www.example.gov/en/news/{n:05d}-press-release-about-topic-{n % 97}"
            f"</loc><lastmod>2024-{1 + n % 12:02d}-{1 + n % 28:02d}</lastmod></url>" for n in range(urls)]
    rows += [f"<url><loc>https://www.example.gov/en/news/{slug}</loc><lastmod>2026-12-06</lastmod>"
             f"</url>" for slug in extra]
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/'
            f'schemas/sitemap/0.9">{"".join(rows)}</urlset>').encode()


NEW = ["eu-china-human-rights-dialogue-39th-round", "statement-on-human-rights-in-china",
       *[f"trade-note-{n}" for n in range(8)]]


def discovery():
    from monitor.discover.config import Discovery
    from monitor.discover.match import Matcher, rule

    return Discovery("bench-sitemap", "European Union", "Bench sitemap", "https://www.example.gov/s.xml",
                     "sitemap", Matcher([rule(m) for m in MATCH]), limit=50)


def _read_step(body, out):
    from monitor.discover.reader import read

    times, cpu = [], []
    for _ in range(ROUNDS):
        started, used = time.perf_counter(), time.process_time()
        page = read(discovery(), body, "https://www.example.gov/s.xml")
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    out.put({"seconds": statistics.median(times), "cpu": statistics.median(cpu),
             "items": len(page.items), "error": page.error,
             "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def _store_step(db_path, bodies, out):
    from monitor import store
    from monitor.discover.reader import Read, read
    from monitor.store import discovery as store_discovery

    db = store.open_db(db_path)
    found = []
    for body in bodies:
        started, used = time.perf_counter(), time.process_time()
        page = read(discovery(), body, "https://www.example.gov/s.xml")
        each = Read(discovery(), pages=1, items=page.items, complete=True)
        words = store_discovery.record(db, each)
        found.append({"seconds": time.perf_counter() - started,
                      "cpu": time.process_time() - used, "words": words})
    told = db.execute("SELECT count(*) FROM events WHERE kind = 'new_publication'").fetchone()[0]
    out.put({"reads": found, "told": told,
             "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def _idle_step(out):
    from monitor import store  # noqa: F401
    from monitor.discover import reader  # noqa: F401

    out.put({"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def in_child(target, *args):
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    child = context.Process(target=target, args=(*args, out))
    child.start()
    result = out.get()
    child.join()
    return result


def main(urls):
    plain = sitemap(urls)
    packed = gzip.compress(plain)
    print(f"sitemap: {urls:,} URLs, {len(plain) / 2**20:.1f} MB plain, "
          f"{len(packed) / 2**20:.2f} MB gzip")
    idle = in_child(_idle_step)
    print(f"idle process with the imports: peak {idle['peak_mb']:.0f} MB")
    for name, body in (("plain", plain), ("gzip", packed)):
        result = in_child(_read_step, body)
        print(f"read {name}: {result['seconds']:.2f} s, CPU {result['cpu']:.2f} s (median of "
              f"{ROUNDS}), {result['items']:,} "
              f"items, peak {result['peak_mb']:.0f} MB, error: {result['error']}")
    with tempfile.TemporaryDirectory() as folder:
        result = in_child(_store_step, str(Path(folder) / "bench.db"),
                          [packed, gzip.compress(sitemap(urls, NEW))])
    for label, each in zip(("first read (baseline)", "second read (+10)"), result["reads"]):
        print(f"read+match+store, {label}: {each['seconds']:.2f} s, CPU {each['cpu']:.2f} s: "
              f"{each['words']}")
    print(f"new_publication events: {result['told']}; peak {result['peak_mb']:.0f} MB")
    return json.dumps(result)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
