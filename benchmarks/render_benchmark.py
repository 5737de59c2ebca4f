"""Rendered pages (``render: browser``) against plain fetching of the same pages (issue 15).

Serves N pages built by JavaScript after load (an empty ``<div id="root">``, a
bundle that writes the text and its "last updated" line 100 ms after load) from a
``monitor.replica.Replica`` on 127.0.0.1, and crawls them with
``monitor.fetch.crawler.crawl`` on a fresh database each time:

    plain                    every page fetched plainly: each is a JavaScript shell
                             (a failed check and a needs_browser problem)
    rendered                 render: browser, with a full-page screenshot per page
    rendered, no screenshot  render: browser, screenshot: false

For each: wall time of the whole crawl (the crawl child's start and Chromium's launch
included; the fork server is started by a 1-page crawl before) and per page, and the peak resident memory of the crawl's process tree
(the fork server, the crawl process, its analysis workers, the Playwright driver
and every Chromium process), sampled every 50 ms with psutil if it is installed,
else from /proc. The delay between requests to the site is 0 (one local site).

    .venv/bin/python benchmarks/render_benchmark.py            # 50 pages
    .venv/bin/python benchmarks/render_benchmark.py --pages 10

Figures on the 2-core development machine (50 pages, Debian's Chromium, the machine
shared with other work: load average about 7), one run:

    mode                     total s  ms/page  peak RSS MB  of it Chromium  peak PSS MB
    plain                        0.9       18          311               0          128
    rendered                    41.2      824         1514             916          760
    rendered, no screenshot     34.1      683         1490             891          743

Other runs gave 0.73 to 0.86 s per rendered page (screenshot included) and 33 to 41 ms
per plain fetch (before the fork-server warm-up was added); peak memory moved by less
than 2%. A rendered page costs 20 to 40 times a plain fetch's time (the browser waits
until the network has been idle for 500 ms, and each page gets a fresh context), and
the crawl's memory grows by about 630 MB (PSS) while Chromium runs. RSS counts the
memory Chromium's processes share once per process, so the RSS sum overstates it.
"""

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path

import yaml

from monitor import config
from monitor.fetch import browser, crawler
from monitor.replica import Replica

SHELL = """<!doctype html>
<html><head><meta charset="utf-8"><title>Portal {n}</title></head>
<body><noscript>You need to enable JavaScript to run this app.</noscript>
<div id="root"></div><script src="/static/bundle-{n}.js"></script></body></html>"""
BUNDLE = """setTimeout(function () {{
  var p = '';
  for (var i = 0; i < 12; i++) {{ p += '<p>Paragraph ' + i + ' of page {n}: the delegations ' +
    'discussed freedom of expression, arbitrary detention and minority rights.</p>'; }}
  document.getElementById('root').innerHTML = '<main><h1>Dialogue round {n}</h1>' + p +
    '<p>Last updated: 12 March 2024</p></main>';
}}, 100);"""
MODES = {"plain": {}, "rendered": {"render": "browser"},
         "rendered, no screenshot": {"render": "browser", "screenshot": False}}


def serve(pages):
    replica = Replica()
    for n in range(pages):
        replica.set(f"/page/{n}", SHELL.format(n=n))
        replica.set(f"/static/bundle-{n}.js", BUNDLE.format(n=n),
                    content_type="application/javascript")
    return replica


def write_sources(folder, replica, pages, extra):
    sources = [{"id": f"page-{n}", "country": "Canada", "title": f"Page {n}", "kind": "html",
                "url": replica.url(f"/page/{n}"), **extra} for n in range(pages)]
    document = {"settings": {"delay_seconds": 0, "timeout_seconds": 30, "retries": 1,
                             "contact": "render benchmark <bench@example.org>"},
                "defaults": {"stale_after": "never"}, "sources": sources}
    path = Path(folder) / "sources.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return config.load(path)


class PeakMemory:
    """Samples the resident memory of this process's descendants (not itself): RSS
    (which counts the pages Chromium's processes share once per process) and PSS
    (each shared page divided among its sharers: the memory really used)."""

    def __init__(self, every=0.05):
        self.every, self.peak, self.peak_chromium, self.peak_pss = every, 0, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        me = os.getpid()
        while not self._stop.is_set():
            tree = [(pid, name, rss) for pid, name, rss in _tree(me) if pid != me]
            self.peak = max(self.peak, sum(rss for _, _, rss in tree))
            self.peak_chromium = max(self.peak_chromium, sum(
                rss for _, name, rss in tree if name.startswith("chrom")))
            self.peak_pss = max(self.peak_pss, sum(_pss(pid) for pid, _, _ in tree))
            self._stop.wait(self.every)


def _pss(pid):
    """Proportional set size (bytes) of ``pid``, from /proc/PID/smaps_rollup; 0 if gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _tree(root):
    try:
        import psutil
    except ImportError:
        return browser.process_tree(root)
    try:
        top = psutil.Process(root)
        found = [top, *top.children(recursive=True)]
    except psutil.Error:
        return []
    rows = []
    for process in found:
        try:
            rows.append((process.pid, process.name(), process.memory_info().rss))
        except psutil.Error:
            pass
    return rows


def run(mode, pages, replica):
    with tempfile.TemporaryDirectory() as folder:
        cfg = write_sources(folder, replica, pages, MODES[mode])
        started = time.perf_counter()
        with PeakMemory() as memory:
            _, results = crawler.crawl(cfg, Path(folder) / "monitor.db")
        seconds = time.perf_counter() - started
    outcomes = {}
    for row in results:
        key = f"{row['outcome']}/{row['event'] or '-'}"
        outcomes[key] = outcomes.get(key, 0) + 1
    return {"mode": mode, "seconds": seconds, "per_page_ms": 1000 * seconds / pages,
            "peak_mb": memory.peak / 2**20, "chromium_peak_mb": memory.peak_chromium / 2**20,
            "peak_pss_mb": memory.peak_pss / 2**20,
            "outcomes": outcomes}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    args = parser.parse_args()
    replica = serve(args.pages)
    try:
        run("plain", 1, replica)  # starts the crawl's fork server, outside the figures
        rows = [run(mode, args.pages, replica) for mode in MODES]
    finally:
        replica.close()
    print(f"{args.pages} pages built by JavaScript, served on 127.0.0.1, delay 0")
    print(f"{'mode':<26}{'total s':>9}{'ms/page':>9}{'peak RSS MB':>13}{'of it Chromium':>16}"
          f"{'peak PSS MB':>13}  outcomes")
    for row in rows:
        print(f"{row['mode']:<26}{row['seconds']:>9.1f}{row['per_page_ms']:>9.0f}"
              f"{row['peak_mb']:>13.0f}{row['chromium_peak_mb']:>16.0f}{row['peak_pss_mb']:>13.0f}"
              f"  {row['outcomes']}")


if __name__ == "__main__":
    main()
