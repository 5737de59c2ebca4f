"""False alerts from noisy and walled pages, and the delay added to real changes (issue 22).

Serves ``--pages`` noisy or walled pages and ``--real`` pages that really change
(``benchmarks/noisy_pages.py``: five languages, each page's answer computed at
request time) from a ``monitor.replica.Replica`` on 127.0.0.1, and crawls them all
``--checks`` times with ``monitor.fetch.crawler.crawl`` into a fresh database (one
crawl is one check of every page; a held change's second look is the next crawl).

- False alerts: every event of a noisy page whose kind a subscriber gets by default
  (``monitor.notify.alerts.DEFAULT_KINDS``) other than ``new``. Nothing on those pages
  changes but their noise, and walls that stay one check. ``volatile_text`` (the
  monitoring problem "a part of this page changes at every check", raised once by
  design) is counted apart; every other one is listed with its detail and its diff.
- Real changes: each edit is alerted exactly once, with the right kind, dated when first
  seen; the delay is the number of checks from the edit's first fetch to the alert
  (0: at first sight; 1: at the second look, which ``run`` makes
  ``settings.confirm_after_seconds`` later).

    .venv/bin/python benchmarks/false_alerts.py [--pages 66] [--real 20] [--checks 10]
        [--seed 22] [--keep DIR]

Exits 1 when there is a false alert or a real change not alerted exactly once.
"""

import argparse
import collections
import datetime as dt
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import noisy_pages  # noqa: E402
from monitor import config, store  # noqa: E402
from monitor.analysis import diffing  # noqa: E402
from monitor.fetch import crawler  # noqa: E402
from monitor.notify.alerts import DEFAULT_KINDS  # noqa: E402
from monitor.replica import Replica, send  # noqa: E402

FAST = {"delay_seconds": 0, "timeout_seconds": 10, "retries": 1, "retry_backoff_seconds": 0.05,
        "contact": "benchmark <benchmark@example.org>"}
ALERTED = DEFAULT_KINDS - {"new"}
# What a false alert is: an alerted event other than the volatile_text problem.
ACCUSING = ALERTED - {"volatile_text"}
TEXT_EDIT_KINDS = {"changed", "updated", "silent_edit"}


class Served:
    """The pages on a replica, answered at request time for the current check."""

    def __init__(self, replica, specs, seed):
        self.check = 0
        self.seed = seed
        self.views = collections.Counter()
        self.lock = threading.Lock()
        for spec in specs:
            replica.set(f"/{spec.id}", "", handler=self._handler(spec))

    def _handler(self, spec):
        def answer(request):
            with self.lock:
                views, self.views[spec.id] = self.views[spec.id], self.views[spec.id] + 1
            rng = random.Random(f"{self.seed}:{spec.id}:{views}")
            now = dt.datetime.now(dt.timezone.utc)
            html = noisy_pages.render(spec, self.check, views, now, rng)
            send(request, 200, {"Content-Type": "text/html; charset=utf-8"}, html.encode())
        return answer


def sources_yaml(folder, specs, replica):
    path = Path(folder) / "sources.yaml"
    sources = [{"id": spec.id, "country": noisy_pages.LANGUAGES[spec.lang]["country"],
                "title": f"{spec.title} ({spec.shape})", "kind": "html",
                "locale": noisy_pages.LANGUAGES[spec.lang]["locale"],
                "url": replica.url(f"/{spec.id}")} for spec in specs]
    document = {"settings": FAST, "defaults": {"stale_after": "never"}, "sources": sources}
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return config.load(path)


def crawl_all(cfg, db_path, served, checks):
    """Crawl every page ``checks`` times; the crawl ids and seconds of each check."""
    crawls, seconds = [], []
    for check in range(checks):
        served.check = check
        started = time.perf_counter()
        crawl_id, results = crawler.crawl(cfg, db_path)
        seconds.append(time.perf_counter() - started)
        crawls.append(crawl_id)
        print(f"check {check}: {len(results)} pages in {seconds[-1]:.1f} s, events: "
              f"{dict(collections.Counter(k for r in results for k in _kinds(r['event'])))}",
              flush=True)
    return crawls, seconds


def _kinds(event):
    return [k for k in (event or "").split(", ") if k]


def stored_events(db, crawls):
    """Every event, with the check its page was first seen at and the check that told."""
    check_of = {crawl_id: check for check, crawl_id in enumerate(crawls)}
    rows = db.query("""SELECT e.id, e.source_id, e.kind, e.detail, e.version_id,
                              f.crawl_id AS seen, c.crawl_id AS confirmed
                       FROM events e LEFT JOIN fetches f ON f.id = e.fetch_id
                       LEFT JOIN fetches c ON c.id = e.confirmed_by ORDER BY e.id""")
    return [{**row, "seen": check_of.get(row["seen"]),
             "told": check_of.get(row["confirmed"] or row["seen"])} for row in rows]


def texts_of(db, version_id):
    """The text of a version and of the version before it (for a false alert's diff)."""
    row = next(db.query("SELECT source_id, seq, text_sha256 FROM versions WHERE id = ?",
                        [version_id]), None)
    if not row:
        return "", ""
    before = next(db.query("SELECT text_sha256 FROM versions WHERE source_id = ? AND seq < ? "
                           "ORDER BY seq DESC LIMIT 1", [row["source_id"], row["seq"]]), None)
    return (store.text_of(db, before["text_sha256"]) if before else "",
            store.text_of(db, row["text_sha256"]))


# -- the noisy pages -------------------------------------------------------------

def refused(db):
    """Per page, the checks whose answer was refused as a wall the detectors know
    (``monitor.analysis.walls``: an error, never compared)."""
    return collections.Counter(row["source_id"] for row in db.query(
        "SELECT source_id FROM fetches WHERE outcome = 'error'"))


def noisy_tally(specs, stored, errors):
    """Per shape: pages, false alerts, volatile_text, notes, answers refused as walls."""
    shape_of = {spec.id: spec.shape for spec in specs if not spec.edit}
    table = {shape: collections.Counter() for shape in dict.fromkeys(shape_of.values())}
    for spec in specs:
        if not spec.edit:
            table[spec.shape]["pages"] += 1
            table[spec.shape]["refused"] += errors[spec.id]
    for event in stored:
        shape = shape_of.get(event["source_id"])
        if shape is None:
            continue
        kind = event["kind"]
        table[shape]["false alerts" if kind in ACCUSING else kind] += 1
    return table


def false_alerts(specs, stored):
    """The alerted events of noisy pages (volatile_text aside), and of changing pages
    beyond their one expected change."""
    by_id = {spec.id: spec for spec in specs}
    found = []
    for event in stored:
        spec = by_id[event["source_id"]]
        if event["kind"] in ACCUSING and not (spec.edit
                                              and event is _expected_change(spec, stored)):
            found.append((spec, event))
    return found


# -- the pages that really change ------------------------------------------------

def _events(spec, stored, kinds):
    return [e for e in stored if e["source_id"] == spec.id and e["kind"] in kinds]


def _expected_change(spec, stored):
    """The first change alerted on a changing page from its edit on, if any."""
    return next((e for e in _events(spec, stored, ACCUSING) if e["seen"] >= spec.edit_check),
                None)


def real_changes(specs, stored, confirm_after):
    """Per edited page: whether its edit was alerted once with the right kind, dated
    when first seen, and the delay in checks and seconds."""
    rows = []
    for spec in (s for s in specs if s.edit):
        changes = _events(spec, stored, ACCUSING)
        wanted = {"replaced"} if spec.edit == "replaced wholesale" else TEXT_EDIT_KINDS
        first = _expected_change(spec, stored)
        delay = first["told"] - spec.edit_check if first else None
        rows.append({"spec": spec, "alerts": [e["kind"] for e in _events(spec, stored, ALERTED)],
                     "ok": (changes == [first] and first["kind"] in wanted
                            and first["seen"] == spec.edit_check),
                     "delay": delay,
                     "seconds": None if delay is None else delay * confirm_after})
    return rows


# -- the report ------------------------------------------------------------------

def print_noisy(table):
    print("\n| shape | pages | false alerts | volatile_text | volatile_change | transient | "
          "refused as a wall |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    total = collections.Counter()
    for shape, counts in table.items():
        total.update(counts)
        print(f"| {shape} | {counts['pages']} | {counts['false alerts']} | "
              f"{counts['volatile_text']} | {counts['volatile_change']} | {counts['transient']} | "
              f"{counts['refused']} |")
    print(f"| **all** | {total['pages']} | **{total['false alerts']}** | {total['volatile_text']} "
          f"| {total['volatile_change']} | {total['transient']} | {total['refused']} |")
    return total


def print_real(rows):
    print("\n| edit | pages | alerted once, right kind, dated when first seen | kinds | "
          "delay in checks | delay in seconds |")
    print("| --- | ---: | ---: | --- | --- | --- |")
    by_edit = collections.defaultdict(list)
    for row in rows:
        by_edit[row["spec"].shape].append(row)
    for shape, group in by_edit.items():
        kinds = sorted({", ".join(r["alerts"]) or "none" for r in group})
        delays = [r["delay"] for r in group if r["delay"] is not None]
        seconds = [r["seconds"] for r in group if r["seconds"] is not None]
        print(f"| {shape} | {len(group)} | {sum(r['ok'] for r in group)} | {'; '.join(kinds)} | "
              f"{_spread(delays)} | {_spread(seconds)} |")
    delays = [r["delay"] for r in rows if r["delay"] is not None]
    seconds = [r["seconds"] for r in rows if r["seconds"] is not None]
    print(f"\nreal changes: {sum(r['ok'] for r in rows)} of {len(rows)} alerted exactly once with "
          f"the right kind, dated when first seen")
    if delays:
        print(f"delay of the {len(delays)} alerted: median {statistics.median(delays):g} checks "
              f"({statistics.median(seconds):g} s), maximum {max(delays)} checks "
              f"({max(seconds):g} s)")


def _spread(values):
    return ", ".join(f"{v:g}" for v in values) if values else "-"


def sequence(spec, stored):
    """A page's events, by the check that told them: "1 changed | 3 volatile_text"."""
    told = collections.defaultdict(list)
    for event in stored:
        if event["source_id"] == spec.id and event["kind"] != "new":
            told[event["told"]].append(event["kind"])
    return " | ".join(f"{check} {', '.join(kinds)}" for check, kinds in sorted(told.items()))


def print_missed(rows, stored):
    for row in (r for r in rows if not r["ok"]):
        spec = row["spec"]
        print(f"\nREAL CHANGE NOT ALERTED ONCE {spec.id} ({spec.shape}, {spec.lang}, noise "
              f"{spec.noise_at}, edit at check {spec.edit_check}): {sequence(spec, stored)}")
        for event in stored:
            if event["source_id"] == spec.id and event["kind"] in ALERTED:
                print(f"  {event['kind']} (check {event['told']}): {event['detail']}")


def print_false_alerts(found, db, stored):
    for spec, event in found:
        before, after = texts_of(db, event["version_id"]) if event["version_id"] else ("", "")
        print(f"\nFALSE ALERT {spec.id} ({spec.shape}, {spec.lang}, noise {spec.noise_at}, wall "
              f"at check {spec.wall_check}, edit at check {spec.edit_check}): {event['kind']} "
              f"first seen at check {event['seen']}, told at check {event['told']}\n  detail: "
              f"{event['detail']}\n  the page's events: {sequence(spec, stored)}")
        if before or after:
            print("  diff:\n    " + "\n    ".join(diffing.line_diff(before, after)["diff"]
                                                  .splitlines()[:30]))


def run(args, folder):
    start = dt.datetime.now(dt.timezone.utc)
    specs = noisy_pages.specs(args.pages, args.real, args.checks, args.seed, start)
    replica = Replica()
    try:
        served = Served(replica, specs, args.seed)
        cfg = sources_yaml(folder, specs, replica)
        db_path = Path(folder) / "monitor.db"
        crawls, seconds = crawl_all(cfg, db_path, served, args.checks)
    finally:
        replica.close()
    return specs, store.open_db(db_path), crawls, seconds, cfg.settings["confirm_after_seconds"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=66, help="noisy or walled pages")
    parser.add_argument("--real", type=int, default=20, help="pages with a real change")
    parser.add_argument("--checks", type=int, default=10)
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--keep", type=Path, help="copy the database and sources.yaml here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        specs, db, crawls, seconds, confirm_after = run(args, folder)
        stored = stored_events(db, crawls)
        total = print_noisy(noisy_tally(specs, stored, refused(db)))
        rows = real_changes(specs, stored, confirm_after)
        print_real(rows)
        found = false_alerts(specs, stored)
        print_missed(rows, stored)
        print_false_alerts(found, db, stored)
        print(f"\n{args.pages} noisy pages x {args.checks} checks: {total['false alerts']} false "
              f"alert(s) (target 0), and {total['volatile_text']} volatile_text problem(s), "
              f"alerted by default too; {len(found)} false alert(s) with the changing pages' "
              f"other alerts; crawls took {statistics.median(seconds):.1f} s (median), "
              f"{sum(seconds):.0f} s in all")
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(Path(folder) / "sources.yaml", args.keep / "sources.yaml")
            kept = sqlite3.connect(args.keep / "monitor.db")
            db.conn.backup(kept)
            kept.close()
    sys.exit(1 if found or not all(r["ok"] for r in rows) else 0)


if __name__ == "__main__":
    main()
