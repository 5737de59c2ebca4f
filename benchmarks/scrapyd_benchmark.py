"""A crawl on two Scrapyd nodes (sharded by site) against the same crawl on one node,
and the merge of the two nodes' databases (issue 12).

Serves N synthetic pages of 20-200 KB (``benchmarks/synthetic_site.py``, its own
process on 127.0.0.1) under two site names, 127.0.0.1 and localhost, which fall on
shards 1 and 2 of 2 (``monitor.shards``). Starts real ``scrapyd`` processes on
loopback (``tests/scrapyd_node.py``: their own folders, a Python without the
editable dialogue-watch, the egg from ``scrapyd-deploy``), then times, from the POST to
schedule.json until listjobs.json says finished:

    one node    one job: every page, into one database
    two nodes   two jobs at once, ``shard=1/2`` and ``shard=2/2``, each into its own database

each twice: a first crawl (every page new: fetched, read, stored) and a second one
with nothing changed (the site answers 304). Then ``monitor.store.merge`` of the two
node databases into one, after the first round and again (only the new rows)
after the second. As in ``pipeline_benchmark.py``, ``CONCURRENT_REQUESTS_PER_DOMAIN``
is raised to the concurrency (here via Scrapyd's ``setting=``), so the synthetic
"sites" are not limited to one request at a time.

    .venv/bin/python benchmarks/scrapyd_benchmark.py --pages 2000
    .venv/bin/python benchmarks/scrapyd_benchmark.py --pages 200 --json out.json

Always exits 0: this is a report.
"""

import argparse
import json
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import synthetic_site  # noqa: E402

from monitor import shards, store  # noqa: E402
from monitor.store import merge  # noqa: E402
from tests.scrapyd_node import Node  # noqa: E402

HOSTS = ("127.0.0.1", "localhost")  # shards 1 and 2 of 2


def write_sources(server, count, concurrency, folder):
    sources = [{"id": f"canada-global-affairs-dialogue-{n:05d}", "country": "Canada", "title": f"Page {n}",
                "kind": "html", "url": server.url(n).replace("127.0.0.1", HOSTS[n % 2])}
               for n in range(count)]
    assert [shards.shard_of(f"http://{host}/", 2) for host in HOSTS] == [1, 2]
    settings = {"delay_seconds": 0, "concurrent_requests": concurrency, "retries": 1,
                "timeout_seconds": 60, "contact": "benchmark <bench@example.org>"}
    path = Path(folder) / "sources.yaml"
    path.write_text(yaml.safe_dump({"settings": settings, "sources": sources}, sort_keys=False))
    return path


def timed_jobs(jobs, concurrency):
    """Schedule every (node, arguments) at once; seconds until all have finished."""
    started = time.perf_counter()
    scheduled = [(node, node.schedule(setting=f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}", **arguments))
                 for node, arguments in jobs]
    for node, job in scheduled:
        node.wait(job, seconds=3600)
    return time.perf_counter() - started, [node.log(job) for node, job in scheduled]


def spider_seconds(log):
    """Scrapy's own elapsed time for the job (spider opened to closed), from its stats."""
    found = re.search(r"'elapsed_time_seconds': ([0-9.]+)", log)
    return float(found[1]) if found else None


def outcomes(db_path):
    db = store.open_db(db_path)
    (crawl_id,) = db.execute("SELECT max(id) FROM crawls").fetchone()
    results = store.crawl_results(db, crawl_id)
    found = {}
    for row in results:
        key = f"{row['outcome']}/{row['event'] or '-'}"
        found[key] = found.get(key, 0) + 1
    return found


def timed_merge(out, nodes):
    started = time.perf_counter()
    db = store.open_db(out)
    added = [merge.merge(db, node)[0] for node in nodes]
    return time.perf_counter() - started, added


def measure(count, concurrency):
    server = synthetic_site.SiteServer(count)
    report = {"pages": count, "concurrency": concurrency, "machine": machine(), "rounds": []}
    nodes = []
    try:
        with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as folder:
            folder = Path(folder)
            sources = write_sources(server, count, concurrency, folder)
            one, first, second = (Node(folder / name) for name in ("one", "node1", "node2"))
            nodes = [one, first, second]
            for node in nodes:
                node.deploy(folder / f"build-{node.port}")
            dbs = {name: str(folder / f"{name}.db") for name in ("one", "node1", "node2")}
            merged = folder / "merged.db"
            for name in ("first", "same 304"):
                single, single_logs = timed_jobs([(one, {"sources": str(sources), "db": dbs["one"]})],
                                                 concurrency)
                shard_jobs = [(first, {"sources": str(sources), "db": dbs["node1"], "shard": "1/2"}),
                              (second, {"sources": str(sources), "db": dbs["node2"], "shard": "2/2"})]
                double, double_logs = timed_jobs(shard_jobs, concurrency)
                merge_seconds, added = timed_merge(merged, [dbs["node1"], dbs["node2"]])
                row = {"round": name, "one_node_seconds": single, "two_nodes_seconds": double,
                       "merge_seconds": merge_seconds, "merged_rows": added,
                       "spider_seconds": {"one": [spider_seconds(log) for log in single_logs],
                                          "two": [spider_seconds(log) for log in double_logs]},
                       "outcomes": {key: outcomes(path) for key, path in dbs.items()}}
                report["rounds"].append(row)
                say(f"{name}: one node {single:.1f} s ({count / single:.1f} pages/s), two nodes "
                    f"{double:.1f} s ({count / double:.1f} pages/s), merge {merge_seconds:.2f} s; "
                    f"Scrapy's elapsed time per job {row['spider_seconds']}; {row['outcomes']}")
            report["merged_db_bytes"] = merged.stat().st_size
    finally:
        for node in nodes:
            node.close()
        server.close()
    return report


def machine():
    return {"python": platform.python_version(), "cpus": len(os.sched_getaffinity(0)),
            "load_1min": os.getloadavg()[0], "platform": platform.platform()}


def say(line):
    print(line, file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--json", help="also write the figures to this file")
    options = parser.parse_args()
    report = measure(options.pages, options.concurrency)
    text = json.dumps(report, indent=2)
    print(text)
    if options.json:
        Path(options.json).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
