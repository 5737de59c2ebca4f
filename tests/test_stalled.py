"""A crawl process that stops answering is stopped (monitor.fetch.crawler's heartbeat):
frozen, or stuck where no time limit reaches, it is killed after ``DW_STALLED_AFTER``
seconds without a beat, the crawl says so, what it stored is kept, and the next crawl
checks every page. A crawl that is slow but answering is never stopped."""

import os
import signal
import threading
import time

import yaml

from monitor import store
from monitor.errors import CrawlError
from monitor.fetch import crawler
from tests.commands import cli
from tests.test_crash import descendants, slow_page
from tests.test_crawl import BODY, page
from tests.test_scheduler import wait_until


def pages(replica, count, delay=0.0):
    for i in range(count):
        body = page(BODY + f" Page {i}.", "Last updated 3 March 2024").encode()
        replica.set(f"/p{i}", b"", handler=slow_page(body, delay))


def crawl_processes(levels=(1,)):
    """The crawl processes this test's crawls run in (the fork server's children; with
    ``levels=(1, 2)`` their analysis workers too), whatever else this process runs."""
    from multiprocessing import forkserver

    server = forkserver._forkserver._forkserver_pid  # started by the crawls of this process
    return [pid for pid, depth in descendants(server).items() if depth in levels]


def in_thread(function, *args, **kwargs):
    outcome = {}

    def run():
        try:
            outcome["value"] = function(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - handed to the test
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_frozen_crawl_process_is_stopped_and_the_next_crawl_checks_every_page(
        replica, make_config, db_path):
    pages(replica, 3)
    cfg = make_config(*[{"id": f"p{i}", "path": f"/p{i}"} for i in range(3)])
    crawler.crawl(cfg, db_path)  # every page known
    for i in range(3):  # changed, and /p1 slow: the crawl is caught in the middle
        body = page(BODY + f" Page {i}, edited.", "Last updated 4 March 2024").encode()
        replica.set(f"/p{i}", b"", handler=slow_page(body, 1.5 if i == 1 else 0))
    started = time.monotonic()
    thread, outcome = in_thread(crawler.crawl, cfg, db_path, DW_STALLED_AFTER=3)
    assert wait_until(lambda: replica.requests_for("/p1")[1:], 30), "the crawl never asked for /p1"
    (crawl_process,) = crawl_processes()
    os.kill(crawl_process, signal.SIGSTOP)  # frozen: no time limit of its own can act
    thread.join(60)
    assert not thread.is_alive(), "the crawl was never stopped"
    error = outcome.get("error")
    assert isinstance(error, CrawlError), outcome
    assert "stopped answering for 3 s and was stopped" in str(error)
    assert "every page it had stored is kept" in str(error)
    assert time.monotonic() - started < 30
    assert wait_until(lambda: not crawl_processes(levels=(1, 2, 3)), 10), "a process outlived the crawl"
    db = store.open_db(db_path)
    assert store.integrity_problems(db) == []
    (row,) = db.query("SELECT outcome FROM crawls ORDER BY id DESC LIMIT 1")
    assert "stopped answering" in row["outcome"]

    pages(replica, 3)  # quick again: the next crawl checks every page
    crawl_id, results = crawler.crawl(cfg, db_path)
    assert sorted(r["source_id"] for r in results) == ["p0", "p1", "p2"]
    assert all(r["outcome"] != "error" for r in results), results


def test_a_slow_crawl_that_keeps_answering_is_never_stopped(replica, make_config, db_path):
    """A page that takes longer than the limit to arrive: the reactor waits for it, and
    answers meanwhile."""
    pages(replica, 1, delay=4.0)
    cfg = make_config({"id": "p0", "path": "/p0"})
    started = time.monotonic()
    _, results = crawler.crawl(cfg, db_path, DW_STALLED_AFTER=2.5)
    assert time.monotonic() - started > 4.0
    assert [(r["source_id"], r["outcome"]) for r in results] == [("p0", "ok")]


def test_a_reading_that_never_ends_in_test_source_is_stopped_in_plain_words(replica, tmp_path, db_path):
    """``test-source`` (and the workspace's preview) read the page on the crawl process's
    reactor thread, where the reading time limit of a crawl's workers does not reach: a
    rule that backtracks for ever held the command for ever. Now the process is stopped
    once its reactor has not answered for the page's reading limit and 5 s more."""
    replica.set("/p", page(BODY + " " + "x" * 40, "Last updated 3 March 2024"))
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump({
        "settings": {"delay_seconds": 0, "timeout_seconds": 5, "retries": 0, "analysis_timeout_seconds": 1,
                     "contact": "tests <tests@example.org>"},
        "sources": [{"id": "p", "country": "Canada", "title": "p", "kind": "html", "url": replica.url("/p"),
                     "ignore": ["/(x+x+)+y/"]}]}))
    started = time.monotonic()
    done = cli(sources, db_path, "test-source", "p", timeout=60)
    assert done.returncode == 2, done.stderr
    assert "The check of p stopped: the crawl process stopped answering for 6 s" in done.stderr
    assert "most recent call first" in done.stderr  # where it was stuck: its stacks
    assert time.monotonic() - started < 40
