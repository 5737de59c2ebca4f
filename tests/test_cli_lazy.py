"""A command imports only what it runs (issue 27): `dialogue-watch --help` lists every
command from ``monitor.cli.base.COMMANDS`` without importing one, and the commands that
only read (`status`, `sources check`) start without Scrapy, the analysis or Datasette."""

import importlib
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

from monitor import store
from monitor.cli import base

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("scrapy", "twisted", "trafilatura", "datasette", "playwright", "pypdf", "apscheduler",
         "lxml", "bs4", "soupsieve")

# Runs the command in a fresh interpreter, then prints its output and the heavy modules
# it imported as JSON on the last line.
PROBE = """
import contextlib, io, json, sys
from monitor.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        main(sys.argv[1:])
    except SystemExit as stop:
        code = stop.code
    else:
        code = 0
heavy = sorted(m for m in sys.modules if m.split(".")[0] in %r)
print(json.dumps({"output": out.getvalue(), "code": code, "heavy": heavy}))
""" % (HEAVY,)


def _probe(*args, cwd=ROOT):
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "COLUMNS": "100"})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


# A fresh interpreter that has imported what the crawl's fork server imports
PRELOADED = "from monitor.fetch import forking\nfor name in forking.PRELOAD: __import__(name)\n"


def _fresh(code, timeout=300):
    """The standard output of ``code`` run in a fresh interpreter from the project's root."""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _command_modules():
    return sorted(path.stem for path in (ROOT / "monitor" / "cli").glob("*.py")
                  if path.stem not in ("__init__", "__main__", "base"))


def test_the_table_names_every_command_its_module_and_its_help():
    for name in _command_modules():
        importlib.import_module(f"monitor.cli.{name}")
    assert set(base.cli.commands) == set(base.COMMANDS)
    for name, command in base.cli.commands.items():
        module, first_paragraph = base.COMMANDS[name]
        assert command.callback.__module__ == f"monitor.cli.{module}", name
        written = inspect.cleandoc(command.help).split("\n\n")[0]
        assert " ".join(written.split()) == first_paragraph, name


def test_help_lists_every_command_as_its_own_help_says_without_importing_it():
    shown = _probe("--help")
    assert shown["code"] == 0 and shown["heavy"] == []
    lines = shown["output"].split("Commands:\n")[1].splitlines()
    assert [line.split()[0] for line in lines if line.startswith("  ") and not line.startswith("   ")] \
        == sorted(base.COMMANDS)
    # the same help, byte for byte, once every command's module is loaded
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys; import monitor.cli as c; from monitor.cli import base\n"
         "[__import__('monitor.cli.' + m) for m, _ in base.COMMANDS.values()]\n"
         "assert len(c.cli.commands) == len(base.COMMANDS)\n"
         "c.main(['--help'])"], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "COLUMNS": "100"})
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout == shown["output"]


def test_a_command_is_loaded_when_called_and_an_unknown_one_is_refused():
    shown = _probe("sources", "--help")
    assert shown["code"] == 0 and "check" in shown["output"] and shown["heavy"] == []
    refused = subprocess.run([sys.executable, "-m", "monitor", "crawll"], cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "No such command 'crawll'" in refused.stderr


def test_status_and_sources_check_import_no_crawler_no_analysis_no_web_server(tmp_path):
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - id: canada-relations-2002\n    country: Canada\n    title: A page\n"
        "    kind: html\n    url: http://127.0.0.1:9/relations\n"
        "    ignore: ['/Page views: \\\\d+/']\n")
    store.open_db(tmp_path / "monitor.db").close()
    args = ("--sources", str(tmp_path / "sources.yaml"), "--db", str(tmp_path / "monitor.db"))
    status = _probe(*args, "status")
    assert status["code"] == 0 and status["heavy"] == []
    assert "canada-relations-2002" in status["output"] and "Scheduler: not running" in status["output"]
    checked = _probe(*args, "sources", "check")
    assert checked["code"] == 0 and checked["heavy"] == []
    assert "1 sources for 1 countries, all valid" in checked["output"]


def test_the_command_that_crawls_imports_neither_scrapy_nor_the_analysis(tmp_path):
    """Only the fork server and the crawl process import them (monitor.fetch.crawler)."""
    (tmp_path / "sources.yaml").write_text(  # no retries, no pause: a refused page at once
        "settings:\n  retries: 0\n  delay_seconds: 0\n  timeout_seconds: 5\n"
        "sources:\n  - id: canada-relations-2002\n    country: Canada\n    title: A page\n"
        "    kind: html\n    url: http://127.0.0.1:9/relations\n")
    crawled = _probe("--sources", str(tmp_path / "sources.yaml"), "--db", str(tmp_path / "monitor.db"),
                     "crawl", "-q")
    assert crawled["code"] == 2 and "Checked 1 page(s): 1 failed" in crawled["output"]  # refused
    assert [m for m in crawled["heavy"] if m.split(".")[0] != "lxml"] == []
    assert store.open_db(tmp_path / "monitor.db").execute(
        "SELECT outcome FROM fetches").fetchall() == [("error",)]


def test_the_fork_server_imports_every_scrapy_component_a_crawl_builds_and_no_reactor():
    """A crawl process forked from the server imports nothing more before it fetches; the
    reactor stays the crawl's to install (TWISTED_REACTOR)."""
    out = _fresh("import sys\n" + PRELOADED + "from monitor.fetch import preload\n"
                 "paths = preload.component_paths(preload._settings())\n"
                 "missing = [p for p in paths if p.rsplit('.', 1)[0] not in sys.modules]\n"
                 "print(len(paths), missing, 'twisted.internet.reactor' in sys.modules)")
    count, rest = out.split(" ", 1)
    assert int(count) > 30 and rest.strip() == "[] False"


def test_the_fork_server_builds_the_reading_once_for_every_crawl_process():
    """The server reads a sample page when it starts (monitor.fetch.preload.warm_analysis):
    a crawl process forked from it finds dateparser's parser and time-zone patterns built
    (each cost a worker 0.2-0.3 s of CPU at its first date in words; the commit measures
    it), and reading a page builds none of them again."""
    out = _fresh(PRELOADED + "from dateparser import timezone_parser\n"
                 "from monitor.analysis import dates\nfrom monitor.fetch import preload\n"
                 "def built():\n"
                 "    return (dates._dateparser.cache_info().misses,\n"
                 "            timezone_parser._build_tz_regexes.cache_info().misses)\n"
                 "before = built()\nobservation = preload.warm_analysis()\n"
                 "print(before, built(), observation.marker.date)")
    assert out.strip() == "(1, 1) (1, 1) 2024-03-03"  # built by the preload, then reused


def test_a_plain_fetch_that_fails_is_told_without_importing_playwright():
    """Only a crawl that rendered a page in the browser can have a browser error."""
    out = _fresh("import sys\nfrom types import SimpleNamespace\n"
                 "from twisted.python.failure import Failure\nfrom monitor.fetch import browser\n"
                 "try:\n    raise ConnectionRefusedError('refused')\n"
                 "except ConnectionRefusedError:\n    failure = Failure()\n"
                 "failure.request = SimpleNamespace(meta={})\n"
                 "print(browser.describe_failure(failure))\nprint('playwright' in sys.modules)",
                 timeout=120)
    assert out.splitlines() == ["the site refused the connection", "False"]


# Runs the crawl command with forking.start_early watched: was it called, and had the
# command imported the crawl's own code by then?
EARLY = """
import json, sys
from monitor.fetch import forking
seen = []
started = forking.start_early
def watched():
    seen.append("monitor.fetch.crawler" in sys.modules)
    started()
forking.start_early = watched
from monitor import cli
try:
    cli.main(sys.argv[1:])
except SystemExit as stop:
    print(json.dumps({"code": stop.code, "crawler_imported_first": seen}))
"""


def test_the_crawl_command_starts_its_fork_server_first_unless_the_database_is_busy(tmp_path):
    """The server's imports (about a second) run beside the command's own (issue 27); a
    command refused by the database's lock starts none."""
    from monitor.fetch import locks

    sources = tmp_path / "sources.yaml"
    sources.write_text("settings:\n  retries: 0\n  delay_seconds: 0\n"
                       "sources:\n  - id: canada-relations-2002\n    country: Canada\n    title: A page\n"
                       "    kind: html\n    url: http://127.0.0.1:9/relations\n")
    command = ["--sources", str(sources), "--db", str(tmp_path / "monitor.db"), "crawl", "-q"]

    def crawl():
        done = subprocess.run([sys.executable, "-c", EARLY, *command], cwd=ROOT, capture_output=True,
                              text=True, timeout=120)
        return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr

    free, _ = crawl()
    assert free["code"] == 2  # the page refused the connection: "some pages failed"
    # first before the crawl code, then again (already up: nothing) where the crawl takes the lock
    assert free["crawler_imported_first"] == [False, True]
    with locks.database_lock(tmp_path / "monitor.db", "a test"):
        busy, said = crawl()
    assert busy == {"code": 4, "crawler_imported_first": []} and "a test" in said
