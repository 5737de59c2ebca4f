"""Memory taken by reading one web page (``analyze.read``), against the estimate the
analysis checks before it parses (``extract.reading_memory``), and the crawl child's
peak with a large table page (issue 21: a 22 MB table took it to 1.4 GB).

    .venv/bin/python benchmarks/read_memory.py pages [--mb 1 --mb 2 --mb 5 --mb 10]
    .venv/bin/python benchmarks/read_memory.py crawl [--mb 22] [--budget 512]

``pages``: each page shape and size read in a fresh process with no budget; the
extra peak RSS over the process before reading, per tag ('<') and per byte, and the
estimate. ``crawl``: a real crawl of the page served on 127.0.0.1 (with a normal page
beside it) with ``analysis_memory_mb: BUDGET`` (0: no limit); the peak RSS of the
crawl child and of its analysis workers (``DW_USAGE_PATH``). Always exits 0: a report.
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from monitor import config  # noqa: E402
from monitor.analysis import analyze, extract  # noqa: E402
from monitor.items import PageFetch  # noqa: E402

PARAGRAPH = ("The dialogue was held in Ottawa; officials discussed freedom of expression and the "
             "rights of minorities with non-governmental organisations, at length and in detail.")
# shape -> one repeated piece of the page's body
SHAPES = {
    "table of figures": "<tr>" + "<td>12,345</td>" * 10 + "</tr>\n",
    "table of one-digit cells": "<tr>" + "<td>1</td>" * 10 + "</tr>\n",
    "table of links": "<tr>" + "<td><a href='/report/2024/item'>Item</a></td>" * 5 + "</tr>\n",
    "table of long cells": "<tr><td>" + PARAGRAPH + "</td><td>" + PARAGRAPH + "</td></tr>\n",
    "nested inline tags": "<p>" + "<span><b>1</b></span>" * 10 + "</p>\n",
    "paragraphs": f"<p>{PARAGRAPH} {PARAGRAPH}</p>\n",
}
SOURCE = config.Source(id="bench", country="Canada", title="Benchmark", url="http://127.0.0.1/p",
                       kind="html", locale="en", analysis_memory_mb=0)


def page(shape, megabytes):
    piece = SHAPES[shape]
    body = piece * int(megabytes * 2**20 // len(piece))
    return (f"<html><head><title>Statistics</title></head><body><main><h1>Figures</h1>"
            f"<p>{PARAGRAPH}</p><table>\n{body}</table></main></body></html>").encode()


def read_one(shape, megabytes):
    """In this (fresh) process: read the page, print one JSON line."""
    body = page(shape, megabytes)
    fetch = PageFetch("bench", SOURCE.url, "2026-12-01T00:00:00Z", status=200,
                      content_type="text/html", body=body)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    started = time.process_time()
    outcome = analyze.read(fetch, SOURCE).outcome
    extra = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    print(json.dumps({"shape": shape, "mb": megabytes, "bytes": len(body), "tags": body.count(b"<"),
                      "outcome": outcome, "extra": extra, "estimate": extract.reading_memory(body),
                      "cpu": time.process_time() - started}))


def pages(sizes):
    print(f"{'page':26} {'MB':>4} {'tags':>9} {'read MB':>8} {'B/tag':>6} {'B/byte':>6} "
          f"{'estimate MB':>11} {'est/read':>8} {'CPU s':>6}")
    for shape in SHAPES:
        for megabytes in sizes:
            out = subprocess.run([sys.executable, __file__, "one", shape, str(megabytes)],
                                 capture_output=True, text=True, check=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            print(f"{shape:26} {megabytes:>4g} {r['tags']:>9,} {r['extra'] / 2**20:>8,.0f} "
                  f"{r['extra'] / r['tags']:>6,.0f} {r['extra'] / r['bytes']:>6.1f} "
                  f"{r['estimate'] / 2**20:>11,.0f} {r['estimate'] / max(r['extra'], 1):>8.2f} "
                  f"{r['cpu']:>6.1f}", flush=True)


def crawl(megabytes, budget):
    import yaml

    from monitor.fetch import crawler
    from monitor.replica import Replica

    replica = Replica()
    replica.set("/statistics", page("table of figures", megabytes))
    replica.set("/normal", page("paragraphs", 0.05))
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        sources = [{"id": name, "country": "Canada", "title": name, "kind": "html",
                    "url": replica.url("/" + name)} for name in ("statistics", "normal")]
        settings = {"delay_seconds": 0, "retries": 0, "max_body_mb": megabytes + 8,
                    "analysis_memory_mb": budget, "analysis_timeout_seconds": 600}
        (folder / "sources.yaml").write_text(yaml.safe_dump(
            {"settings": settings, "defaults": {"stale_after": "never"}, "sources": sources}))
        started = time.monotonic()
        _, results = crawler.crawl(config.load(folder / "sources.yaml"), folder / "monitor.db",
                                   DW_USAGE_PATH=str(folder / "usage.json"))
        usage = json.loads((folder / "usage.json").read_text())
    replica.close()
    print(f"{megabytes} MB table page, analysis_memory_mb {budget:g}: crawl child peak "
          f"{usage['peak_mb']:,.0f} MB, CPU {usage['cpu_seconds']:.1f} s, "
          f"{time.monotonic() - started:.1f} s")
    for row in results:
        print(f"  {row['source_id']}: {row['outcome']} {row['error'] or ''}")


def main():
    if sys.argv[1:2] == ["one"]:
        return read_one(sys.argv[2], float(sys.argv[3]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["pages", "crawl"])
    parser.add_argument("--mb", type=float, action="append", help="page size(s), in MB")
    parser.add_argument("--budget", type=float, default=512.0, help="analysis_memory_mb (crawl)")
    args = parser.parse_args()
    if args.what == "pages":
        pages(args.mb or [1, 2, 5])
    else:
        crawl(int((args.mb or [22])[0]), args.budget)


if __name__ == "__main__":
    main()
