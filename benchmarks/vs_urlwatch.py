"""dialogue-watch beside urlwatch and bare Scrapy, round by round (issue 27).

The same N pages (``synthetic_site.Site``, resized to about 21 KB each: a
ministry page's menu, article and footer) are written to files and served by
nginx (Debian's ``nginx-light``; installed with apt-get when missing) on 16
loopback addresses, 127.0.0.1 to 127.0.0.16, one port: page n lives on
address n % 16 + 1. nginx answers If-None-Match / If-Modified-Since with 304
itself. Three commands crawl them, each as its user runs it, in a process of
its own (wall time of the whole command, start-up included):

    dialogue-watch   .venv/bin/dialogue-watch --sources S --db D crawl -q
    urlwatch         urlwatch 2.29 with its SQLite cache, in its own virtualenv
                     (benchmarks/.venv-urlwatch, made with pip on first use)
    bare Scrapy      benchmarks/bare_spider.py: dialogue-watch's requests and
                     settings, stores nothing, sends no conditional request

Rounds, each command in turn (the order alternates from one repetition to the
next, so that both see the same machine), medians of the repetitions and of
the ratios taken pair by pair (dialogue-watch / urlwatch in the same
repetition):

    first    every page new: a fresh database / cache per repetition
    change   100 pages of 2,000 (5%) edited before each repetition; six
             repetitions, so the database and the cache hold the first
             capture and six change rounds when their sizes are taken
    steady   nothing edited, every page answers 304
    one page a crawl of one page that answers 304 (the fixed cost of a crawl)

Peak memory is the largest peak (VmHWM) of any process of the command's tree,
read from /proc every 50 ms; ``uptime``'s load average is recorded next to
every figure (the machine is shared).

    .venv/bin/python benchmarks/vs_urlwatch.py                  # 2,000 pages, 5 repetitions
    .venv/bin/python benchmarks/vs_urlwatch.py --pages 300 --repeat 3   # a quick run
    .venv/bin/python benchmarks/vs_urlwatch.py --table benchmarks/vs_urlwatch_results.json

Linux only. Writes every raw figure to benchmarks/vs_urlwatch_results.json
and prints the table for RESULTS.md and docs/performance.md.
"""

import argparse
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
sys.path[:0] = [str(ROOT), str(BENCH)]

import synthetic_site  # noqa: E402
from tests import bytecode  # noqa: E402
import yaml  # noqa: E402

HOSTS = 16
PAGE_KB = (18, 24)  # uniform: 21 KB on average, like the pages of the run
URLWATCH_VERSION = "2.29"
URLWATCH_VENV = BENCH / ".venv-urlwatch"
PYTHON = ROOT / ".venv" / "bin" / "python"
DIALOGUE_WATCH = ROOT / ".venv" / "bin" / "dialogue-watch"
TOOLS = ("dialogue-watch", "urlwatch", "bare Scrapy")
CHANGE_ROUNDS = 6
KB, MB = 1024, 1024 * 1024


class SmallSite(synthetic_site.Site):
    """synthetic_site's pages, cut to about 21 KB."""

    def size_target(self, number):
        return random.Random(f"{self.seed}:size:{number}").randint(PAGE_KB[0] * KB, PAGE_KB[1] * KB)


# -- the web server -----------------------------------------------------------


class Nginx:
    """nginx serving ``folder/p/<n>`` on 127.0.0.1..127.0.0.HOSTS, one port."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.port = _free_port()
        conf = self.folder / "nginx.conf"
        conf.write_text(_nginx_conf(self.folder, self.port))
        self.process = subprocess.Popen([_nginx(), "-c", str(conf), "-p", str(self.folder)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _wait_for_port("127.0.0.1", self.port, self.process)

    def url(self, number):
        return f"http://127.0.0.{number % HOSTS + 1}:{self.port}/p/{number}"

    def close(self):
        self.process.send_signal(signal.SIGQUIT)  # graceful: workers finish, then exit
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _nginx():
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if found:
        return found
    _say("nginx is missing: installing Debian's nginx-light with apt-get")
    subprocess.run(["apt-get", "install", "-y", "-qq", "nginx-light"], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    return shutil.which("nginx") or "/usr/sbin/nginx"


def _nginx_conf(folder, port):
    listens = "".join(f"    listen 127.0.0.{host}:{port};\n" for host in range(1, HOSTS + 1))
    # root: the pages are in a private temporary folder; one worker: the machine has 2 cores
    return f"""daemon off;
master_process on;
worker_processes 1;
user root;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path {folder}/tmp;
  proxy_temp_path {folder}/tmp;
  fastcgi_temp_path {folder}/tmp;
  uwsgi_temp_path {folder}/tmp;
  scgi_temp_path {folder}/tmp;
  default_type text/html;
  charset utf-8;
  # If-Modified-Since as the RFC reads it (not modified since that time: 304), not nginx's
  # default "exact": urlwatch sends the time of its last check there, and with "exact"
  # nginx answered it 200 with the whole page for every unchanged page
  if_modified_since before;
  server {{
{listens}    root {folder}/www;
    location / {{ }}
  }}
}}
"""


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(host, port, process, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx stopped: {process.stderr.read().decode(errors='replace')}")
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nginx did not answer on {host}:{port}")


class Pages:
    """The site's pages as files nginx serves; an edit rewrites a file with a new mtime
    (nginx's ETag is mtime-size, so an edited page always gets a new one)."""

    def __init__(self, count, folder):
        self.site = SmallSite(count)
        self.folder = Path(folder) / "www" / "p"
        self.folder.mkdir(parents=True)
        (Path(folder) / "tmp").mkdir()
        self.clock = time.time() - 86400 * 30
        for number in range(count):
            self._write(number)

    def _write(self, number):
        path = self.folder / str(number)
        path.write_bytes(self.site.body(number))
        os.utime(path, (self.clock, self.clock))

    def edit(self, round_number, share):
        """Edit ``share`` of the pages; return how many."""
        self.clock += 3600
        changed = self.site.change(round_number, share)
        for number, _, _ in changed:
            self._write(number)
        return len(changed)

    def mean_kb(self):
        sizes = [path.stat().st_size for path in self.folder.iterdir()]
        return sum(sizes) / len(sizes) / KB


# -- the three commands -------------------------------------------------------


def urlwatch_ready():
    """urlwatch in benchmarks/.venv-urlwatch (made with pip on first use)."""
    command = URLWATCH_VENV / "bin" / "urlwatch"
    if not command.exists():
        _say(f"installing urlwatch {URLWATCH_VERSION} into {URLWATCH_VENV}")
        subprocess.run([sys.executable, "-m", "venv", str(URLWATCH_VENV)], check=True)
        (URLWATCH_VENV / ".gitignore").write_text("*\n")  # never committed
        subprocess.run([str(URLWATCH_VENV / "bin" / "pip"), "install", "-q",
                        f"urlwatch=={URLWATCH_VERSION}"], check=True)
    return command


class Workspace:
    """One tool's state (database or cache) and the command that crawls with it."""

    def __init__(self, tool, folder, sources_path, urls_path):
        self.tool, self.folder = tool, Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.sources_path, self.urls_path = sources_path, urls_path
        self.db = self.folder / ("cache.db" if tool == "urlwatch" else "monitor.db")

    def command(self):
        if self.tool == "dialogue-watch":
            return [str(DIALOGUE_WATCH), "--sources", str(self.sources_path), "--db", str(self.db),
                    "crawl", "-q"]
        if self.tool == "urlwatch":
            config = self.folder / "urlwatch.yaml"
            if not config.exists():
                config.write_text(yaml.safe_dump(_urlwatch_config()))
            return [str(urlwatch_ready()), "--urls", str(self.urls_path), "--config", str(config),
                    "--cache", str(self.db), "--hooks", str(self.folder / "hooks.py")]
        return [str(PYTHON), str(Path(__file__).resolve()), "--bare", str(self.sources_path)]

    def environment(self):
        # urlwatch writes into XDG folders; keep everything in the workspace
        return {**os.environ, "HOME": str(self.folder), "XDG_CONFIG_HOME": str(self.folder / "config"),
                "XDG_CACHE_HOME": str(self.folder / "cache")}

    def size(self):
        """Bytes of the database or cache file (after a WAL checkpoint), and in use."""
        if not self.db.exists():
            return {"file": 0, "used": 0}
        connection = sqlite3.connect(self.db)
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        free = connection.execute("PRAGMA freelist_count").fetchone()[0] * page_size
        connection.close()
        size = self.db.stat().st_size
        return {"file": size, "used": size - free}

    def tables(self):
        connection = sqlite3.connect(self.db)
        try:
            return dict(connection.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name "
                                           "ORDER BY 2 DESC"))
        finally:
            connection.close()


def _urlwatch_config():
    """urlwatch's own defaults, but the report to stdout only (its text, no colour)."""
    return {"display": {"new": True, "error": True, "unchanged": False, "empty-diff": True},
            "report": {"text": {"line_length": 75, "details": True, "footer": True, "minimal": False,
                                "separate": False},
                       "stdout": {"enabled": True, "color": False}},
            "job_defaults": {"all": {}, "shell": {}, "url": {}, "browser": {}}}


def run(workspace):
    """Run the workspace's command once: wall seconds, CPU seconds, peak MB, exit code."""
    load = os.getloadavg()[0]
    started = time.perf_counter()
    process = subprocess.Popen(workspace.command(), cwd=workspace.folder, env=workspace.environment(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peaks = _watch_memory(process.pid)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    peaks["stop"] = True
    error = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):  # 1: dialogue-watch's "some page failed"
        _say(f"{workspace.tool} exited {process.returncode}: {error[-2000:]}")
    return {"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "peak_mb": max(peaks["mb"], usage.ru_maxrss / KB), "exit": process.returncode,
            "load": load}


def _watch_memory(root_pid, every=0.05):
    """Sample the peak memory (VmHWM) of every process under ``root_pid`` until stopped."""
    peaks = {"mb": 0.0, "stop": False}

    def sample():
        while not peaks["stop"]:
            for pid in _tree(root_pid):
                try:
                    with open(f"/proc/{pid}/status", encoding="ascii") as status:
                        hwm = next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)
                except OSError:
                    continue
                peaks["mb"] = max(peaks["mb"], hwm / KB)
            time.sleep(every)

    threading.Thread(target=sample, daemon=True).start()
    return peaks


def _tree(root_pid):
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, grown = {root_pid}, True
    while grown:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grown = bool(more)
    return tree


def bare_main(sources_path):
    """The bare Scrapy crawl (``--bare``): every page of sources.yaml, no conditions."""
    import bare_spider

    from monitor import config
    from monitor.fetch.settings import crawl_settings

    cfg = config.load(sources_path)
    bare_spider.run([{"id": s.id, "url": s.url} for s in cfg.sources], crawl_settings(cfg))


# -- the rounds ---------------------------------------------------------------


def _write_job_lists(site, count, folder):
    sources = [{"id": f"canada-global-affairs-dialogue-{n:05d}", "country": "Canada", "title": f"Page {n}",
                "kind": "html", "url": site.url(n)} for n in range(count)]
    settings = {"delay_seconds": 0, "concurrent_requests": HOSTS, "retries": 1, "timeout_seconds": 60,
                "contact": "benchmark <bench@example.org>"}
    Path(folder).mkdir(parents=True, exist_ok=True)
    sources_path = Path(folder) / "sources.yaml"
    sources_path.write_text(yaml.safe_dump({"settings": settings, "sources": sources}, sort_keys=False))
    urls_path = Path(folder) / "urls.yaml"
    urls_path.write_text(yaml.safe_dump_all([{"name": s["id"], "url": s["url"]} for s in sources]))
    return sources_path, urls_path


def _in_turn(repetition, tools=TOOLS):
    return tools if repetition % 2 == 0 else tuple(reversed(tools))


def measure(count, repeat, folder):
    """Every round's figures for N pages."""
    folder = Path(folder)
    pages = Pages(count, folder)
    server = Nginx(folder)
    urlwatch_ready()
    try:
        sources_path, urls_path = _write_job_lists(server, count, folder)
        one_sources, one_urls = _write_job_lists(server, 1, folder / "one")
        figures = {"pages": count, "page_kb": pages.mean_kb(), "repeat": repeat, "rounds": {}}
        spaces = {}
        figures["rounds"]["first"] = []
        for repetition in range(repeat):
            spaces = {tool: Workspace(tool, folder / f"first{repetition}" / tool, sources_path, urls_path)
                      for tool in TOOLS}
            figures["rounds"]["first"].append(_one_repetition(spaces, repetition, "first"))
        figures["rounds"]["change"] = []
        for repetition in range(CHANGE_ROUNDS):
            edited = pages.edit(repetition + 1, 100 / 2000)
            figures["rounds"]["change"].append(_one_repetition(spaces, repetition, f"change ({edited} edited)"))
        figures["sizes"] = {tool: spaces[tool].size() for tool in ("dialogue-watch", "urlwatch")}
        figures["tables"] = {tool: spaces[tool].tables() for tool in ("dialogue-watch", "urlwatch")}
        _say(f"sizes after first + {CHANGE_ROUNDS} change rounds: {figures['sizes']}")
        figures["rounds"]["steady"] = [_one_repetition(spaces, r, "steady") for r in range(repeat)]
        one = {tool: Workspace(tool, folder / "one" / tool, one_sources, one_urls) for tool in TOOLS}
        _one_repetition(one, 0, "one page, first capture (not counted)")
        figures["rounds"]["one page"] = [_one_repetition(one, r, "one page") for r in range(repeat)]
        figures["help"] = [_help_seconds() for _ in range(repeat)]
    finally:
        server.close()
    return figures


def _one_repetition(spaces, repetition, label):
    figures = {}
    for tool in _in_turn(repetition, tuple(spaces)):
        figures[tool] = run(spaces[tool])
    _say(f"{label:<28} " + "  ".join(f"{tool} {f['seconds']:6.2f} s {f['peak_mb']:5.0f} MB"
                                       for tool, f in figures.items())
         + f"  load {figures[TOOLS[0]]['load']:.2f}")
    return figures


def _help_seconds():
    started = time.perf_counter()
    subprocess.run([str(DIALOGUE_WATCH), "--help"], stdout=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


# -- the report ---------------------------------------------------------------


def summarise(figures):
    """Medians per round and tool, and the medians of the ratios taken pair by pair."""
    rounds = {}
    for name, repetitions in figures["rounds"].items():
        row = {}
        for tool in TOOLS:
            row[tool] = {key: statistics.median(r[tool][key] for r in repetitions)
                         for key in ("seconds", "cpu_seconds", "peak_mb", "load")}
        row["dw/urlwatch"] = statistics.median(r["dialogue-watch"]["seconds"] / r["urlwatch"]["seconds"]
                                               for r in repetitions)
        row["dw/bare"] = statistics.median(r["dialogue-watch"]["seconds"] / r["bare Scrapy"]["seconds"]
                                           for r in repetitions)
        row["count"] = len(repetitions)
        rounds[name] = row
    return rounds


ROUND_WORDS = {"first": "first capture ({n:,} new pages)", "steady": "steady state (every page answers 304)",
               "change": "change round (5% of the pages edited)", "one page": "one page that answers 304"}


def markdown(report):
    lines = []
    for figures in report["runs"]:
        rounds, n = summarise(figures), figures["pages"]
        lines += [f"{n:,} pages of {figures['page_kb']:.0f} KB on nginx, {HOSTS} loopback addresses; "
                  f"medians of {figures['repeat']} (change rounds: {CHANGE_ROUNDS}); ratios pair by pair.", "",
                  "| round | dialogue-watch | urlwatch | bare Scrapy | dialogue-watch / urlwatch | "
                  "dialogue-watch / bare Scrapy | load |", "|" + " --- |" * 7]
        for name, words in ROUND_WORDS.items():
            row = rounds[name]
            cells = [f"{row[tool]['seconds']:.2f} s, {row[tool]['peak_mb']:.0f} MB" for tool in TOOLS]
            lines.append(f"| {words.format(n=n)} | " + " | ".join(cells)
                         + f" | {row['dw/urlwatch']:.2f} | {row['dw/bare']:.2f} | "
                         f"{row[TOOLS[0]]['load']:.2f} |")
        sizes = figures["sizes"]
        dw, uw = sizes["dialogue-watch"]["file"], sizes["urlwatch"]["file"]
        lines.append(f"| database after first + {CHANGE_ROUNDS} change rounds | {dw / MB:.1f} MB | "
                     f"{uw / MB:.1f} MB | - | {dw / uw:.2f} | - | - |")
        lines.append("")
        lines.append(f"`dialogue-watch --help`: {statistics.median(figures['help']):.2f} s (median). "
                     "Where dialogue-watch's bytes are: " + ", ".join(
                         f"{name} {size / MB:.1f} MB" for name, size in list(figures["tables"]["dialogue-watch"].items())[:8]))
        lines.append("")
    return "\n".join(lines)


def _say(line):
    print(line, file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, action="append", help="N (repeatable); default 2000")
    parser.add_argument("--repeat", type=int, default=5, help="repetitions per round (default 5)")
    parser.add_argument("--json", default=str(BENCH / "vs_urlwatch_results.json"),
                        help="where to write every raw figure")
    parser.add_argument("--table", metavar="JSON", help="only print the table of an earlier run")
    parser.add_argument("--bare", metavar="SOURCES", help=argparse.SUPPRESS)
    args = parser.parse_args()
    # stopped with kill: nginx and the temporary folder go too (the finally blocks run)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    bytecode.compile_sources()  # as pip wrote urlwatch's (tests/bytecode.py)
    if args.bare:
        bare_main(args.bare)
        return
    if args.table:
        print(markdown(json.loads(Path(args.table).read_text())))
        return
    report = {"command": " ".join(sys.argv), "uptime": subprocess.run(["uptime"], capture_output=True,
                                                                      text=True).stdout.strip(),
              "commit": subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                       capture_output=True, text=True).stdout.strip(), "runs": []}
    for count in args.pages or [2000]:
        with tempfile.TemporaryDirectory(prefix="vs-urlwatch-") as folder:
            report["runs"].append(measure(count, args.repeat, folder))
        Path(args.json).write_text(json.dumps(report, indent=1))
    print(markdown(report))


if __name__ == "__main__":
    main()
