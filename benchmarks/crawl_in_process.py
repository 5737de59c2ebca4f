"""The cost of one crawl started from a running process (issue 27 item 2; what the
scheduler's `run` and the tests pay per crawl, the fork server already up): wall
seconds of ``monitor.fetch.crawler.crawl`` for one page served on 127.0.0.1, the
caller's CPU, and the CPU of the crawl process and its analysis workers (their own
rusage, written by the crawl process: ``DW_USAGE_PATH``).

    .venv/bin/python benchmarks/crawl_in_process.py              # medians of 15
    .venv/bin/python benchmarks/crawl_in_process.py --repeat 31

Two rounds: the page unchanged (it answers the same bytes: read from the store, not
analysed) and edited before each crawl (a sentence added: read, held, fetched again at
once, the same bytes not read again). The first crawl (the page new) is not counted.
To measure an older revision, run it from a git worktree of that revision with the
worktree first on PYTHONPATH.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, os.getcwd())

from monitor import config  # noqa: E402
from monitor.fetch import crawler  # noqa: E402
from monitor.replica import Replica  # noqa: E402

PARAGRAPH = ("The delegations discussed freedom of expression, the rights of minorities and "
             "the death penalty, and agreed to hold the next round in Beijing.")


def page(sentences):
    body = "".join(f"<p>{sentence}</p>" for sentence in [PARAGRAPH] * 6 + sentences)
    return (f"<!doctype html><html lang='en'><head><title>Human rights dialogue</title></head>"
            f"<body><main><h1>Human rights dialogue</h1>{body}"
            f"<p>Last updated 3 March 2024</p></main></body></html>").encode()


def crawls(replica, cfg, db_path, usage, repeat, edited):
    rows = []
    for n in range(repeat):
        if edited:
            replica.set("/p", page([f"Round {n}: the report of the round {n} was published."]))
        wall, cpu = time.perf_counter(), time.process_time()
        crawler.crawl(cfg, db_path, DW_USAGE_PATH=str(usage))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        rows.append((wall, cpu, json.loads(usage.read_text())["cpu_seconds"]))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    replica, folder = Replica(), Path(tempfile.mkdtemp(prefix="crawl-in-process-"))
    replica.set("/p", page([]))
    document = {"settings": {"delay_seconds": 0, "timeout_seconds": 5, "retries": 1,
                             "contact": "benchmark <benchmark@example.org>"},
                "defaults": {"stale_after": "never"},
                "sources": [{"id": "p", "url": replica.url("/p"), "country": "Canada",
                             "title": "p", "kind": "html"}]}
    (folder / "sources.yaml").write_text(yaml.safe_dump(document))
    cfg, db_path, usage = config.load(folder / "sources.yaml"), folder / "monitor.db", folder / "usage.json"
    try:
        crawler.start_fork_server()
        crawler.crawl(cfg, db_path)  # the page new: not counted
        for name, edited in (("unchanged page", False), ("page edited before each crawl", True)):
            rows = crawls(replica, cfg, db_path, usage, args.repeat, edited)
            wall, cpu, child = (statistics.median(column) for column in zip(*rows))
            print(f"{name}: {wall:.3f} s wall, caller {cpu:.3f} s CPU, crawl process and "
                  f"workers {child:.3f} s CPU (medians of {args.repeat})")
    finally:
        replica.close()


if __name__ == "__main__":
    main()
