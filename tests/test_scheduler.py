"""The scheduler: when pages are due (a table), APScheduler driving real crawls
with a clock the test moves forward (no sleeping through hours), a crawl that
crashes, SIGTERM in the middle of a crawl, one run per database, and status."""

import contextlib
import datetime
import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import threading

import pytest

from monitor import config, scheduler, store
from monitor.fetch import locks
from monitor.notify import alerts
from monitor.replica import send
from monitor.scheduler import due_sources, next_check, wake_time
from tests.commands import cli

UTC = datetime.timezone.utc
HOUR = ("interval", 3600.0)
DAY = ("interval", 86400.0)
MONDAYS_6AM = ("cron", "0 6 * * 1")


def at(text):
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


NOW = at("2024-03-13 12:00")  # a Wednesday

NEXT = [
    # schedule, last check, next check
    (HOUR, None, None),
    (HOUR, "2024-03-13 11:30", "2024-03-13 12:30"),
    (DAY, "2024-03-10 09:00", "2024-03-11 09:00"),
    (MONDAYS_6AM, "2024-03-11 06:00", "2024-03-18 06:00"),
    (MONDAYS_6AM, "2024-03-11 05:59", "2024-03-11 06:00"),
    (MONDAYS_6AM, "2024-03-04 07:00", "2024-03-11 06:00"),
    (("cron", "30 6 * * 0"), "2024-03-11 06:00", "2024-03-17 06:30"),  # 0 = Sunday
]


@pytest.mark.parametrize("field, days", [
    ("1", "mon"), ("0", "sun"), ("7", "sun"), ("1-5", "mon,tue,wed,thu,fri"), ("0,6", "sun,sat"),
    ("5-7", "sun,fri,sat"), ("*/2", "sun,tue,thu,sat"), ("mon-fri", "mon,tue,wed,thu,fri"), ("*", "*"),
])
def test_cron_weekdays_are_read_as_crontab_reads_them(field, days):
    assert scheduler.crontab_weekdays(field) == days


@pytest.mark.parametrize("schedule, last, expected", NEXT)
def test_next_check(schedule, last, expected):
    assert next_check(schedule, last and at(last)) == (expected and at(expected))


DUE = [
    # last checks, schedules, due at NOW
    ({}, {"a": HOUR}, ["a"]),  # never checked: due at once
    ({"a": at("2024-03-13 11:30")}, {"a": HOUR}, []),
    ({"a": at("2024-03-13 11:00")}, {"a": HOUR}, ["a"]),  # exactly on time
    ({"a": at("2024-03-10 11:00")}, {"a": HOUR}, ["a"]),  # 72 checks missed: due ONCE
    ({"a": at("2024-03-11 06:00")}, {"a": MONDAYS_6AM}, []),
    ({"a": at("2024-03-04 06:00")}, {"a": MONDAYS_6AM}, ["a"]),  # missed Monday's run
    ({"a": at("2024-03-13 11:59"), "b": at("2024-03-12 11:00"), "c": None},
     {"c": DAY, "b": DAY, "a": DAY}, ["b", "c"]),  # batched, sorted
]


@pytest.mark.parametrize("states, schedules, due", DUE)
def test_due_sources(states, schedules, due):
    assert due_sources(states, schedules, NOW) == due


WAKE = [
    # last checks, schedules, held until, wake up at (never later than 15 minutes from now)
    ({"a": at("2024-03-13 11:50")}, {"a": HOUR}, {}, "2024-03-13 12:15"),
    ({"a": at("2024-03-13 11:05")}, {"a": HOUR}, {}, "2024-03-13 12:05"),
    ({"a": at("2024-03-13 11:05"), "b": None}, {"a": HOUR, "b": HOUR}, {}, "2024-03-13 12:00"),
    ({"b": None}, {"b": HOUR}, {"b": at("2024-03-13 12:10")}, "2024-03-13 12:10"),  # held back
    ({"b": None}, {"b": HOUR}, {"b": at("2024-03-13 11:10")}, "2024-03-13 12:00"),  # hold over
    ({}, {}, {}, "2024-03-13 12:15"),
]


@pytest.mark.parametrize("states, schedules, held, wake", WAKE)
def test_wake_time(states, schedules, held, wake):
    assert wake_time(states, schedules, NOW, held) == at(wake)


# -- real crawls ------------------------------------------------------------


PAGE = ("<html><body><main><h1>Dialogue</h1><p>The dialogue was held in Ottawa; officials "
        "discussed freedom of expression and the rights of minorities.</p></main>"
        "<footer>Last updated Oct 2002</footer></body></html>")


class Clock:
    """The daemon's "now": real time plus what the test adds."""

    def __init__(self):
        self.offset = datetime.timedelta()

    def __call__(self):
        return store.now() + self.offset


def daemon_for(cfg, db_path, clock, **fields):
    return scheduler.Daemon(lambda: config.load(cfg.path), lambda _: alerts.NO_ALERTS,
                            str(db_path), clock=clock, **fields)


def wait_until(condition, seconds=60):
    done = threading.Event()
    for _ in range(int(seconds * 20)):
        if condition():
            return True
        done.wait(0.05)
    return False


def fetches(db_path, source_id):
    """Stored checks of a page (a request retried under load still counts once), read
    through a plain read-only connection closed at once: the poll takes no lock."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
            return conn.execute("SELECT COUNT(*) FROM fetches WHERE source_id = ?", [source_id]).fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def crawls(open_db):
    return [r["sources"] for r in open_db().query("SELECT sources FROM crawls ORDER BY id")]


def test_apscheduler_checks_pages_when_due_and_once_after_days_missed(
        replica, make_config, db_path, open_db):
    cfg = make_config({"id": "canada", "path": "/ca", "every": "1h"},
                      {"id": "japan", "path": "/jp", "every": "6h", "country": "Japan"})
    replica.set("/ca", PAGE)
    replica.set("/jp", PAGE)
    clock = Clock()
    daemon = daemon_for(cfg, db_path, clock, max_sleep=datetime.timedelta(seconds=0.2))
    thread = threading.Thread(target=scheduler.serve, args=(daemon, 0, 0.2))
    thread.start()
    try:
        assert wait_until(lambda: fetches(db_path, "japan") == 1)
        clock.offset = datetime.timedelta(hours=2)  # canada is due, japan is not
        assert wait_until(lambda: fetches(db_path, "canada") >= 2)
        assert fetches(db_path, "japan") == 1
        clock.offset = datetime.timedelta(days=3)  # both missed many checks
        assert wait_until(lambda: fetches(db_path, "japan") == 2)
    finally:
        daemon.stop.set()
        thread.join(60)
    # Due together at first; after three days of missed checks, one crawl takes both.
    # (Pages are stamped with the real time while this clock runs ahead, so a page may
    # be due again at once after its check: how many crawls follow is not asserted
    # here; that a missed run runs once is table-tested on due_sources above.)
    sizes = crawls(open_db)
    assert sizes[0] == 2 and 2 in sizes[1:]


@pytest.mark.parametrize("fault", ["crashes", "hangs"])
def test_a_crawl_that_crashes_or_hangs_does_not_stop_the_daemon(replica, make_config, db_path, caplog,
                                                                monkeypatch, fault):
    """The crawl process dies mid-crawl, or freezes (SIGSTOP: nothing of its own can act)
    and is stopped once it has not answered for ``crawler.STALLED_AFTER_SECONDS`` (before,
    ``run`` waited for a hung crawl for ever and checked nothing again). Either way the
    daemon logs why, holds the page back, and checks it again later."""
    from monitor.fetch import crawler

    monkeypatch.setattr(crawler, "STALLED_AFTER_SECONDS", 3.0)
    cfg = make_config({"id": "canada", "path": "/ca", "every": "1h"})
    arrived, release = threading.Event(), threading.Event()

    def stuck(handler):
        arrived.set()
        release.wait(30)

    replica.set("/ca", PAGE, handler=stuck)
    clock = Clock()
    daemon = daemon_for(cfg, db_path, clock, crash_pause=datetime.timedelta(minutes=15))
    results = []
    worker = threading.Thread(target=lambda: results.append(daemon.crawl_due()))
    worker.start()
    assert arrived.wait(30)
    for child in multiprocessing.active_children():  # the crawl process, mid-crawl
        child.kill() if fault == "crashes" else os.kill(child.pid, signal.SIGSTOP)
    release.set()
    worker.join(60)
    assert not worker.is_alive(), "run still waits for the crawl"
    (wake, _), = results
    assert "stopped before checking canada" in caplog.text
    assert fault == "crashes" or "stopped answering for 3 s" in caplog.text
    assert wake - clock() > datetime.timedelta(minutes=14)  # held back, not retried at once
    replica.set("/ca", PAGE)
    assert daemon.crawl_due()[0] == wake and len(replica.requests_for("/ca")) == 1
    clock.offset = datetime.timedelta(minutes=16)
    daemon.crawl_due()
    assert len(replica.requests_for("/ca")) == 2
    row = next(store.open_db(db_path).query("SELECT state FROM source_state"))
    assert row["state"] == "ok"


def test_sigterm_mid_crawl_stops_cleanly(replica, make_config, db_path, open_db):
    cfg = make_config({"id": "canada", "path": "/ca"})
    arrived, release = threading.Event(), threading.Event()

    def slow(handler):
        arrived.set()
        release.wait(30)
        body = PAGE.encode()
        send(handler, 200, {"Content-Type": "text/html; charset=utf-8"}, body)

    replica.set("/ca", PAGE, handler=slow)
    daemon = subprocess.Popen([sys.executable, "-m", "monitor", "--sources", cfg.path, "--db",
                               str(db_path), "run"], stderr=subprocess.PIPE, text=True)
    assert arrived.wait(30)
    daemon.send_signal(signal.SIGTERM)
    release.set()
    assert daemon.wait(60) == 0
    log = daemon.stderr.read()
    assert "Received SIGTERM" in log and log.rstrip().endswith("Stopped.")
    crawl = next(open_db().query("SELECT finished_at, outcome FROM crawls"))
    assert crawl["finished_at"] and crawl["outcome"] == "completed"
    assert [r["kind"] for r in store.history(open_db(), "canada")] == ["new"]


def test_one_run_per_database_and_status_shows_it(replica, make_config, db_path, crawl):
    cfg = make_config({"id": "canada", "path": "/ca", "every": "6h"},
                      {"id": "dead", "url": "http://127.0.0.1:9/gone", "every": "1d"})
    replica.set("/ca", PAGE)
    crawl(cfg)
    with locks.database_lock(db_path, "run"):
        second = cli(cfg, db_path, "run", "--once")
        status = cli(cfg, db_path, "status")
    assert second.returncode == 4 and "dialogue-watch run (pid " in second.stderr
    assert "Nothing was done" in second.stderr
    assert status.stdout.startswith("Scheduler: running (pid ")
    rows = {r["id"]: r for r in json.loads(cli(cfg, db_path, "status", "--json").stdout)}
    canada, dead = rows["canada"], rows["dead"]
    checked = scheduler.parse_time(canada["last_checked_at"])
    assert scheduler.parse_time(canada["next_check_at"]) == checked + datetime.timedelta(hours=6)
    assert (canada["state"], canada["every"], canada["last_error"]) == ("ok", "6h", None)
    assert dead["last_error"] == "the site refused the connection"
    assert "Scheduler: not running" in cli(cfg, db_path, "status").stdout


# -- the schedule never ends by itself (issue 21) ------------------------------


def test_pages_falling_due_during_crawls_are_checked_when_each_ends_and_checking_never_stops(
        replica, make_config, db_path, open_db):
    """Each check of one page takes longer (on the daemon's clock) than every page's
    interval, so pages always fall due while a crawl runs: the daemon held behind for
    many minutes must go on checking, crawl after crawl, every page each time.
    (Before issue 21 the crawl job re-armed itself for "now" while it still ran,
    APScheduler skipped it, and checking stopped for good after the first crawl.)"""
    cfg = make_config({"id": "canada", "path": "/ca", "every": "1m"},
                      {"id": "japan", "path": "/jp", "every": "1m", "country": "Japan"})
    clock = Clock()

    def slow(handler):  # each check of /ca moves the daemon's clock 90 s on
        clock.offset += datetime.timedelta(seconds=90)
        send(handler, 200, {"Content-Type": "text/html; charset=utf-8"}, PAGE.encode())

    replica.set("/ca", PAGE, handler=slow)
    replica.set("/jp", PAGE)
    daemon = daemon_for(cfg, db_path, clock)
    thread = threading.Thread(target=scheduler.serve, args=(daemon, 0, 0.2, datetime.timedelta(seconds=0.2)))
    thread.start()
    try:
        assert wait_until(lambda: fetches(db_path, "japan") >= 6, 120), crawls(open_db)
    finally:
        daemon.stop.set()
        thread.join(60)
    assert not thread.is_alive()
    sizes = crawls(open_db)
    assert len(sizes) >= 6 and set(sizes) == {2}  # every crawl took both pages
    assert clock.offset >= datetime.timedelta(minutes=9)  # held behind for minutes


def test_a_page_added_to_sources_yaml_is_checked_at_the_next_tick(
        replica, make_config, db_path):
    cfg = make_config({"id": "canada", "path": "/ca", "every": "1d"})
    replica.set("/ca", PAGE)
    replica.set("/jp", PAGE)
    daemon = daemon_for(cfg, db_path, Clock())
    thread = threading.Thread(target=scheduler.serve, args=(daemon, 0, 0.2, datetime.timedelta(seconds=0.2)))
    thread.start()
    try:
        assert wait_until(lambda: fetches(db_path, "canada") == 1 and daemon.next_wake)
        assert daemon.next_wake - daemon.clock() > datetime.timedelta(minutes=10)
        make_config({"id": "canada", "path": "/ca", "every": "1d"},
                    {"id": "japan", "path": "/jp", "every": "1d", "country": "Japan"})
        assert wait_until(lambda: fetches(db_path, "japan") == 1, 30)
    finally:
        daemon.stop.set()
        thread.join(60)
    assert fetches(db_path, "canada") == 1


ORDINALS = ("zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh")


def _edited(number):
    """An edit in words: the same number edited again within a few checks is a counter
    (issue 22; tests/test_confirm.py), which this test of the schedule is not about."""
    return PAGE.replace("minorities.", f"minorities. The {ORDINALS[number]} round was announced.")


def test_soak_every_edit_made_while_the_daemon_runs_is_reported_once(
        replica, make_config, db_path, open_db):
    """A short soak (the long one: benchmarks/scheduler_soak.py): edits made to three pages
    while the daemon runs behind its schedule; every edit is reported, once."""
    cfg = make_config(*({"id": name, "path": f"/{name}", "every": "1m"} for name in "abc"))
    clock, page_a = Clock(), [PAGE]

    def ticking(handler):  # the daemon falls behind: every crawl takes 61 s of its clock
        clock.offset += datetime.timedelta(seconds=61)
        send(handler, 200, {"Content-Type": "text/html; charset=utf-8"}, page_a[0].encode())

    for name in "bc":
        replica.set(f"/{name}", PAGE)
    replica.set("/a", PAGE, handler=ticking)
    daemon = daemon_for(cfg, db_path, clock)
    thread = threading.Thread(target=scheduler.serve, args=(daemon, 0, 0.2, datetime.timedelta(seconds=0.2)))
    thread.start()
    edits = {"a": 0, "b": 0, "c": 0}
    try:
        assert wait_until(lambda: all(fetches(db_path, name) for name in "abc"), 60)
        for number, name in enumerate("abcbab", 1):
            seen = len(replica.requests_for(f"/{name}"))
            if name == "a":
                page_a[0] = _edited(number)
            else:
                replica.set(f"/{name}", _edited(number))
            edits[name] += 1
            assert wait_until(lambda name=name, seen=seen: len(replica.requests_for(f"/{name}"))
                              >= seen + 2, 60)
    finally:
        daemon.stop.set()
        thread.join(60)
    reported = {name: 0 for name in "abc"}
    for row in open_db().query("SELECT source_id FROM events WHERE kind NOT IN ('new', 'stale')"):
        reported[row["source_id"]] += 1
    kinds = [(r["source_id"], r["kind"], r["at"], r["detail"]) for r in open_db().query(
        "SELECT source_id, kind, at, detail FROM events WHERE kind NOT IN ('new', 'stale') ORDER BY id")]
    assert reported == edits, "\n".join(map(str, kinds))


def test_status_says_when_the_last_check_really_happened_and_warns_when_overdue(
        replica, make_config, db_path, crawl, open_db):
    cfg = make_config({"id": "canada", "path": "/ca", "every": "1m"})
    replica.set("/ca", PAGE)
    crawl(cfg)
    ten_minutes_ago = store.iso(store.now() - datetime.timedelta(minutes=10))
    with contextlib.closing(sqlite3.connect(db_path)) as conn, conn:
        conn.execute("UPDATE source_state SET last_checked_at = ?", [ten_minutes_ago])
    cfg = make_config({"id": "canada", "path": "/ca", "every": "1m"},
                      {"id": "japan", "path": "/jp", "every": "1d", "country": "Japan"})
    idle = cli(cfg, db_path, "status").stdout
    assert f"Last check: {ten_minutes_ago[:10]} {ten_minutes_ago[11:16]} UTC (10 min ago)." in idle
    assert "Warning: 1 page(s) are overdue, the most by 9 min (canada)." in idle
    assert "Nothing is checking pages on schedule: start 'dialogue-watch run'." in idle
    with locks.database_lock(db_path, "run"):
        stuck = cli(cfg, db_path, "status").stdout
    assert "The scheduler is running but has not checked them" in stuck
    rows = {r["id"]: r for r in json.loads(cli(cfg, db_path, "status", "--json").stdout)}
    assert rows["canada"]["overdue_seconds"] >= 540 and rows["japan"]["state"] == "never checked"
    # status only reads: the page added to sources.yaml is not written into the database
    assert [r["id"] for r in open_db().query("SELECT id FROM sources")] == ["canada"]


@pytest.mark.parametrize("doing, crawl_started, words", [
    (None, None, "Nothing is checking pages on schedule"),
    ("crawl", None, "Nothing is checking pages on schedule"),
    ("run", "2026-12-06T10:05:00Z", "A check has been running since 10:05 UTC"),
    ("run", None, "The scheduler is running but has not checked them"),
])
def test_overdue_warning_says_what_to_do(doing, crawl_started, words):
    rows = [{"id": "a", "overdue_seconds": 7200}, {"id": "b", "overdue_seconds": 0},
            {"id": "c", "overdue_seconds": 200}]
    holder = doing and {"doing": doing, "pid": 1}
    warning = scheduler.overdue_warning(rows, NOW, holder, crawl_started)
    assert warning.startswith("Warning: 2 page(s) are overdue, the most by 2 h (a, c). ")
    assert words in warning
    assert scheduler.overdue_warning(rows[1:2], NOW, holder, crawl_started) is None
