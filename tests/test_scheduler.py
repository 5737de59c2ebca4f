"""The scheduler: when pages are due (a table), APScheduler driving real crawls
with a clock the test moves forward (no sleeping through hours), a crawl that
crashes, SIGTERM in the middle of a crawl, one run per database, and status."""

import contextlib
import datetime
import json
import multiprocessing
import signal
import sqlite3
import subprocess
import sys
import threading

import pytest

from monitor import config, scheduler, store
from monitor.fetch import locks
from monitor.notify import alerts, dispatch
from monitor.replica import send
from monitor.scheduler import due_sources, next_check, wake_time

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


def test_a_crawl_that_crashes_does_not_stop_the_daemon(replica, make_config, db_path, caplog):
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
    for child in multiprocessing.active_children():
        child.kill()  # the crawl process dies mid-crawl
    release.set()
    worker.join(60)
    (wake, _), = results
    assert "stopped before checking canada" in caplog.text
    assert wake - clock() > datetime.timedelta(minutes=14)  # held back, not retried at once
    replica.set("/ca", PAGE)
    assert daemon.crawl_due()[0] == wake and len(replica.requests_for("/ca")) == 1
    clock.offset = datetime.timedelta(minutes=16)
    daemon.crawl_due()
    assert len(replica.requests_for("/ca")) == 2
    row = next(store.open_db(db_path).query("SELECT state FROM source_state"))
    assert row["state"] == "ok"


def cli(cfg, db_path, *args, **options):
    command = [sys.executable, "-m", "monitor", "--sources", cfg.path, "--db", str(db_path), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, **options)


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
