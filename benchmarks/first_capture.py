"""CPU per page of the analysis of a NEW page (a first capture), stage by stage, per page.

Issue 27, item 3. Three sets of pages, each analysed once as a first capture
(``monitor.analysis.analyze.analyze`` with nothing known about the page):

    real       the 100 real government, parliament and news pages of tests/files/markers/
    synthetic  N synthetic ministry pages of about 21 KB (benchmarks/synthetic_site.py,
               cut like benchmarks/vs_urlwatch.py's pages)
    demo       the demo replica's small pages (monitor.demo.PAGES)

Every stage is timed per page with a CPU clock (time.process_time), exclusive of the
stages it calls, and reported as the median and the 90th percentile over the pages:

    decode      extract.decode_html            walls       walls.check (wall_page walk)
    parse       extract.parse_html (lxml)      shell       shell.check
    chrome      chrome.read and chrome.without main text   trafilatura (extract._main_text)
    normalize   extract.normalize              marker      markers.find_marker
    links       links.extract                  other       the rest of analyze (soft 404...)

It also counts the HTML parses per page (lxml's document_fromstring, BeautifulSoup):
one is the aim. ``--against REV`` runs the same measurement on the code of git
revision REV (``git archive`` into a temporary folder, in a process of its own) and
prints before and after side by side, with the number of pages whose stored text or
marker differs (0 means the change is byte-identical). ``--cheaper`` times a cheaper
reading of the main text (trafilatura's ``fast`` mode: no readability/jusText
fallback) and counts the pages whose text it would change. On a busy machine, trust
the per-page minimum: ``--rounds`` measures each tree that many times, alternated.

    .venv/bin/python benchmarks/first_capture.py [--pages 100] [--repeat 3]
        [--against REV [--rounds 2]] [--cheaper] [--profile]

Always exits 0: this is a report.
"""

import argparse
import collections
import functools
import glob
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
STAGES = ("decode", "parse", "walls", "shell", "chrome", "main text", "normalize", "marker",
          "links", "other")


def _root_from_args():
    """The code tree to measure (``--root``), put first on sys.path before ``monitor`` is imported."""
    root = HERE.parent
    if "--root" in sys.argv:
        root = Path(sys.argv[sys.argv.index("--root") + 1])
    sys.path[:0] = [str(root), str(HERE)]
    return root


def corpora(count):
    import synthetic_site

    from monitor import demo

    class SmallSite(synthetic_site.Site):
        def size_target(self, number):
            return random.Random(f"{self.seed}:size:{number}").randint(18 * 1024, 24 * 1024)

    real = [Path(p).read_bytes() for p in sorted(glob.glob(str(HERE.parent / "tests/files/markers/*.html")))]
    site = SmallSite(count, seed=7)
    synthetic = [site.body(n) for n in range(count)]
    small = [demo.html(title, paragraph, marker or "").encode()
             for _, _, title, paragraph, marker in demo.PAGES.values()]
    return {"real": real, "synthetic": synthetic, "demo": small}


class Clock:
    """Exclusive CPU time per stage of the page being analysed, and its HTML parses."""

    def __init__(self):
        self.stack, self.times, self.parses = [], collections.Counter(), collections.Counter()

    def timed(self, stage, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            self.stack.append(0.0)
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.process_time() - started
                inner = self.stack.pop()
                self.times[stage] += elapsed - inner
                if self.stack:
                    self.stack[-1] += elapsed
        return wrapper

    def counted(self, kind, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            self.parses[kind] += 1
            return function(*args, **kwargs)
        return wrapper


def instrument(clock):
    """Wrap the stages where ``analyze`` looks them up (module attributes)."""
    import bs4
    import lxml.html

    from monitor.analysis import chrome, extract, links, markers, shell, walls

    for module, name, stage in ((extract, "decode_html", "decode"), (extract, "parse_html", "parse"),
                                (walls, "check", "walls"), (shell, "check", "shell"),
                                (chrome, "read", "chrome"), (chrome, "without", "chrome"),
                                (extract, "_main_text", "main text"), (extract, "normalize", "normalize"),
                                (markers, "find_marker", "marker"), (links, "extract", "links")):
        setattr(module, name, clock.timed(stage, getattr(module, name)))
    lxml.html.document_fromstring = clock.counted("lxml", lxml.html.document_fromstring)
    bs4.BeautifulSoup.__init__ = clock.counted("soup", bs4.BeautifulSoup.__init__)


def measure(pages, repeat):
    """Per corpus: per stage the per-page CPU ms (best of ``repeat`` per page), parses, digests."""
    from monitor import config
    from monitor.analysis import analyze
    from monitor.items import PageFetch

    source = config.Source(id="bench", country="Canada", title="Benchmark page",
                           url="http://127.0.0.1/p", kind="html", locale="en")

    def fetch(body):
        return PageFetch(source_id="bench", url=source.url, fetched_at="2026-11-27T10:00:00Z",
                         final_url=source.url, status=200,
                         headers={"Date": "Fri, 27 Nov 2026 10:00:00 GMT"},
                         content_type="text/html; charset=utf-8", body=body)

    clock = Clock()
    instrument(clock)
    found = corpora(pages)
    for bodies in found.values():  # first use of each language's dates is not a page's cost
        for body in bodies:
            analyze.analyze(fetch(body), source)
    results = {}
    for name, bodies in found.items():
        rows = []
        for body in bodies:
            best = None
            for _ in range(repeat):
                clock.times.clear()
                clock.parses.clear()
                started = time.process_time()
                seen = analyze.analyze(fetch(body), source)
                total = time.process_time() - started
                if best is None or total < best["total"]:
                    times = dict(clock.times)
                    times["other"] = total - sum(times.values())
                    best = {"total": total, "times": times, "parses": dict(clock.parses),
                            "digest": _digest(seen)}
            rows.append(best)
        results[name] = rows
    return results


def _digest(observation):
    marker = observation.marker.to_dict() if observation.marker else None
    text = json.dumps([observation.outcome, observation.text, marker, observation.error,
                       [repr(link) for link in observation.links or ()]],
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def cheaper(pages):
    """trafilatura's fast mode (no fallback extractors) beside today's reading: CPU and differences."""
    import trafilatura

    from monitor.analysis import extract

    rows = {}
    for name, bodies in corpora(pages).items():
        now_ms, fast_ms, differ = [], [], 0
        for body in bodies:
            html = extract.decode_html(body, "text/html; charset=utf-8")[0]
            tree = extract.parse_html(html).tree
            if tree is None:
                continue
            started = time.process_time()
            now = extract._main_text(html, tree)
            now_ms.append((time.process_time() - started) * 1000)
            started = time.process_time()
            fast = trafilatura.extract(tree, include_comments=False, include_tables=True,
                                       include_links=False, favor_recall=True, deduplicate=False,
                                       with_metadata=False, fast=True)
            if not fast or len(fast) < extract.MIN_MAIN_CHARS:
                fast = extract._fallback_text(extract._markup(tree))
            fast_ms.append((time.process_time() - started) * 1000)
            differ += extract.normalize(now) != extract.normalize(fast)
        rows[name] = {"pages": len(now_ms), "now": _spread(now_ms), "fast": _spread(fast_ms),
                      "differ": differ}
    return rows


def _spread(values):
    values = sorted(values)
    if not values:
        return (0.0, 0.0)
    return (statistics.median(values), values[min(len(values) - 1, int(0.9 * len(values)))])


def summary(results):
    """Per corpus: pages, (median, p90) ms of the whole analysis and of each stage, parses."""
    out = {}
    for name, rows in results.items():
        out[name] = {
            "pages": len(rows),
            "total": _spread([r["total"] * 1000 for r in rows]),
            "stages": {s: _spread([r["times"].get(s, 0) * 1000 for r in rows]) for s in STAGES},
            "means": {s: statistics.fmean(r["times"].get(s, 0) * 1000 for r in rows) for s in STAGES},
            "lxml": _spread([r["parses"].get("lxml", 0) for r in rows]),
            "soup": _spread([r["parses"].get("soup", 0) for r in rows]),
            "digests": [r["digest"] for r in rows],
        }
    return out


def show(label, figures):
    print(f"{label}: CPU ms per page, median / p90 (best of the repeats per page)")
    for name, row in figures.items():
        median, p90 = row["total"]
        print(f"  {name} ({row['pages']} pages): analysis {median:.1f} / {p90:.1f}; parses per page: "
              f"lxml {row['lxml'][0]:g} (p90 {row['lxml'][1]:g}), BeautifulSoup {row['soup'][0]:g} "
              f"(p90 {row['soup'][1]:g})")
        print("    " + "  ".join(f"{s} {m:.1f}/{p:.1f}" for s, (m, p) in row["stages"].items()))
        print("    mean: " + "  ".join(f"{s} {row['means'][s]:.1f}" for s in STAGES))


def measured(rev, args):
    """The measurement of revision ``rev``'s code (None: the working tree's), in a process of its own."""
    with tempfile.TemporaryDirectory(prefix="first-capture-") as folder:
        root = str(HERE.parent)
        if rev:
            archive = subprocess.run(["git", "-C", root, "archive", rev, "monitor"],
                                     check=True, capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
            root = folder
        out = subprocess.run([sys.executable, __file__, "--root", root, "--json", "--pages",
                              str(args.pages), "--repeat", str(args.repeat)],
                             check=True, capture_output=True, text=True,
                             env={**os.environ, "PYTHONHASHSEED": "0"}).stdout
    return json.loads(out)


def fastest(one, other):
    """Per page, the faster of two measurements (``one`` may be None)."""
    if one is None:
        return other
    return {name: [a if a["total"] <= b["total"] else b for a, b in zip(rows, other[name])]
            for name, rows in one.items()}


def main():
    root = _root_from_args()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=100, help="synthetic pages")
    parser.add_argument("--repeat", type=int, default=3, help="analyses per page; the fastest is kept")
    parser.add_argument("--against", metavar="REV", help="also measure git revision REV's code")
    parser.add_argument("--rounds", type=int, default=2,
                        help="with --against: measurements of each tree, alternated; per page the fastest")
    parser.add_argument("--cheaper", action="store_true", help="time trafilatura's fast mode beside it")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the real pages")
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.json:
        print(json.dumps(measure(args.pages, args.repeat)))
        return 0
    before = after = None
    if args.against:  # each tree in a process of its own, in turn: a busy minute hits both
        for _ in range(args.rounds):
            before = fastest(before, measured(args.against, args))
            after = fastest(after, measured(None, args))
        before, after = summary(before), summary(after)
    else:
        after = summary(measure(args.pages, args.repeat))
    print(f"load average {os.getloadavg()[0]:.1f}; code: {root}")
    if before:
        show(f"before ({args.against})", before)
    show("now" if not before else "after (working tree)", after)
    if before:
        print("before -> after, analysis median / p90 ms per page, and pages whose result differs:")
        for name, row in after.items():
            old = before[name]
            differ = sum(a != b for a, b in zip(old["digests"], row["digests"]))
            print(f"  {name}: {old['total'][0]:.1f} / {old['total'][1]:.1f} -> "
                  f"{row['total'][0]:.1f} / {row['total'][1]:.1f} "
                  f"(median x{row['total'][0] / old['total'][0]:.2f}); "
                  f"text, marker or links differ on {differ} of {row['pages']} pages")
    if args.cheaper:
        print("main text: today's trafilatura reading vs its fast mode (no fallback), CPU ms median / p90:")
        for name, row in cheaper(args.pages).items():
            print(f"  {name} ({row['pages']} pages): now {row['now'][0]:.1f} / {row['now'][1]:.1f}, "
                  f"fast {row['fast'][0]:.1f} / {row['fast'][1]:.1f}; text differs on "
                  f"{row['differ']} pages")
    if args.profile:
        import cProfile
        import pstats

        from monitor import config
        from monitor.analysis import analyze
        profile = cProfile.Profile()
        source = config.Source(id="b", country="Canada", title="b", url="http://127.0.0.1/p",
                               kind="html", locale="en")
        from monitor.items import PageFetch
        bodies = corpora(args.pages)["real"]
        profile.runcall(lambda: [analyze.analyze(PageFetch(
            source_id="b", url=source.url, fetched_at="2026-11-27T10:00:00Z", final_url=source.url,
            status=200, headers={}, content_type="text/html", body=b), source) for b in bodies])
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
