"""The scheduler's soak (issue 21): does `dialogue-watch run` go on checking for as long
as it runs, and is every edit made meanwhile reported, once?

Serves N pages from a ``monitor.replica.Replica`` on 127.0.0.1 (some of them slow, so
pages fall due while a crawl runs), starts the real daemon (`python -m monitor run`,
every page ``every: 1m``, no jitter) and, for the given minutes, edits a random page
every few seconds. At the end it stops the daemon (SIGTERM) and compares:

- edits made vs change events stored (every edit must be reported, once; each edit
  changes a number, so it is held and confirmed at the next check, and two edits of a
  page within two intervals are one change);
- the longest stretch with no check at all, and how late the last check was at the
  end (a daemon that stopped checking shows here at once).

    .venv/bin/python benchmarks/scheduler_soak.py                 # 12 minutes, 51 pages
    .venv/bin/python benchmarks/scheduler_soak.py --minutes 3 --pages 20 --slow 5

The short version runs in the suite (tests/test_scheduler.py, with a clock the test
moves forward). Exit status 1 when an edit was missed or checking stopped.
"""

import argparse
import datetime
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.replica import Replica, send  # noqa: E402

TEXT = ("The human rights dialogue was held on {n}. Officials discussed freedom of expression, "
        "the rights of minorities and individual cases. Edit number {edit}.")


def html(n, edit):
    return (f"<html><body><main><h1>Dialogue page {n}</h1><p>{TEXT.format(n=n, edit=edit)}</p>"
            "<p>Both sides agreed to meet again next year.</p></main></body></html>")


def slow_handler(replica, path, seconds):
    def handler(request):
        time.sleep(seconds)
        body = replica.bodies[path]
        send(request, 200, {"Content-Type": "text/html; charset=utf-8"}, body.encode())
    return handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=12)
    parser.add_argument("--pages", type=int, default=51)
    parser.add_argument("--slow", type=int, default=10, help="pages that take --slow-seconds")
    parser.add_argument("--slow-seconds", type=float, default=8)
    parser.add_argument("--edit-every", type=float, default=20, help="seconds between edits")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dw-soak-"))
    replica = Replica()
    replica.bodies = {}
    edits = {}
    for n in range(args.pages):
        path = f"/p{n}"
        replica.bodies[path] = html(n, 0)
        if n < args.slow:
            replica.set(path, "", handler=slow_handler(replica, path, args.slow_seconds))
        else:
            replica.set(path, replica.bodies[path])
    sources = [{"id": f"p{n}", "country": "Canada", "title": f"page {n}", "kind": "html",
                "url": replica.url(f"/p{n}"), "every": "1m"} for n in range(args.pages)]
    (work / "sources.yaml").write_text(yaml.safe_dump({
        "settings": {"delay_seconds": 0, "timeout_seconds": 30, "retries": 0,
                     "contact": "soak <soak@example.org>"},
        "defaults": {"stale_after": "never", "jitter_seconds": 0}, "sources": sources}))
    db = work / "monitor.db"
    log = open(work / "run.log", "w")
    daemon = subprocess.Popen([sys.executable, "-m", "monitor", "--sources",
                               str(work / "sources.yaml"), "--db", str(db), "run"],
                              stderr=log, stdout=log)
    started = time.monotonic()
    end = started + args.minutes * 60
    while _checked(db) < args.pages and time.monotonic() < end:  # edits follow the first check
        time.sleep(1)
    edit = 0
    while time.monotonic() < end - 180:  # the last edits get time to be seen and confirmed
        n = random.randrange(args.pages)
        edit += 1
        path = f"/p{n}"
        replica.bodies[path] = html(n, edit)
        if n >= args.slow:
            replica.set(path, replica.bodies[path])
        edits.setdefault(f"p{n}", []).append(time.time())
        time.sleep(args.edit_every * random.uniform(0.5, 1.5))
    time.sleep(max(0, end - time.monotonic()))
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(120)
    print(json.dumps(report(db, edits, args), indent=2))
    replica.close()
    return 0 if report(db, edits, args)["ok"] else 1


def report(db, edits, args):
    conn = sqlite3.connect(db)
    checks = sorted(row[0] for row in conn.execute("SELECT at FROM fetches"))
    times = [datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() for t in checks]
    gaps = [b - a for a, b in zip(times, times[1:])]
    changes = {}
    for source_id, in conn.execute("SELECT source_id FROM events WHERE kind NOT IN "
                                   "('new', 'stale', 'transient', 'volatile_change')"):
        changes[source_id] = changes.get(source_id, 0) + 1
    made = {k: len(v) for k, v in edits.items()}
    # two edits of one page within two intervals are one change: the first is held (only a
    # number changed) and the second look finds the second edit (monitor.analysis.doubt)
    missed = {k: (n, changes.get(k, 0)) for k, n in made.items() if changes.get(k, 0) < _distinct(
        edits[k], 120 + args.slow_seconds * args.slow)}
    late = time.time() - times[-1] if times else None
    longest = max(gaps) if gaps else None
    ok = not missed and late is not None and late < 120 and longest < 120 + args.slow_seconds * args.slow
    return {"minutes": args.minutes, "pages": args.pages, "checks": len(checks),
            "edits": sum(made.values()), "changes_reported": sum(changes.values()),
            "pages_with_missed_edits": missed, "longest_gap_without_a_check_s": longest,
            "last_check_before_stop_s": late, "ok": ok}


def _checked(db):
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return conn.execute("SELECT COUNT(DISTINCT source_id) FROM fetches").fetchone()[0]
    except sqlite3.Error:
        return 0


def _distinct(moments, window):
    """Edits of one page that were at least ``window`` seconds apart (each must be seen)."""
    count, last = 0, None
    for moment in moments:
        if last is None or moment - last >= window:
            count += 1
        last = moment
    return count


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
