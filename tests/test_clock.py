"""The computer's clock going back (NTP stepping it, a VM restored): no fetch and no
change is hidden, evidence is ordered by the database's own sequence, and the
schedule says in plain words that the clock moved.

A clock that went back is played by the database: every stored time is moved
forward (``clock_was_fast``), exactly what a database written by a clock running
2 h 10 min fast, then stepped back, looks like. The crawls after it are real
crawls of a real server on 127.0.0.1, stamped by the real clock."""

import datetime
import sqlite3
import subprocess
import sys

import pytest

from monitor import clock, store
from tests.test_crawl import BODY, page

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
STEP = datetime.timedelta(hours=2, minutes=10, seconds=30)  # a crawl takes well under 30 s
TIMED = ("fetches", "crawls", "source_state", "versions", "events")


def clock_was_fast(db_path, step=STEP):
    """Move every stored time of the database forward by ``step``."""
    seconds = f"+{int(step.total_seconds())} seconds"
    with sqlite3.connect(db_path) as db:
        for table in TIMED:
            columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")
                       if row[1] == "at" or row[1].endswith("_at")]
            for column in columns:
                # the millisecond times (started_at) keep their milliseconds
                db.execute(f"""UPDATE {table} SET {column} = CASE WHEN length({column}) > 20
                    THEN strftime('%Y-%m-%dT%H:%M:%fZ', {column}, ?)
                    ELSE strftime('%Y-%m-%dT%H:%M:%SZ', {column}, ?) END
                    WHERE {column} LIKE '____-__-__T%'""", [seconds, seconds])


# -- pure ---------------------------------------------------------------------


@pytest.mark.parametrize("minutes, words", [
    (0.5, "30 s"), (1, "1 min"), (130, "2 h 10 min"), (60 * 24 * 3 + 5, "3 d 5 min"),
    (-130, "2 h 10 min"),
])
def test_duration_words(minutes, words):
    assert clock.duration_words(datetime.timedelta(minutes=minutes)) == words


def test_a_last_check_later_than_now_is_due_now_and_said():
    hour = datetime.timedelta(hours=1)
    last = {"a": NOW - hour, "b": NOW + 2 * hour, "c": None, "d": NOW + hour}
    assert clock.moved_back(last, NOW) == 2 * hour
    assert clock.due_despite_clock(last, NOW) == {"a": NOW - hour, "b": None, "c": None, "d": None}
    assert clock.step_warning(last, NOW) == (
        "The computer's clock went back by up to 2 h: the last check of b, d is stamped later "
        "than now. Those pages are checked now rather than waiting for that time to come round "
        "again; every check is kept, in the order the database stored it.")
    assert clock.moved_back({"a": NOW, "c": None}, NOW) is None
    assert clock.step_warning({"a": NOW - hour}, NOW) is None


@pytest.mark.parametrize("fetched, last, words", [
    ("2026-12-01T10:00:00Z", "2026-12-01T12:10:00Z",
     "the computer's clock went back by 2 h 10 min since the last check of this page "
     "(stamped 2026-12-01T12:10:00Z); this check is kept and ordered after it"),
    ("2026-12-01T12:10:00Z", "2026-12-01T12:10:00Z", None),
    ("2026-12-01T12:10:01Z", "2026-12-01T12:10:00Z", None),
    ("2026-12-01T12:10:01Z", None, None),
])
def test_a_fetch_stamped_before_the_last_check_is_noted(fetched, last, words):
    assert clock.note(fetched, last) == words


# -- real crawls ----------------------------------------------------------------


def test_a_change_made_and_taken_down_after_the_clock_went_back_is_recorded(
        replica, make_config, crawl, open_db, db_path):
    cfg = make_config({"id": "canada", "path": "/ca"})
    replica.set("/ca", page())
    assert crawl(cfg) == {"canada": ("ok", "new")}
    clock_was_fast(db_path)  # NTP steps the clock back 2 h 10 min
    replica.set("/ca", page(BODY + " A paragraph put up for a day."))
    assert crawl(cfg) == {"canada": ("ok", "silent_edit")}
    replica.set("/ca", page())  # taken down again: back to the words of the day before,
    assert crawl(cfg) == {"canada": ("ok", None)}  # held until two looks find it staying
    assert crawl(cfg) == {"canada": ("ok", None)}
    assert crawl(cfg) == {"canada": ("ok", "silent_edit")}
    db = open_db()
    fetches = list(db.query("SELECT outcome, at, note FROM fetches ORDER BY id"))
    assert [f["outcome"] for f in fetches] == ["ok"] * 7  # none superseded (the edit fetched 3 times)
    assert fetches[1]["at"] < fetches[0]["at"]  # stamped before the first, stored after it
    assert fetches[1]["note"] == (
        f"the computer's clock went back by 2 h 10 min since the last check of this page "
        f"(stamped {fetches[0]['at']}); this check is kept and ordered after it; a change was "
        "seen; it is told only if the page, fetched again at once, still shows it")
    assert fetches[0]["note"] is None and fetches[3]["note"] is None and fetches[6]["note"] is None
    assert "went back to words they had before" in fetches[4]["note"]  # held, said so
    kinds = [r["kind"] for r in db.query("SELECT kind FROM events ORDER BY id")]
    assert kinds == ["new", "silent_edit", "silent_edit"]
    versions = store.versions(db, "canada")
    assert [v["seq"] for v in versions] == [1, 2, 3]
    assert "put up for a day" in store.text_of(db, versions[1]["text_sha256"])
    assert "put up for a day" not in store.text_of(db, versions[2]["text_sha256"])
    state = next(db.query("SELECT last_checked_at, current_version_id FROM source_state"))
    assert (state["last_checked_at"], state["current_version_id"]) == (fetches[-1]["at"], versions[2]["id"])


def test_run_once_checks_a_page_whose_last_check_is_later_than_now_and_says_why(
        replica, make_config, crawl, db_path):
    """Needs ``monitor.scheduler`` to read last checks through ``monitor.clock``."""
    cfg = make_config({"id": "canada", "path": "/ca", "every": "1d"})
    replica.set("/ca", page())
    crawl(cfg)
    clock_was_fast(db_path)
    replica.set("/ca", page(BODY + " Edited after the clock went back."))
    command = [sys.executable, "-m", "monitor", "--sources", cfg.path, "--db", str(db_path),
               "run", "--once"]
    once = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert once.returncode == 0, once.stderr
    assert "The computer's clock went back by up to 2 h 10 min: the last check of canada" in once.stderr
    assert "Checking 1 page(s) now: canada" in once.stderr and "silent_edit" in once.stderr
    again = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert "Checking" not in again.stderr and "clock went back" not in again.stderr  # due in a day
    assert len(replica.requests_for("/ca")) == 4  # the edit was fetched three times, at once
