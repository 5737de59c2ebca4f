"""Analysis of a fetch: the cheap outcomes, the one shared parse, and the worker processes."""

import asyncio
import concurrent.futures
import contextlib
import hashlib
import multiprocessing
import os
import signal
import sqlite3
import time

import lxml.etree
import pytest

from monitor import config
from monitor.analysis import analyze, extract, markers
from monitor.fetch import analysis_pool, crawler, settings
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

@pytest.mark.parametrize("setting, cpus, pages, workers", [
    (None, 2, None, 2), ("", 4, None, 4), (None, 0, None, 1), (0, 2, None, 0), ("0", 8, None, 0),
    (3, 2, None, 3), ("1", 2, None, 1),
    # no more workers than pages: a page is read one piece at a time
    (None, 2, 1, 1), ("", 4, 3, 3), (None, 2, 16, 2), (None, 2, 0, 2), (3, 2, 1, 3), (0, 2, 1, 0),
])
def test_worker_count(setting, cpus, pages, workers):
    assert analysis_pool.worker_count(setting, cpus=cpus, pages=pages) == workers


def test_a_crawl_of_one_page_forks_one_worker(replica, make_config, crawl, db_path):
    cfg = make_config({"id": "one", "path": "/one"})
    seen = []
    replica.set("/one", b"", handler=notes_the_workers(
        replica, db_path, page(BODY + " One page.", "Last updated 3 May 2024").encode(), seen))
    assert crawl(cfg) == {"one": ("ok", "new")}
    ((workers, _),) = seen
    assert len(workers) == 1


def test_worker_count_rejects_negative():
    with pytest.raises(ValueError):
        analysis_pool.worker_count(-1, cpus=2)


@pytest.mark.parametrize("setting, seconds", [
    (None, None), ("", None), (0, None), (0.0, None), ("2", 2.0), (2, 2.0), (60.0, 60.0), (0.5, 0.5),
])
def test_time_limit(setting, seconds):
    assert analysis_pool.time_limit(setting) == seconds


def test_time_limit_comes_from_sources_yaml(make_config):
    assert settings.crawl_settings(make_config())["DW_ANALYSIS_TIMEOUT"] == 60.0
    cfg = make_config(settings={"analysis_timeout_seconds": 2})
    assert settings.crawl_settings(cfg)["DW_ANALYSIS_TIMEOUT"] == 2.0


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


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as line:
            return line.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _running(pid):
    """The process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def _workers():
    """The analysis workers of this test's crawl processes (a crawl process is a child
    of this process, or of the fork server it started)."""
    crawls = []
    for child in _children(os.getpid()):
        if "forkserver" in _cmdline(child):
            crawls += _children(child)
        elif "resource_tracker" not in _cmdline(child):
            crawls.append(child)
    # a killed worker the crawl has not reaped yet is a zombie: it runs nothing
    return {w for crawl in crawls for w in _children(crawl)
            if "resource_tracker" not in _cmdline(w) and _running(w)}


def _stored_fetches(db_path):
    try:
        with sqlite3.connect(db_path) as db:
            return db.execute("SELECT count(*) FROM fetches").fetchone()[0]
    except sqlite3.Error:
        return 0


def _wait_for_the_others(replica, db_path):
    """Wait until every fetch requested before this one is stored."""
    asked = len([r for r in replica.requests if r["path"] != "/robots.txt"]) - 1
    deadline = time.monotonic() + 60
    while _stored_fetches(db_path) < asked and time.monotonic() < deadline:
        time.sleep(0.05)


def kills_the_workers(replica, db_path, body, killed):
    """Serve ``body``, after every fetch already requested is stored, and after killing
    the crawl's analysis workers (their ids are added to ``killed``)."""
    def serve(handler):
        _wait_for_the_others(replica, db_path)
        workers = _workers()
        killed.update(workers)
        for worker in workers:
            # the crawl's pool, seeing the first one die, may end the others before us
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker, signal.SIGKILL)
        send(handler, 200, {"Content-Type": "text/html; charset=utf-8"}, body)
    return serve


def notes_the_workers(replica, db_path, body, seen):
    """Serve ``body`` after every fetch already requested is stored, noting in ``seen``
    (a list) the crawl's analysis workers at that moment and whether the workers noted
    before are still running."""
    def serve(handler):
        _wait_for_the_others(replica, db_path)
        before = set().union(*(workers for workers, _ in seen))
        # a SIGKILLed worker takes a moment to die on a busy machine: up to 5 s
        deadline = time.monotonic() + 5
        while any(map(_running, before)) and time.monotonic() < deadline:
            time.sleep(0.05)
        seen.append((_workers(), {pid for pid in before if _running(pid)}))
        send(handler, 200, {"Content-Type": "text/html; charset=utf-8"}, body)
    return serve


def test_a_worker_that_dies_is_replaced_and_its_page_read_again(replica, make_config, crawl, db_path):
    ids = ["before1", "before2", "boom", "after1", "after2"]
    cfg = make_config(*[{"id": i, "path": f"/{i}"} for i in ids], settings={"concurrent_requests": 1})
    for i in ids:
        replica.set(f"/{i}", page(BODY + f" The page {i}.", "Last updated 3 May 2024"))
    killed, seen = set(), []
    replica.set("/boom", b"", handler=kills_the_workers(
        replica, db_path, page(BODY + " The page boom.", "Last updated 3 May 2024").encode(), killed))
    replica.set("/after2", b"", handler=notes_the_workers(
        replica, db_path, page(BODY + " The page after2.", "Last updated 3 May 2024").encode(), seen))
    results = crawl(cfg)
    assert results == {i: ("ok", "new") for i in ids}  # boom too: read again on a new pool
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT count(*) FROM fetches WHERE error IS NOT NULL").fetchone() == (0,)
        assert db.execute("SELECT outcome FROM crawls").fetchall() == [("completed",)]
    # one request at a time, in order: after2 was read by the pool that replaced the killed one
    assert [r["path"] for r in replica.requests if r["path"] != "/robots.txt"] == [f"/{i}" for i in ids]
    ((workers, still_running),) = seen
    count = analysis_pool.worker_count(None)  # one per CPU
    assert len(killed) == count and len(workers) == count and not workers & killed and not still_running
    assert not any(_running(pid) for pid in workers | killed)


SLOW = "/(a+)+$/"  # backtracks 2^n steps on a run of n "a" not followed by the end
RUN = "a" * 40 + "b"  # about a day of CPU time for re at 2^40 (24 a: 1.4 s, measured)


def test_a_page_that_reads_too_long_is_cut_off_and_the_crawl_goes_on(
        replica, make_config, crawl, db_path):
    ids = ["first", "slow1", "second", "third", "slow2", "fourth"]
    entries = [{"id": i, "path": f"/{i}", **({"content": SLOW} if i.startswith("slow") else {})}
               for i in ids]
    # 6 s: the slow pages take a day; an ordinary page read by a pool just started (after a
    # slow page's pool was killed) must not be cut off on a machine busy with other tests.
    # The second slow page is served once the first is stored: its fetch may wait that long
    cfg = make_config(*entries, settings={"analysis_timeout_seconds": 6, "concurrent_requests": 1,
                                          "timeout_seconds": 20})
    assert cfg.settings["analysis_timeout_seconds"] == 6.0
    seen = []
    for i in ids:
        body = page(BODY + f" The page {i}. Reference {RUN}.", "Last updated 3 May 2024")
        if i.startswith("slow"):
            replica.set(f"/{i}", b"", handler=notes_the_workers(replica, db_path, body.encode(), seen))
        else:
            replica.set(f"/{i}", body)

    started = time.monotonic()
    results = crawl(cfg)
    took = time.monotonic() - started

    assert results == {i: ("error", None) if i.startswith("slow") else ("ok", "new") for i in ids}
    with sqlite3.connect(db_path) as db:
        errors = dict(db.execute("SELECT source_id, error FROM fetches WHERE error IS NOT NULL"))
        assert db.execute("SELECT outcome FROM crawls").fetchall() == [("completed",)]
    words = ("dialogue-watch gave up reading this page after 6 s (the page may be malformed or "
             "very large, or a content, ignore or marker rule in sources.yaml may be too slow "
             "for it); the crawl went on. To allow more time, raise "
             "settings.analysis_timeout_seconds")
    assert errors == {"slow1": words, "slow2": words}
    assert took < 60
    # the second slow page was read by a new pool (the first one's workers killed),
    # which cut it off in turn; and no worker outlived the crawl
    (first_workers, _), (second_workers, still_running) = seen
    count = analysis_pool.worker_count(None)  # one per CPU
    assert len(first_workers) == count and len(second_workers) == count
    assert not first_workers & second_workers and not still_running
    assert not any(_running(pid) for pid in first_workers | second_workers)
    assert not _workers()


# ---------------------------------------------------------------- the pool, without a crawl

STALLING = False  # True in the workers of the first pool below: read() then hangs


def _stalling_worker(owner_pid):
    global STALLING
    STALLING = True
    analysis_pool._worker_setup(owner_pid)


def _read_or_stall(fetch, source, previous_text=None):
    if STALLING:
        time.sleep(600)
    return REAL_READ(fetch, source, previous_text)


REAL_READ = analyze.read


def test_pages_in_flight_in_a_killed_pool_are_read_again(monkeypatch):
    """A page overruns; the page in flight beside it is read again by the new pool."""
    executor = concurrent.futures.ProcessPoolExecutor(
        2, mp_context=multiprocessing.get_context("spawn"), initializer=_stalling_worker,
        initargs=(os.getpid(),))
    list(executor.map(time.sleep, [0.5, 0.5]))  # both workers started: one per job while none is idle
    first = set(executor._processes)
    pool = analysis_pool.PoolAnalysis(executor, limit=3)
    monkeypatch.setattr(analyze, "read", _read_or_stall)
    innocent = fetch(source_id="innocent")

    async def run():
        slow = asyncio.ensure_future(pool.analyze(fetch(source_id="slow"), SOURCE))
        await asyncio.sleep(1.5)  # half-way through its 3 s: the innocent page goes to the other worker
        return await asyncio.gather(slow, pool.analyze(innocent, SOURCE))

    try:
        slow, read_again = asyncio.run(run())
        second = set(pool.executor._processes)
    finally:
        pool.close()
    assert slow == analyze.gave_up(3)
    assert read_again == REAL_READ(innocent, SOURCE) and read_again.outcome == "ok"
    assert len(first) == 2 and len(second) == 2 and not first & second
    assert not any(_running(pid) for pid in first | second)


def test_a_binary_page_is_told_by_the_same_characters_as_before():
    """_looks_binary counts U+FFFD and the control characters other than \\t \\n \\f \\r with one
    regex: the same characters a loop over each one counted (every code point below U+10000)."""
    def plain(ch):
        return ch == "\ufffd" or (ord(ch) < 32 and ch not in "\r\n\t\f")

    assert [chr(c) for c in range(0x10000) if analyze.NOT_TEXT.fullmatch(chr(c))] == \
        [chr(c) for c in range(0x10000) if plain(chr(c))]
    assert analyze._looks_binary("\x00\x01\x02" * 10)
    assert not analyze._looks_binary("text\r\n\t\f" * 100 + "\x00" * 10)
    assert analyze._looks_binary("x" * 200 + "\ufffd" * 11)
