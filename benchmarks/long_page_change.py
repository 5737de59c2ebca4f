"""The cost of a change of a very long page (a report of thousands of paragraphs):
one in-process crawl of a page served on 127.0.0.1, then two crawls after 2% of its
paragraphs were edited each time. Prints each crawl's wall seconds and the CPU of the
crawl process and its analysis workers (``DW_USAGE_PATH``).

    .venv/bin/python benchmarks/long_page_change.py                 # 20,000 paragraphs, 2 MB
    .venv/bin/python benchmarks/long_page_change.py --paragraphs 5000

Deciding what such a change is (``monitor.analysis.check.decide``: the doubt, machine and
volatile judgements, each aligning the page's lines) runs on the crawl's reactor thread,
inside the store's transaction: this is how long that thread is held. To measure an
older revision, run it from a git worktree of that revision with the worktree on
PYTHONPATH.
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

import yaml

from monitor import config
from monitor.fetch import crawler
from monitor.replica import Replica


def page(paragraphs):
    return ("<!doctype html><html lang='en'><head><title>Report</title></head><body><main>"
            "<h1>Report of the dialogue</h1>" + "".join(paragraphs) +
            "<p>Last updated 3 March 2024</p></main></body></html>").encode()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paragraphs", type=int, default=20000)
    args = parser.parse_args()
    replica, folder = Replica(), Path(tempfile.mkdtemp(prefix="long-page-"))
    paragraphs = [f"<p>Paragraph {i}: the delegations discussed item {i * 7 % 1000} of the agenda "
                  f"and agreed on point {i}.</p>" for i in range(args.paragraphs)]
    replica.set("/p", page(paragraphs))
    (folder / "sources.yaml").write_text(yaml.safe_dump({
        "settings": {"delay_seconds": 0, "analysis_timeout_seconds": 600,
                     "contact": "benchmark <benchmark@example.org>"},
        "defaults": {"stale_after": "never"},
        "sources": [{"id": "p", "url": replica.url("/p"), "country": "Canada", "title": "p",
                     "kind": "html"}]}))
    cfg, usage = config.load(folder / "sources.yaml"), folder / "usage.json"
    print(f"{args.paragraphs} paragraphs, {len(page(paragraphs)) / 1e6:.1f} MB")
    try:
        for number in range(3):
            if number:  # 2% of the paragraphs edited
                edited = [p.replace("agreed", f"disagreed ({number})") if i % 50 == 0 else p
                          for i, p in enumerate(paragraphs)]
                replica.set("/p", page(edited))
            started = time.perf_counter()
            _, results = crawler.crawl(cfg, folder / "monitor.db", DW_USAGE_PATH=str(usage))
            print(f"crawl {number + 1} ({results[0]['event']}): {time.perf_counter() - started:.1f} s "
                  f"wall, {json.loads(usage.read_text())['cpu_seconds']:.1f} s CPU")
    finally:
        replica.close()


if __name__ == "__main__":
    main()
