"""Scrapyd as the README says: a real `scrapyd` on 127.0.0.1 whose Python has the
dependencies but not dialogue-watch, `scrapyd-deploy` of the project, jobs scheduled
with the README's POST, and what they stored read back from their databases."""

import datetime
import sqlite3
import time

import pytest
import yaml

from monitor import store
from tests.scrapyd_node import Node
from tests.test_analysis import RUN, SLOW
from tests.test_crawl import BODY, page

CONTACT = "Scrapyd Test <scrapyd-test@example.org>"


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scrapyd")
    server = Node(folder / "node")
    try:
        server.deploy(folder)
        yield server
    finally:
        server.close()


def write_sources(path, replica, paths, **settings):
    sources = [{"id": p.strip("/"), "country": "Canada", "title": p, "kind": "html",
                "url": replica.url(p), **extra} for p, extra in paths.items()]  # extra may set the url
    path.write_text(yaml.safe_dump({
        "settings": {"contact": CONTACT, "retry_backoff_seconds": 0.05, **settings},
        "defaults": {"stale_after": "never"}, "sources": sources}), encoding="utf-8")
    return path


def seconds(stamp):
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def test_the_egg_carries_the_settings_entry_point_and_the_spider(node):
    assert node.get("listspiders.json", project="dialogue_watch")["spiders"] == ["pages"]


def test_two_jobs_store_every_page_new_then_no_event(node, tmp_path, replica):
    paths = {f"/page{i}": {} for i in range(3)}
    for number, path in enumerate(paths):
        replica.set(path, page(f"{BODY} Page number {number}.", title=f"Page {number}"))
    # a site of shard 2 of 2 (the same server by another name): not this node's
    paths["/elsewhere"] = {"url": replica.url("/elsewhere").replace("127.0.0.1", "localhost")}
    replica.set("/elsewhere", page())
    sources = write_sources(tmp_path / "sources.yaml", replica, paths, delay_seconds=0.4,
                            timeout_seconds=5, retries=1, concurrent_requests=2)
    db_path = tmp_path / "node.db"

    before = time.time()
    first = node.schedule(sources=str(sources), db=str(db_path), shard="1/2")
    node.wait(first)
    second = node.schedule(sources=str(sources), db=str(db_path), shard="1/2")
    node.wait(second)

    db = store.open_db(db_path)
    (one, two) = [row["id"] for row in db.query("SELECT id FROM crawls ORDER BY id")]
    assert [r["event"] for r in store.crawl_results(db, one)] == ["new"] * 3
    assert [(r["outcome"], r["event"]) for r in store.crawl_results(db, two)] == [("not_modified", None)] * 3
    assert [row["outcome"] for row in db.query("SELECT outcome FROM crawls")] == ["completed"] * 2

    # sources.yaml's settings: the contact in the User-Agent, the delay (not Scrapy's 5 s)
    assert not replica.requests_for("/elsewhere")
    agents = {r["headers"].get("User-Agent") for r in replica.requests}
    assert len(agents) == 1 and "contact: " + CONTACT in agents.pop()
    sent = [seconds(row["started_at"]) for row in
            db.query("SELECT started_at FROM fetches WHERE crawl_id = ? ORDER BY started_at", [one])]
    gaps = [b - a for a, b in zip(sent, sent[1:])]
    assert all(0.15 < gap < 2 for gap in gaps), gaps  # Scrapy's default: 2.5 to 7.5 s
    # each fetch has its own time, after the job began
    stamps = [seconds(row["at"]) for row in db.query("SELECT at FROM fetches ORDER BY id")]
    assert len(set(sent)) == 3 and all(before - 1 <= at <= time.time() for at in stamps)

    first_log, second_log = node.log(first), node.log(second)
    assert "INFO: dialogue-watch: Checked 3 page(s): 3 fetched\n  Events: new 3" in first_log
    assert "INFO: dialogue-watch: Checked 3 page(s): 3 unchanged" in second_log
    assert "Dumping Scrapy stats" in first_log


def test_a_job_keeps_the_time_retry_size_and_reading_limits(node, tmp_path, replica):
    def slow(handler):
        time.sleep(2.5)
        handler.send_response(200)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    replica.set("/slow", b"", handler=slow)
    replica.set("/flaky", b"<html><body>busy</body></html>", status=503, validators=False)
    replica.set("/big", page("x" * 200_000))
    replica.set("/backtracks", page(f"{BODY} Reference {RUN}.", "Last updated 3 May 2024"))
    paths = {"/slow": {}, "/flaky": {}, "/big": {}, "/backtracks": {"content": SLOW}}
    sources = write_sources(tmp_path / "limits.yaml", replica, paths, delay_seconds=0, timeout_seconds=1,
                            retries=1, max_body_mb=0.1, analysis_timeout_seconds=1)
    db_path = tmp_path / "limits.db"

    started = time.monotonic()
    job = node.schedule(sources=str(sources), db=str(db_path))
    node.wait(job, seconds=60)
    assert time.monotonic() - started < 40  # Scrapy's own 180 s timeout would be far longer

    with sqlite3.connect(db_path) as db:
        errors = dict(db.execute("SELECT source_id, error FROM fetches"))
    assert set(errors) == {"slow", "flaky", "big", "backtracks"} and all(errors.values()), errors
    assert "1 s" in errors["slow"] or "time" in errors["slow"].lower(), errors["slow"]
    assert "503" in errors["flaky"]
    assert "0.1" in errors["big"] or "large" in errors["big"].lower(), errors["big"]
    # read by the analysis workers, which the time limit cuts off (read inline, it would never end)
    assert errors["backtracks"].startswith("dialogue-watch gave up reading this page after 1 s")
    # retries: 1 means two requests (Scrapy's default would make three)
    assert len(replica.requests_for("/flaky")) == 2
    assert "Checked 4 page(s): 4 failed" in node.log(job)
