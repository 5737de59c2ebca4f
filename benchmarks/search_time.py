"""How long the site's search takes on a database (issue 27: the index of lines without
positions checks each candidate's lines): the canned query ``search`` of
db/metadata.yaml, run on one connection with the plugin's SQL functions, best of three
per search, with the pages found.

    .venv/bin/python benchmarks/search_time.py DB "words" ["other words" ...]

DB: a database of dialogue-watch's (e.g. the one ``site_benchmark.py`` builds, or a
copy of ``vs_urlwatch.py``'s). To measure an older revision, run this from a git
worktree of it with the worktree first on PYTHONPATH (its metadata.yaml and plugin are
the ones used). A report, not a test.
"""

import argparse
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.getcwd())

import yaml  # noqa: E402

from monitor import files  # noqa: E402
from monitor.publish import datasette_plugin  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("words", nargs="+")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    conn = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    datasette_plugin.prepare_connection(conn, datasette_plugin.DATABASE)
    conn.set_authorizer(None)
    metadata = yaml.safe_load((files.data_dir() / "metadata.yaml").read_text(encoding="utf-8"))
    sql = metadata["databases"][datasette_plugin.DATABASE]["queries"]["search"]["sql"]
    for words in args.words:
        best, rows = None, []
        for _ in range(args.repeat):
            started = time.perf_counter()
            rows = conn.execute(sql, {"q": words}).fetchall()
            best = min(best or 1e9, time.perf_counter() - started)
        print(f"{words!r:32} {best * 1000:7.0f} ms  pages found {rows[0][8] if rows else 0:,}"
              f"{' or more' if rows and rows[0][9] else ''}")


if __name__ == "__main__":
    main()
