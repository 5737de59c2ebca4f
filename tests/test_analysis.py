"""Analysis of a fetch: the cheap outcomes, the one shared parse, and the worker processes."""

import hashlib
import os
import signal
import sqlite3
import time

import lxml.etree
import pytest

from monitor import analysis_pool, analyze, config, crawler, extract, markers
from monitor.items import PageFetch
from monitor.replica import send
from tests.test_crawl import BODY, page

SOURCE = config.Source(id="s", country="Canada", title="s", url="http://127.0.0.1/s", kind="html", locale="en")


def fetch(**fields):
    values = {"source_id": "s", "url": "http://127.0.0.1/s", "fetched_at": "2026-11-27T10:00:00Z",
              "final_url": "http://127.0.0.1/s", "status": 200, "body": page().encode()}
    return PageFetch(**{**values, **fields})


# ---------------------------------------------------------------- the cheap outcomes

SAME = {"body_sha256": hashlib.sha256(page().encode()).hexdigest(), "marker_origin": "label"}


@pytest.mark.parametrize("fields, known, outcome", [
    ({"error": "the connection was refused"}, None, "error"),
    ({"status": 304, "body": b""}, SAME, "not_modified"),
    ({"status": 404}, None, "gone"),
    ({"status": 503}, None, "error"),
    ({"status": None}, None, "error"),
    ({"url": "http://127.0.0.1/a/b/c", "final_url": "http://127.0.0.1/"}, None, "gone"),
    ({}, SAME, "not_modified"),
    ({}, {**SAME, "marker_origin": "http:last-modified"}, None),  # the header may move alone
    ({}, {**SAME, "body_sha256": "0" * 64}, None),
    ({}, None, None),
])
def test_quick_outcome(fields, known, outcome):
    observation = analyze.quick_outcome(fetch(**fields), known)
    assert (observation and observation.outcome) == outcome


def test_analyze_is_quick_outcome_or_read():
    assert analyze.analyze(fetch(status=404), SOURCE) == analyze.quick_outcome(fetch(status=404))
    assert analyze.analyze(fetch(), SOURCE) == analyze.read(fetch(), SOURCE)
    assert analyze.read(fetch(), SOURCE).marker.date == "2002-10"


def test_crashed_words():
    observation = analyze.crashed(ValueError("boom"))
    assert observation.outcome == "error"
    assert observation.error.startswith("dialogue-watch could not analyse this page (ValueError: boom)")


# ---------------------------------------------------------------- one parse for both readers

@pytest.mark.parametrize("html, has_tree, shared", [
    ("<!doctype html>\n<html><body><p>x</p></body></html>", True, True),
    ("<html lang='en'>\n<head><title>t</title></head><body><p>x</p></body></html>", True, True),
    ("<html><body><p>no newline anywhere</p></body></html>", True, False),
    ("<!-- first -->\n<html><body><p>x</p><p>y</p></body></html>", True, False),  # read as a fragment
    ("<html>\n<body><p>a\x0cb</p></body></html>", True, False),  # trafilatura deletes \x0c first
    ("<?xml version='1.0' encoding='utf-8'?>\n<html><body><p>x</p><p>y</p></body></html>", True, False),
    ("<p>just a fragment</p>\n", False, False),
])
def test_parse_html_shares_the_tree_only_when_both_read_it_alike(html, has_tree, shared):
    parsed = extract.parse_html(html)
    assert (parsed.tree is not None, parsed.document is not None) == (has_tree, shared)


@pytest.mark.parametrize("html", [
    "<!doctype html>\n<html><body><p>Last <!-- x -->updated 3 May 2024</p></body></html>",
    "<html>\n<head><meta name='dcterms.modified' content='2024-02-02'></head><body>x<?php y ?></body></html>",
    "<html>\n<body><p>Published <time datetime='2024-01-02'>2 Jan<!-- c --> 2024</time></p></body></html>",
    page().replace("<body>", "<body>\n"),
])
def test_marker_from_the_shared_tree_is_the_marker_from_html(html):
    document = extract.parse_html(html).document
    assert document is not None
    assert markers.find_marker(html, root=document) == markers.find_marker(html)


def test_html_text_leaves_the_shared_tree_as_it_was():
    html = page()
    parsed = extract.parse_html(html)
    before = lxml.etree.tostring(parsed.tree)
    assert extract.html_text(html, tree=parsed.tree) == extract.html_text(html)
    assert lxml.etree.tostring(parsed.tree) == before


# ---------------------------------------------------------------- worker processes

@pytest.mark.parametrize("setting, cpus, workers", [
    (None, 2, 2), ("", 4, 4), (None, 0, 1), (0, 2, 0), ("0", 8, 0), (3, 2, 3), ("1", 2, 1),
])
def test_worker_count(setting, cpus, workers):
    assert analysis_pool.worker_count(setting, cpus=cpus) == workers


def test_worker_count_rejects_negative():
    with pytest.raises(ValueError):
        analysis_pool.worker_count(-1, cpus=2)


def test_inline_and_workers_store_the_same(replica, make_config, tmp_path):
    paths = [f"/p{i}" for i in range(6)]
    cfg = make_config(*[{"id": f"p{i}", "path": path} for i, path in enumerate(paths)])
    for i, path in enumerate(paths):
        replica.set(path, page(BODY + f" Page {i}.", f"Last updated {i + 1} March 2024"))
    stored = {}
    for workers in (0, 2):
        db_path = tmp_path / f"workers{workers}.db"
        crawler.crawl(cfg, db_path, DW_ANALYSIS_WORKERS=workers)
        with sqlite3.connect(db_path) as db:
            stored[workers] = db.execute(
                "SELECT v.source_id, v.text_sha256, v.marker_date FROM versions v ORDER BY v.source_id").fetchall()
    assert stored[0] == stored[2] and len(stored[0]) == 6


def _children(pid):
    found = []
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{name}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):  # gone meanwhile
            continue
        if parent == pid:
            found.append(int(name))
    return found


def _stored_fetches(db_path):
    try:
        with sqlite3.connect(db_path) as db:
            return db.execute("SELECT count(*) FROM fetches").fetchone()[0]
    except sqlite3.Error:
        return 0


def kills_the_workers(replica, db_path, body):
    """Serve ``body``, after every fetch already requested is stored, and after killing
    the crawl's analysis workers (the processes its crawl process forked)."""
    def serve(handler):
        asked = len([r for r in replica.requests if r["path"] != "/robots.txt"]) - 1
        deadline = time.monotonic() + 60
        while _stored_fetches(db_path) < asked and time.monotonic() < deadline:
            time.sleep(0.05)
        workers = [w for crawl in _children(os.getpid()) for w in _children(crawl)]
        assert workers, "the crawl process has no analysis workers"
        for worker in workers:
            os.kill(worker, signal.SIGKILL)
        send(handler, 200, {"Content-Type": "text/html; charset=utf-8"}, body)
    return serve


def test_a_worker_that_dies_costs_one_error_and_the_crawl_goes_on(replica, make_config, crawl, db_path):
    ids = ["before1", "before2", "boom", "after1", "after2"]
    cfg = make_config(*[{"id": i, "path": f"/{i}"} for i in ids], settings={"concurrent_requests": 1})
    for i in ids:
        replica.set(f"/{i}", page(BODY + f" The page {i}.", "Last updated 3 May 2024"))
    replica.set("/boom", b"", handler=kills_the_workers(
        replica, db_path, page(BODY + " The page boom.", "Last updated 3 May 2024").encode()))
    results = crawl(cfg)
    assert results.pop("boom") == ("error", None)
    assert results == {i: ("ok", "new") for i in ids if i != "boom"}
    with sqlite3.connect(db_path) as db:
        (error,) = db.execute("SELECT error FROM fetches WHERE source_id = 'boom'").fetchone()
        (outcome,) = db.execute("SELECT outcome FROM crawls").fetchone()
    assert error.startswith("dialogue-watch could not analyse this page (BrokenProcessPool")
    assert outcome == "completed"

    replica.set("/boom", page(BODY + " The page boom.", "Last updated 3 May 2024"))
    assert crawl(cfg, "boom") == {"boom": ("ok", "new")}  # the next crawl reads it
