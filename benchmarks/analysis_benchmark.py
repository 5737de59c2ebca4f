"""CPU per page of ``monitor.analysis.analyze.analyze`` on realistic pages, stage by stage.

Builds pages with ``synthetic_site.Site`` (20-200 KB, a ministry page: menu,
article, tables, footer with "Last updated"), edits some the way a change
round does, and times in this process (CPU time, best of ``--repeat`` runs):

    decode       extract.decode_html (bytes to text)
    parse        extract.parse_html (the one lxml parse, shared by the next two)
    main text    trafilatura's extraction of the parsed tree, before normalize
    normalize    extract.normalize
    find_marker  markers.find_marker on the parsed tree
    walls        walls.check (is it a sign-in page, a consent wall...?) on the parsed tree
    shell        shell.check (an empty page JavaScript fills in?) on the parsed tree
    links        links.extract (the page's links, chrome apart) from the parsed tree
    analyze      analyze.analyze, the whole thing (not the sum: it also checks soft 404s etc.)

    PYTHONPATH=. .venv/bin/python benchmarks/analysis_benchmark.py [--pages 50] [--repeat 3] [--profile]

Always exits 0: this is a report.
"""

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import synthetic_site  # noqa: E402

from monitor import config  # noqa: E402
from monitor.analysis import analyze, extract, links, markers, shell, walls  # noqa: E402
from monitor.items import PageFetch  # noqa: E402

SOURCE = config.Source(id="bench", country="Canada", title="Benchmark page", url="http://127.0.0.1/p",
                       kind="html", locale="en")


def pages(count, seed=7):
    """``count`` page bodies; a third edited once, a sixth twice, half with the marker moved."""
    site = synthetic_site.Site(count, seed=seed)
    for number in range(count):
        site.text_versions[number] = (number % 6 == 0) + (number % 3 == 0)
        site.marker_versions[number] = number % 2
    return [site.body(number) for number in range(count)]


def fetch(body):
    return PageFetch(source_id=SOURCE.id, url=SOURCE.url, fetched_at="2026-11-27T10:00:00Z",
                     final_url=SOURCE.url, status=200, headers={"Date": "Fri, 27 Nov 2026 10:00:00 GMT"},
                     content_type="text/html; charset=utf-8", body=body)


def stages(bodies):
    """(name, function over one body) for each stage, fed the earlier stages' output
    (computed once beforehand: neither trafilatura nor the marker search changes the tree)."""
    html = {id(b): extract.decode_html(b, "text/html; charset=utf-8")[0] for b in bodies}
    parsed = {id(b): extract.parse_html(html[id(b)]) for b in bodies}
    main = {id(b): extract._main_text(html[id(b)], parsed[id(b)].tree) for b in bodies}
    fetches = {id(b): fetch(b) for b in bodies}
    return [
        ("decode", lambda b: extract.decode_html(b, "text/html; charset=utf-8")),
        ("parse", lambda b: extract.parse_html(html[id(b)])),
        ("main text", lambda b: extract._main_text(html[id(b)], parsed[id(b)].tree)),
        ("normalize", lambda b: extract.normalize(main[id(b)])),
        ("find_marker", lambda b: markers.find_marker(html[id(b)], headers=fetches[id(b)].headers,
                                                      root=parsed[id(b)].document)),
        ("walls", lambda b: walls.check(html[id(b)], SOURCE.url, SOURCE.url, parsed[id(b)].tree)),
        ("shell", lambda b: shell.check(parsed[id(b)].tree)),
        ("links", lambda b: links.extract(parsed[id(b)].tree, SOURCE.url)),
        ("analyze", lambda b: analyze.analyze(fetches[id(b)], SOURCE)),
    ]


def cpu_ms_per_page(function, bodies, repeat):
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        for body in bodies:
            function(body)
        best = min(best, time.process_time() - started)
    return best / len(bodies) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3, help="runs per stage; the best is kept")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of analyze")
    args = parser.parse_args()
    bodies = pages(args.pages)
    analyze.analyze(fetch(bodies[0]), SOURCE)  # first-use set-up (dateparser, regexes) is not timed
    print(f"{len(bodies)} pages, mean {sum(map(len, bodies)) / len(bodies) / 1024:.1f} KB; "
          f"CPU ms per page, best of {args.repeat}:")
    figures = {name: cpu_ms_per_page(function, bodies, args.repeat) for name, function in stages(bodies)}
    for name, ms in figures.items():
        print(f"  {name:<12} {ms:7.2f}")
    print(f"  {'(sum)':<12} {sum(ms for name, ms in figures.items() if name != 'analyze'):7.2f}"
          "  (of the stages above analyze)")
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(lambda: [analyze.analyze(fetch(b), SOURCE) for b in bodies])
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
