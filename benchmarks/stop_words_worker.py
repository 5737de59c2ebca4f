"""The first short pages an analysis worker reads (monitor.analysis.stop_words, session 17).

Imports what the fork server imports (monitor.fetch.preload), freezes the collector and
forks, as monitor.fetch.analysis_pool makes its workers; the child reads a short page
(one that trafilatura hands to jusText), then ten more, and prints its CPU seconds.
To compare with an older revision, give a git worktree of it:

    .venv/bin/python benchmarks/stop_words_worker.py .
    .venv/bin/python benchmarks/stop_words_worker.py /tmp/worktree-of-cfae9a1
"""

import gc
import os
import sys
import time

sys.path[:0] = [sys.argv[1] if len(sys.argv) > 1 else "."]

import monitor.fetch.preload  # noqa: E402, F401 - what the fork server has imported
from monitor.analysis import analyze  # noqa: E402
from monitor.config import Source  # noqa: E402
from monitor.items import PageFetch  # noqa: E402

SOURCE = Source(id="s", country="Canada", title="t", url="http://x/", kind="html", locale="en")


def fetch(number):
    html = (f"<html><body><main><h1>Dialogue</h1><p>Round {number} was held in Ottawa; "
            f"report {number} published.</p></main></body></html>")
    return PageFetch("s", "http://x/", "2024-01-01T00:00:00Z", status=200, body=html.encode(),
                     content_type="text/html; charset=utf-8")


def worker():
    started = time.process_time()
    analyze.analyze(fetch(1), SOURCE)
    first = time.process_time() - started
    started = time.process_time()
    for number in range(2, 12):
        analyze.analyze(fetch(number), SOURCE)
    print(f"{sys.path[0]}: first short page {first:.3f} s, the next ten "
          f"{time.process_time() - started:.3f} s of CPU", flush=True)


def main():
    gc.freeze()  # as analysis_pool does before it forks its workers
    pid = os.fork()
    if pid == 0:
        try:
            worker()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
