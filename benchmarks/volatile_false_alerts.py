"""False alerts from a page whose main text changes at every check (issue 10, point 4).

Serves one page on 127.0.0.1 whose main text holds a view counter (or a short
token, or a "generated at HH:MM" line) that changes at every request and nothing
else, crawls it ``--crawls`` times through the real crawler and store, and prints
the event of each crawl and how many of them would alert a subscriber. Nothing on
the page really changes after the first crawl, so every alerting change event
after ``new`` is a false alert.

    .venv/bin/python benchmarks/volatile_false_alerts.py [--crawls 10] [--kind counter|token|clock]
"""

import argparse
import random
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor import config  # noqa: E402
from monitor.analysis import events  # noqa: E402
from monitor.fetch import crawler  # noqa: E402
from monitor.replica import Replica  # noqa: E402

FAST = {"delay_seconds": 0, "timeout_seconds": 5, "retries": 1, "retry_backoff_seconds": 0.05,
        "contact": "benchmark <benchmark@example.org>"}
PARAGRAPH = ("The eleventh round of the human rights dialogue was held in Ottawa. Officials "
             "discussed freedom of expression, the rights of minorities and prison conditions.")


def volatile_line(kind, check):
    if kind == "counter":
        return f"This page has been viewed {1230 + 7 * check:,} times."
    if kind == "token":
        return f"Reference: {random.Random(check).getrandbits(40):010x}"
    return f"Page generated at {9 + check % 12:02d}:{(17 * check) % 60:02d}"


def page(kind, check):
    return (f"<html><head><title>Canada-China relations</title></head><body>"
            f"<main><h1>Canada-China relations</h1><p>{PARAGRAPH}</p>"
            f"<p>{volatile_line(kind, check)}</p>"
            "<p>Second paragraph about the dialogue and its follow-up meetings with "
            "non-governmental organisations.</p></main>"
            "<footer><p>Last updated Oct 2002</p></footer></body></html>")


def run(crawls, kind):
    """The event (or None) of each crawl, in order."""
    replica = Replica()
    try:
        with tempfile.TemporaryDirectory() as folder:
            sources = Path(folder) / "sources.yaml"
            sources.write_text(yaml.safe_dump({"settings": FAST, "sources": [{
                "id": "counter", "country": "Canada", "title": "A page with a counter",
                "kind": "html", "url": replica.url("/counter")}]}), encoding="utf-8")
            cfg = config.load(sources)
            sequence = []
            for check in range(crawls):
                replica.set("/counter", page(kind, check))
                _, results = crawler.crawl(cfg, Path(folder) / "monitor.db")
                sequence.append(results[0]["event"])
            return sequence
    finally:
        replica.close()


def alerting(event):
    """The kinds of a crawl's events that go to subscribers (notes never do)."""
    return [k for k in (event or "").split(", ") if k and k not in events.NOTE_KINDS]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crawls", type=int, default=10)
    parser.add_argument("--kind", choices=("counter", "token", "clock"), default="counter")
    args = parser.parse_args()
    sequence = run(args.crawls, args.kind)
    for number, event in enumerate(sequence, 1):
        print(f"crawl {number:2}: {event or '-'}")
    kinds = [k for event in sequence[1:] for k in alerting(event)]
    false = [k for k in kinds if k not in events.PROBLEM_KINDS]
    print(f"false alerting change events: {len(false)} in {args.crawls} crawls "
          f"(plus {len(kinds) - len(false)} monitoring-problem alert(s): "
          f"{', '.join(k for k in kinds if k in events.PROBLEM_KINDS) or 'none'})")


if __name__ == "__main__":
    main()
