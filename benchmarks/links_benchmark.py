"""Links per version: the bytes a version's link set adds, and the time to read the links.

A page with 300 content links (a ministry's list of published records, each a PDF),
its navigation and footer, is analysed and stored with ``store.record_fetch``:
first as new, then with its text edited but every link the same, then with one
document link removed. For each version it reports the bytes the link set added
(``link_sets.stored_size`` of a new set, 0 when the version names the set stored
already) and what the version row's two link columns take. Then the time per page
for link extraction alone (``links.extract`` on the tree the analysis parsed already),
and for the whole analysis of the page (``analyze.read``: decode, parse, text, marker,
links), median of ``ROUNDS``.

    .venv/bin/python benchmarks/links_benchmark.py [LINKS]      (default 300)
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from monitor import store  # noqa: E402
from monitor.analysis import analyze, extract, links, rules  # noqa: E402
from monitor.config import Source  # noqa: E402
from monitor.items import PageFetch  # noqa: E402

ROUNDS = 200
URL = "https://www.example.gov/dialogue/records.html"


def page(count, drop=None, words="Records of the human rights dialogue"):
    """``count`` content links (half PDFs, half web pages); ``drop``: a PDF link left out."""
    items = "".join("<li>" + ("" if i == drop else f"<a href='/docs/round-{i}-summary.pdf'>Summary "
                              f"of round {i} ({2000 + i % 25})</a> ")
                    + f"<a href='/records/round-{i}.html'>About round {i}</a></li>" for i in range(count // 2))
    menu = "".join(f"<li><a href='/section-{i}/'>Section {i}</a></li>" for i in range(20))
    return (f"<html><head><title>Records</title></head><body><header><ul class='menu'>{menu}</ul>"
            f"</header><main><h1>{words}</h1><p>{words}: every round's summary as published.</p>"
            f"<ul>{items}</ul></main><footer><a href='/privacy'>Privacy</a> Last updated 2 March "
            "2024</footer></body></html>").encode("utf-8")


def fetch(body, second):
    return PageFetch(source_id="records", url=URL, fetched_at=f"2026-11-27T10:00:{second:02d}Z",
                     started_at=f"2026-11-27T10:00:{second:02d}.000Z", status=200,
                     content_type="text/html; charset=utf-8", body=body)


def stored(db, source, body, second):
    item = fetch(body, second)
    observation = analyze.read(item, source)
    before = set(db.execute("SELECT sha256 FROM link_sets").fetchall())
    store.record_fetch(db, item, observation, 3, rules=rules.of(source))
    kinds = [k for (k,) in db.execute("SELECT kind FROM events WHERE fetch_id = (SELECT max(id) "
                                      "FROM fetches) ORDER BY id").fetchall()]
    added = [r for r in db.execute("SELECT sha256, stored_size FROM link_sets").fetchall()
             if (r[0],) not in before]
    version = db.execute("SELECT links_sha256, links_rules FROM versions ORDER BY id DESC LIMIT 1").fetchone()
    return ", ".join(kinds), sum(size for _, size in added), sum(len(v or "") for v in version)


def median_ms(function):
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main(count=300):
    source = Source(id="records", country="Canada", title="Records", url=URL, kind="html", locale="en-CA")
    body = page(count)
    with tempfile.TemporaryDirectory() as folder:
        db = store.open_db(Path(folder) / "monitor.db")
        store.sync_sources(db, [source])
        rows = [("new page", *stored(db, source, body, 1)),
                ("text edited, links unchanged", *stored(db, source, page(count, words="Records, edited"), 2)),
                ("one document link removed", *stored(db, source, page(count, drop=7, words="Records, edited"), 3))]
    html = body.decode("utf-8")
    tree = extract.parse_html(html).tree
    found = links.extract(tree, URL)
    content = sum(1 for link in found if link.area == "content")
    print(f"page: {len(body):,} bytes, {len(found)} links ({content} content, "
          f"{len(found) - content} navigation)")
    print(f"{'version':32} {'events':50} {'link set bytes':>15} {'version columns':>16}")
    for what, kind, added, columns in rows:
        print(f"{what:32} {kind or '-':50} {added:>15,} {columns:>16}")
    extraction = median_ms(lambda: links.extract(tree, URL))
    whole = median_ms(lambda: analyze.read(fetch(body, 1), source))
    print(f"link extraction per page: {extraction:.2f} ms (median of {ROUNDS}); "
          f"whole analysis of the page: {whole:.1f} ms ({extraction / whole:.0%} of it)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
