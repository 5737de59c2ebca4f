"""Crash safety: SIGKILL the crawler at random moments; nothing half-stored, nothing lost."""

import os
import random
import signal
import subprocess
import sys
import time

from monitor import store
from monitor.replica import send
from tests.test_crawl import BODY, page

PAGES = 30
TRIALS = 20


def slow_page(body, delay):
    def serve(handler):
        time.sleep(delay)
        send(handler, 200, {"Content-Type": "text/html; charset=utf-8"}, body)
    return serve


def serve_round(replica, number, rng):
    for index in range(PAGES):
        text = BODY + f" Page {index}, round {number if rng.random() < 0.5 else 0}."  # half change
        body = page(text, f"Last updated {1 + index % 28} March 2024").encode()
        replica.set(f"/p{index}", b"", handler=slow_page(body, rng.uniform(0.02, 0.08)))


def test_sigkill_at_random_points_loses_nothing(replica, make_config, db_path):
    cfg = make_config(*[{"id": f"p{i}", "path": f"/p{i}"} for i in range(PAGES)],
                      settings={"retries": 0})
    command = [sys.executable, "-m", "monitor", "--sources", cfg.path, "--db", str(db_path), "crawl", "-q"]
    rng = random.Random(2026)
    committed = {}
    for trial in range(TRIALS):
        serve_round(replica, trial, rng)
        crawl = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 start_new_session=True)
        # a crawl needs ~1.5 s to start storing, then ~2 s for the 30 pages: kill anywhere
        # from start-up to the end, most often mid-crawl
        time.sleep(rng.uniform(0.5, 4.0))
        os.killpg(crawl.pid, signal.SIGKILL)
        crawl.wait()
        db = store.open_db(db_path)
        assert store.integrity_problems(db) == [], f"trial {trial}"
        rows = {r["id"]: (r["source_id"], r["at"], r["body_sha256"]) for r in db.query("SELECT * FROM fetches")}
        assert all(rows[i] == committed[i] for i in committed), f"a committed fetch changed in trial {trial}"
        committed = rows
    assert committed, "no crawl got far enough to store anything: the kills came too early"

    serve_round(replica, TRIALS, rng)
    finished = subprocess.run(command, capture_output=True, text=True)
    assert finished.returncode == 0 and f"Checked {PAGES} page(s)" in finished.stdout
    db = store.open_db(db_path)
    assert store.integrity_problems(db) == []
    assert {r["source_id"] for r in db.query("SELECT source_id FROM source_state")} == {
        f"p{i}" for i in range(PAGES)}
