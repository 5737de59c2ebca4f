"""Accusations from tests/test_confirm.py's shapes of words a site writes anew at each
request (its page generators, served from a ``monitor.replica.Replica`` on 127.0.0.1,
one crawl per check through the real crawler and store): the "changed"-like alerts a
subscriber would get after the first capture (notes and ``volatile_text`` aside).

    .venv/bin/python benchmarks/confirm_shapes.py

To measure an older revision, run it from a git worktree of that revision with the
worktree first on PYTHONPATH (its own tests/test_confirm.py must have the shapes).
"""

import os
import random
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, os.getcwd())

from monitor import config, store  # noqa: E402
from monitor.analysis import events  # noqa: E402
from monitor.fetch import crawler  # noqa: E402
from monitor.replica import Replica, send  # noqa: E402
from tests import test_confirm as shapes  # noqa: E402

FAST = {"delay_seconds": 0, "timeout_seconds": 5, "retries": 1, "retry_backoff_seconds": 0.05,
        "failing_after": 3, "contact": "benchmark <benchmark@example.org>"}


def accusations(handler, checks=12):
    replica, folder = Replica(), Path(tempfile.mkdtemp(prefix="shapes-"))
    replica.set("/p", b"", handler=handler)
    doc = {"settings": FAST, "defaults": {"stale_after": "never"},
           "sources": [{"id": "p", "url": replica.url("/p"), "country": "Canada", "title": "p",
                        "kind": "html"}]}
    (folder / "sources.yaml").write_text(yaml.safe_dump(doc))
    cfg = config.load(folder / "sources.yaml")
    try:
        for _ in range(checks):
            crawler.crawl(cfg, folder / "monitor.db")
        kinds = [row["kind"] for row in store.open_db(folder / "monitor.db").query(
            "SELECT kind FROM events ORDER BY id")]
    finally:
        replica.close()
    return sum(kind not in events.NOTE_KINDS and kind not in ("new", "volatile_text")
               for kind in kinds)


def extra_each_request(extra):
    def serve(handler):
        send(handler, 200, {"Content-Type": "text/html; charset=utf-8"},
             shapes.page(extra=extra()).encode())
    return serve


def seeded(write, seed):
    """``write(rng)`` with its own generator, seeded: the same requests at each run."""
    rng = random.Random(seed)
    return lambda: write(rng)


def main():
    found = {}
    for shape in shapes.ROTATING:
        found[f"picked anew: {shape}"] = accusations(shapes.picked_anew(shape))
    for shape in shapes.FEW:
        found[f"from a few: {shape}"] = [accusations(shapes.picked_from_few(shape, seed))
                                         for seed in (1, 2)]
    pool_words = shapes.TIPS + [f"Did you know? {h}." for h in shapes.HEADLINES]
    for pool, seed in [(5, 2), (8, 1), (12, 3)]:
        rng = random.Random(seed)
        found[f"at random from {pool}"] = accusations(extra_each_request(
            lambda rng=rng, pool=pool: f"<p>{rng.choice(pool_words[:pool])}</p>"))
    for seed in (1, 2, 3):
        rng = random.Random(seed)
        found[f"menu shuffled, seed {seed}"] = accusations(extra_each_request(
            lambda rng=rng: "<ul>{}</ul>".format("".join(
                f"<li>{item}</li>" for item in rng.sample(shapes.MENU_ITEMS, len(shapes.MENU_ITEMS))))))
    for shape, write in getattr(shapes, "AT_EACH_REQUEST", {}).items():
        found[f"written after the mechanism (10 checks): {shape}"] = [
            accusations(extra_each_request(seeded(write, seed)), checks=10) for seed in (1, 2)]
    for name, count in found.items():
        print(f"{name}: {count}")


if __name__ == "__main__":
    main()
