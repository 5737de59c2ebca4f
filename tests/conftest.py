"""Shared fixtures: a real HTTP server on 127.0.0.1 (the ``replica``), a local stand-in
for the Wayback Machine (the ``archive``) and a sources.yaml for them."""

import os

import pytest
import yaml

from monitor import config, store
from monitor.fetch import crawler
from monitor.replica import Replica
from monitor.workspace import passwords
from tests import bytecode, durations
from tests.archive_server import ArchiveServer
from tests.loopback import stop

FAST = {"delay_seconds": 0, "timeout_seconds": 5, "retries": 1, "retry_backoff_seconds": 0.05,
        "failing_after": 3, "contact": "tests <tests@example.org>"}


def pytest_configure(config):
    config.addinivalue_line("markers", "real_password_cost: hash passwords with the product's "
                            "full cost (passwords.ITERATIONS), not the tests' cheap one")
    if not hasattr(config, "workerinput"):  # the controller, before it starts the workers
        bytecode.compile_sources()


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (pyproject.toml): one worker more than the CPUs this process may use. A
    test spends part of its time waiting (for its servers, its commands' start, a crawl's
    pages, a browser), during which a worker per CPU leaves that CPU idle: on 2 cores, 171 s
    of idle CPU over a 530 s run with two workers, 36 s over 454 s with three (issue 23)."""
    return len(os.sched_getaffinity(0)) + 1


def pytest_collection_modifyitems(items):
    """Under pytest-xdist (``--dist loadgroup``, pyproject.toml) each test may run in any
    worker, except the tests of a file that share a module-scoped fixture (a crawl, a
    server, a browser, a built wheel): those stay together in one worker, which sets the
    fixture up once. Session fixtures are shared across workers by their own lock.

    The files that take longest start first (``tests/durations.json``, measured; the
    order within a file is kept): under ``--dist loadfile`` a worker takes the next file
    when it is free, so a long file started last would leave the other worker idle
    for minutes at the end (test_crash.py, three tests, takes two minutes alone)."""
    for item in items:
        fixtures = getattr(item, "_fixtureinfo", None)
        definitions = fixtures.name2fixturedefs.values() if fixtures else ()
        if any(d.scope in ("package", "module", "class") for defs in definitions for d in defs):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
    seconds = durations.load()
    items.sort(key=lambda item: -seconds.get(durations.file_of(item.nodeid), 0))


# A test hashes passwords with 1,000 rounds, not the product's 480,000 (a quarter of a second
# of CPU for each account made and each log-in checked, about 30 s over the suite); what they
# test is the log-in, not the cost of a guess. A hash keeps its rounds (pbkdf2_sha256$1000$...),
# and each is checked with its own. The tests marked real_password_cost keep the full cost:
# the one that needs a check to be slow, and the one that checks the product's default
# (tests/test_workspace.py), as Django's test settings do with a fast hasher.
CHEAP_ROUNDS = 1_000


@pytest.fixture(autouse=True)
def cheap_password_hashes(request, monkeypatch):
    if not request.node.get_closest_marker("real_password_cost"):
        monkeypatch.setattr(passwords, "ITERATIONS", CHEAP_ROUNDS)


@pytest.fixture
def replica():
    server = Replica()
    yield server
    stop(server.server)  # Replica.close() waits out a half-second poll


@pytest.fixture
def archive():
    server = ArchiveServer()
    yield server
    server.close()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "monitor.db"


@pytest.fixture
def make_config(tmp_path, replica):
    """Write a sources.yaml whose sources live on the replica; return the loaded Config."""

    def make(*entries, settings=None):
        sources = []
        for entry in entries:
            entry = dict(entry)
            entry.setdefault("country", "Canada")
            entry.setdefault("title", entry["id"])
            entry.setdefault("kind", "html")
            entry["url"] = replica.url(entry.pop("path")) if "path" in entry else entry["url"]
            sources.append(entry)
        path = tmp_path / "sources.yaml"
        # stale events (default 365d) are tested on their own: tests/test_stale_alerts.py
        document = {"settings": {**FAST, **(settings or {})}, "defaults": {"stale_after": "never"},
                    "sources": sources}
        path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        return config.load(path)

    return make


@pytest.fixture
def crawl(db_path):
    """Crawl with a config; return {source_id: (outcome, event)} for that crawl."""

    def run(cfg, *ids):
        _, results = crawler.crawl(cfg, db_path, ids)
        return {r["source_id"]: (r["outcome"], r["event"]) for r in results}

    return run


@pytest.fixture
def open_db(db_path):
    return lambda: store.open_db(db_path)
