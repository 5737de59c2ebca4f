"""The full pipeline against bare Scrapy, on N synthetic pages (issue 5 §3).

Serves N pages of 20-200 KB from a separate process on 127.0.0.1
(``benchmarks/synthetic_site.py``) and crawls them in rounds, each round twice
side by side: first with a bare Scrapy spider that stores nothing
(``benchmarks/bare_spider.py``: the same requests, settings and concurrency),
then with the full pipeline (``monitor.fetch.crawler.crawl``: fetch, analyse,
store, diff, events). The rounds, on one database:

    1 first          every page new
    2 change  304    5% of the pages edited (half with "Last updated" moved);
                     the site answers If-None-Match with 304 Not Modified
    3 same    304    nothing changed, site answers 304
    4 change  200    5% edited; the site stops sending validators and
                     re-sends every page in full (identical bytes when unchanged)
    5 same    200    nothing changed, full identical bytes

It also measures the site alone (an asyncio client with the same
concurrency), the time ``monitor.analysis.diffing.line_diff`` takes on 1 MB texts, and
reports pages per second and CPU time per page, the ratio to bare Scrapy,
database bytes added (in use after ``PRAGMA wal_checkpoint(TRUNCATE)``: file
size less free pages) per unchanged fetch and per changed 100 KB page, and
peak resident memory of each crawl child (``getrusage(RUSAGE_CHILDREN)``), its
parent and the site's process. ``--profile FOLDER`` writes a cProfile of each
full crawl child.

    .venv/bin/python benchmarks/pipeline_benchmark.py --pages 2000 --pages 20000
    .venv/bin/python benchmarks/pipeline_benchmark.py --quick
    .venv/bin/python benchmarks/pipeline_benchmark.py --table benchmarks/pipeline_results.json

Linux only (reads /proc for the server's peak memory). Always exits 0: this is
a report; RESULTS.md beside it holds the figures and their context.
"""

import argparse
import asyncio
import collections
import json
import multiprocessing
import os
import platform
import random
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import bare_spider
import synthetic_site

from monitor import config, store
from monitor.analysis import diffing
from monitor.fetch import crawler
from monitor.fetch.settings import crawl_settings

ROUNDS = (  # (name, pages changed, site sends validators)
    ("first", 0.0, True),
    ("change 304", synthetic_site.CHANGED_SHARE, True),
    ("same 304", 0.0, True),
    ("change 200", synthetic_site.CHANGED_SHARE, False),
    ("same 200", 0.0, False),
)
KB = 1024
# (what, how to read it from one N's figures, target, True when a bigger value is better)
TARGETS = (
    ("pages/s ratio to bare Scrapy, change round, 304", lambda r: r["derived"]["change 304"]["ratio"], 0.8, True),
    ("pages/s ratio to bare Scrapy, change round, no 304", lambda r: r["derived"]["change 200"]["ratio"], 0.8, True),
    ("DB bytes per unchanged fetch, 304", lambda r: r["derived"]["same 304"]["per_fetch"], 300, False),
    ("DB bytes per unchanged fetch, no 304", lambda r: r["derived"]["same 200"]["per_fetch"], 300, False),
    ("DB KB per changed 100 KB page, 304",
     lambda r: r["derived"]["change 304"]["per_changed_100kb"] / KB, 40, False),
    ("DB KB per changed 100 KB page, no 304",
     lambda r: r["derived"]["change 200"]["per_changed_100kb"] / KB, 40, False),
    ("peak MB of the crawl child", lambda r: max(x["full"]["child_peak_mb"] for x in r["rounds"]), 400, False),
)


# -- one measured crawl, in its own process ----------------------------------


def _measured(function, *args):
    """Run ``function(*args)`` in a forked process; return its result plus the
    peak memory (MB) of that process and of the crawl child it forks, the CPU
    time of that child (robust to other load on the machine, unlike wall
    time), and the 1-minute load average before and after."""
    receiver, sender = multiprocessing.Pipe(duplex=False)

    def main():
        load = os.getloadavg()[0]
        result = function(*args)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        own = resource.getrusage(resource.RUSAGE_SELF)
        sender.send({"child_peak_mb": children.ru_maxrss / KB, "parent_peak_mb": own.ru_maxrss / KB,
                     "child_cpu_seconds": children.ru_utime + children.ru_stime,
                     "load_before": load, "load_after": os.getloadavg()[0], **result})

    process = multiprocessing.get_context("fork").Process(target=main)
    process.start()
    result = receiver.recv()
    process.join()
    return result


def _full_crawl(sources_path, db_path, concurrency, profile_path):
    started = time.perf_counter()
    cfg = config.load(sources_path)
    # started before the timer, as the scheduler keeps it up between crawls (and as
    # 2f3bf9f's benchmark forked its child from a process with the crawl code imported)
    server_seconds = crawler.start_fork_server()
    loaded = time.perf_counter()
    child_seconds = _time_child()
    usage_path = f"{db_path}.usage.json"  # the crawl child is the fork server's, not ours
    _, results = crawler.crawl(cfg, db_path, CONCURRENT_REQUESTS_PER_DOMAIN=concurrency,
                               DW_USAGE_PATH=usage_path, DW_PROFILE_PATH=profile_path)
    seconds = time.perf_counter() - loaded
    outcomes = collections.Counter(f"{r['outcome']}/{r['event'] or '-'}" for r in results)
    usage = json.loads(Path(usage_path).read_text())
    return {"seconds": seconds, "child_seconds": child_seconds[0], "config_seconds": loaded - started - server_seconds,
            "fork_server_seconds": server_seconds,
            "fetches": len(results), "outcomes": dict(outcomes),
            "child_cpu_seconds": usage["cpu_seconds"], "child_peak_mb": usage["peak_mb"]}


def _time_child():
    """Time the crawl child that ``crawler.crawl`` starts, by wrapping
    ``crawler._run_in_child`` in this process only (the child itself is the fork
    server's, so it profiles itself: ``DW_PROFILE_PATH``)."""
    measured = [None]
    run_in_child = crawler._run_in_child

    def timed(targets, settings):
        started = time.perf_counter()
        code = run_in_child(targets, settings)
        measured[0] = time.perf_counter() - started
        return code

    crawler._run_in_child = timed
    return measured


def _bare_crawl(sources_path, db_path, concurrency):
    cfg = config.load(sources_path)
    db = store.open_db(db_path)
    targets = [{"id": s.id, "url": s.url, **store.validators(db, s.id)} for s in cfg.sources]
    db.conn.close()
    settings = crawl_settings(cfg, CONCURRENT_REQUESTS_PER_DOMAIN=concurrency)
    started = time.perf_counter()
    child = multiprocessing.get_context("fork").Process(target=bare_spider.run, args=(targets, settings))
    child.start()
    child.join()
    return {"seconds": time.perf_counter() - started, "fetches": len(targets), "exit": child.exitcode}


# -- the site alone -----------------------------------------------------------


async def _fetch_all(port, count, concurrency, etags):
    queue = collections.deque(range(count))
    statuses = collections.Counter()

    async def worker():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while queue:
            number = queue.popleft()
            condition = f"If-None-Match: {etags[number]}\r\n" if number in etags else ""
            writer.write(f"GET /p/{number} HTTP/1.1\r\nHost: 127.0.0.1\r\n{condition}\r\n".encode())
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            fields = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
            await reader.readexactly(int(fields["Content-Length"]))
            statuses[int(head[0].split()[1])] += 1
            if "ETag" in fields:
                etags[number] = fields["ETag"]
        writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return statuses


def _site_alone(port, count, concurrency):
    """Pages per second the site serves to a minimal client: full pages, then 304s."""
    etags, figures = {}, {}
    for label in ("200", "304"):
        started = time.perf_counter()
        statuses = asyncio.run(_fetch_all(port, count, concurrency, etags))
        figures[label] = {"pages_per_second": count / (time.perf_counter() - started),
                          "statuses": dict(statuses)}
    return figures


# -- diffs of 1 MB ------------------------------------------------------------


def _diff_texts(kind, rng, words, weights):
    """(before, after): about 1 MB of text and a copy with 5% of its lines edited."""
    def line():
        if kind == "paragraphs":
            return " ".join(rng.choices(words, cum_weights=weights, k=rng.randint(40, 120))).capitalize() + "."
        return " ".join(rng.choices(words, cum_weights=weights, k=rng.randint(1, 5)))

    lines, size = [], 0
    while size < 1024 * KB:
        lines.append(line())
        size += len(lines[-1]) + 1
    after = list(lines)
    for _ in range(len(lines) // 20):
        position = rng.randrange(len(after))
        action = rng.choice(("replace", "insert", "delete"))
        if action == "replace":
            after[position] = line()
        elif action == "insert":
            after.insert(position, line())
        else:
            del after[position]
    return "\n".join(lines), "\n".join(after)


def _diff_timings():
    site = synthetic_site.Site(1)
    rng = random.Random(11)
    timings = {}
    for kind in ("paragraphs", "short lines"):
        before, after = _diff_texts(kind, rng, site.words, site.cum_weights)
        started, cpu = time.perf_counter(), time.process_time()
        result = diffing.line_diff(before, after)
        timings[kind] = {"seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu,
                         "lines": before.count("\n") + 1, "added": result["lines_added"],
                         "removed": result["lines_removed"]}
    return timings


# -- one N --------------------------------------------------------------------


def db_size(path):
    """File size after a checkpoint, bytes in use (file less free pages), and bytes per table."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    free = connection.execute("PRAGMA freelist_count").fetchone()[0] * page_size
    # SUM, not dbstat's aggregate=TRUE: that one wraps around past 2 GiB in SQLite 3.40
    tables = dict(connection.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"))
    connection.close()
    size = os.path.getsize(path)
    return {"file": size, "used": size - free, "tables": tables}


def _added(before, after):
    """Bytes in use added between two ``db_size`` results, in all and per table."""
    tables = {name: size - before["tables"].get(name, 0) for name, size in after["tables"].items()}
    return {"file": after["file"] - before["file"], "used": after["used"] - before["used"],
            "tables": {name: grown for name, grown in tables.items() if grown}}


def _write_sources(server, count, concurrency, folder):
    # ids as long as sources.yaml's median (35 characters): every fetch row and index holds one
    sources = [{"id": f"canada-global-affairs-dialogue-{n:05d}", "country": "Canada", "title": f"Page {n}", "kind": "html",
                "url": server.url(n)} for n in range(count)]
    settings = {"delay_seconds": 0, "concurrent_requests": concurrency, "retries": 1,
                "timeout_seconds": 60, "contact": "benchmark <bench@example.org>"}
    path = Path(folder) / "sources.yaml"
    path.write_text(yaml.safe_dump({"settings": settings, "sources": sources}, sort_keys=False))
    return path


def _round(server, number, name, share, validators, paths, concurrency, profile):
    server.set_validators(validators)
    changed = server.change(number, share) if share else []
    server.counts()
    bare = _measured(_bare_crawl, paths["sources"], paths["db"], concurrency)
    bare["served"] = server.counts()
    before = db_size(paths["db"])
    profile_path = str(Path(profile) / f"round{number}.prof") if profile else None
    full = _measured(_full_crawl, paths["sources"], paths["db"], concurrency, profile_path)
    full["served"] = server.counts()
    added = _added(before, db_size(paths["db"]))
    return {"round": name, "validators": validators, "changed": len(changed),
            "changed_bytes": sum(size for _, size, _ in changed),
            "markers_moved": sum(moved for _, _, moved in changed),
            "bare": bare, "full": full, "added": added}


def measure(count, concurrency, profile=None):
    """Every figure for one N."""
    server = synthetic_site.SiteServer(count)
    try:
        figures = {"pages": count, "concurrency": concurrency,
                   "site_alone": _site_alone(server.port, count, concurrency), "rounds": []}
        with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as folder:
            paths = {"sources": _write_sources(server, count, concurrency, folder),
                     "db": str(Path(folder) / "monitor.db")}
            for number, (name, share, validators) in enumerate(ROUNDS, 1):
                figures["rounds"].append(
                    _round(server, number, name, share, validators, paths, concurrency, profile))
                _say(_round_line(count, figures["rounds"][-1]))
            figures["page_kb_mean"] = _mean_page_kb(count)
        figures["site_peak_mb"] = server.peak_memory_mb()
    finally:
        server.close()
    return figures


def _mean_page_kb(count):
    site = synthetic_site.Site(count)
    sample = range(0, count, max(1, count // 200))
    return sum(len(site.body(n)) for n in sample) / len(sample) / KB


# -- derived figures and the report -------------------------------------------


def derive(figures):
    """The figures the issue asks for, from the raw measurements of one N."""
    rounds = {r["round"]: r for r in figures["rounds"]}
    count, derived = figures["pages"], {}
    for name, r in rounds.items():
        added = r["added"]["used"]
        derived[name] = {
            "full_pps": count / r["full"]["seconds"], "bare_pps": count / r["bare"]["seconds"],
            "child_pps": count / r["full"]["child_seconds"],
            "full_cpu_ms": r["full"]["child_cpu_seconds"] / count * 1000,
            "bare_cpu_ms": r["bare"]["child_cpu_seconds"] / count * 1000,
            "cpu_ratio": r["bare"]["child_cpu_seconds"] / r["full"]["child_cpu_seconds"],
            "ratio": r["bare"]["seconds"] / r["full"]["seconds"],
            "added": added, "child_peak_mb": r["full"]["child_peak_mb"],
            "parent_peak_mb": r["full"]["parent_peak_mb"], "bare_peak_mb": r["bare"]["child_peak_mb"],
        }
    for kind in ("304", "200"):
        unchanged = rounds[f"same {kind}"]
        per_unchanged = unchanged["added"]["used"] / count
        change = rounds[f"change {kind}"]
        changed_added = change["added"]["used"] - per_unchanged * (count - change["changed"])
        derived[f"same {kind}"]["per_fetch"] = per_unchanged
        derived[f"change {kind}"]["per_changed_page"] = changed_added / change["changed"]
        derived[f"change {kind}"]["per_changed_100kb"] = changed_added / change["changed_bytes"] * 100 * KB
    first = rounds["first"]
    derived["first"]["per_new_100kb"] = first["added"]["used"] / (
        count * figures["page_kb_mean"] * KB) * 100 * KB
    return derived


def _round_line(count, r):
    full, bare = r["full"], r["bare"]
    return (f"N={count} {r['round']:<11} bare {count / bare['seconds']:7.1f} p/s  full "
            f"{count / full['seconds']:7.1f} p/s (child {count / full['child_seconds']:7.1f})  "
            f"ratio {bare['seconds'] / full['seconds']:.2f}  db +{r['added']['used']:,} B in use "
            f"(file +{r['added']['file']:,} B) {r['added']['tables']}  "
            f"cpu/page bare {bare['child_cpu_seconds'] / count * 1000:.2f} ms full "
            f"{full['child_cpu_seconds'] / count * 1000:.2f} ms  load {full['load_before']:.1f}  "
            f"child {full['child_peak_mb']:.0f} MB  served bare {bare['served']} full {full['served']}  "
            f"outcomes {full['outcomes']}")


def markdown(report):
    """The RESULTS.md tables: throughput per round and N, then every figure with its growth."""
    return "\n\n".join((_throughput_table(report), _figures_table(report), _diff_table(report),
                        _targets_table(report)))


def _targets_table(report):
    lines = ["| target | " + " | ".join(f"N = {r['pages']:,}" for r in report["runs"]) + " |",
             "|" + " --- |" * (len(report["runs"]) + 1)]
    for what, value, target, bigger in TARGETS:
        cells = []
        for run in report["runs"]:
            figure = value(run)
            met = figure >= target if bigger else figure <= target
            cells.append(f"{figure:,.2f} ({'met' if met else 'missed'})")
        lines.append(f"| {what} {'≥' if bigger else '≤'} {target} | " + " | ".join(cells) + " |")
    worst = max(t.get("cpu_seconds", t["seconds"]) for t in report["diff"].values())
    cells = [f"{worst:.2f} s ({'met' if worst <= 1 else 'missed'})"] + ["same (no N)"] * (len(report["runs"]) - 1)
    lines.append("| line_diff of 1 MB ≤ 1 s (worst shape, CPU) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _diff_table(report):
    lines = [("| monitor.analysis.diffing.line_diff, 1 MB text vs a copy with 5% of lines edited | target | "
              "lines | wall | CPU |"), "| --- | --- | --- | --- | --- |"]
    for kind, t in report["diff"].items():
        cpu = f"{t['cpu_seconds']:.2f} s" if "cpu_seconds" in t else "-"
        lines.append(f"| {kind} | ≤ 1 s | {t['lines']:,} | {t['seconds']:.2f} s | {cpu} |")
    return "\n".join(lines)


ROUND_WORDS = {"first": "first (all new)", "change 304": "change, 304", "same 304": "unchanged, 304",
               "change 200": "change, no 304", "same 200": "unchanged, no 304"}


def _throughput_table(report):
    lines = [("| round | N | full pages/s | bare pages/s | ratio, wall | ratio, CPU | "
              "CPU ms/page full | CPU ms/page bare | load avg |"), "|" + " --- |" * 9]
    for name, words in ROUND_WORDS.items():
        for run in report["runs"]:
            d, r = run["derived"][name], next(x for x in run["rounds"] if x["round"] == name)
            lines.append(f"| {words} | {run['pages']:,} | {d['full_pps']:,.1f} | {d['bare_pps']:,.1f} | "
                         f"{d['ratio']:.2f} | {d['cpu_ratio']:.2f} | {d['full_cpu_ms']:.1f} | "
                         f"{d['bare_cpu_ms']:.1f} | {r['full']['load_before']:.1f} |")
    return "\n".join(lines)


def _figures_table(report):
    runs = report["runs"]
    several = len(runs) > 1
    lines = ["| figure | target | " + " | ".join(f"N = {r['pages']:,}" for r in runs)
             + (" | growth |" if several else " |"), "|" + " --- |" * (len(runs) + 2 + several)]
    for label, target, value, unit in _figure_rows():
        values = [value(r) for r in runs]
        cells = [_cell(v, unit) for v in values]
        if several:
            cells.append(f"x{values[-1] / values[0]:.2f}" if values[0] and values[-1] is not None else "")
        lines.append(f"| {label} | {target} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(value, unit):
    if value is None:
        return "-"
    if unit == "B":
        return f"{value:,.0f} B"
    if unit == "KB":
        return f"{value / KB:,.1f} KB"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:,.2f} {unit}".strip() if value < 10 else f"{value:,.1f} {unit}".strip()


def _figure_rows():
    def d(round_name, key):
        return lambda r: r["derived"][round_name].get(key)

    def peak(key, side="full"):
        return lambda r: max(x[side][key] for x in r["rounds"])

    return [
        ("full pipeline pages/s, change round, 304", "", d("change 304", "full_pps"), "p/s"),
        ("ratio to bare Scrapy, change round, 304", "≥ 0.8x", d("change 304", "ratio"), "x"),
        ("full pipeline pages/s, change round, no 304", "", d("change 200", "full_pps"), "p/s"),
        ("ratio to bare Scrapy, change round, no 304", "≥ 0.8x", d("change 200", "ratio"), "x"),
        ("full pipeline CPU ms per page, change round, 304", "", d("change 304", "full_cpu_ms"), "ms"),
        ("DB bytes per unchanged fetch, 304", "≤ 300 B", d("same 304", "per_fetch"), "B"),
        ("DB bytes per unchanged fetch, identical bytes re-sent", "≤ 300 B", d("same 200", "per_fetch"), "B"),
        ("DB bytes per changed page, per 100 KB of page (304 round)", "≤ 40 KB", d("change 304", "per_changed_100kb"), "KB"),
        ("DB bytes per changed page, per 100 KB of page (no-304 round)", "≤ 40 KB", d("change 200", "per_changed_100kb"), "KB"),
        ("DB bytes per new page, per 100 KB of page (first round)", "", d("first", "per_new_100kb"), "KB"),
        ("start of the crawl process server, once per command (not in the pages/s)", "",
         lambda r: max(x["full"].get("fork_server_seconds", 0) for x in r["rounds"]), "s"),
        ("peak memory, full crawl child (max over rounds)", "≤ 400 MB at 20,000", peak("child_peak_mb"), "MB"),
        ("peak memory, its parent (crawl(): config, sources sync)", "", peak("parent_peak_mb"), "MB"),
        ("peak memory, bare crawl child", "", peak("child_peak_mb", "bare"), "MB"),
        ("peak memory, site server (holds every page)", "", lambda r: r["site_peak_mb"], "MB"),
        ("site alone, full pages/s (asyncio client, same concurrency)", "", lambda r: r["site_alone"]["200"]["pages_per_second"], "p/s"),
        ("site alone, 304 pages/s", "", lambda r: r["site_alone"]["304"]["pages_per_second"], "p/s"),
        ("mean page size", "20-200 KB", lambda r: r["page_kb_mean"] * KB, "KB"),
    ]


def _say(line):
    print(line, file=sys.stderr, flush=True)


def machine():
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")),
               platform.processor())
    memory = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
    import scrapy
    import twisted

    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(memory / 1024**2, 1),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "scrapy": scrapy.__version__, "twisted": twisted.__version__, "os": platform.platform()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, action="append", help="N (repeatable); default 2000")
    parser.add_argument("--quick", action="store_true", help="N = 300: a smoke run")
    parser.add_argument("--concurrency", type=int, default=16,
                        help="CONCURRENT_REQUESTS and _PER_DOMAIN, for both spiders (default 16)")
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "pipeline_results.json"),
                        help="where to write every raw figure (default: benchmarks/pipeline_results.json)")
    parser.add_argument("--profile", metavar="FOLDER", help="cProfile each full crawl child (slows it)")
    parser.add_argument("--table", metavar="JSON", help="only print the RESULTS.md table of an earlier run")
    args = parser.parse_args()
    if args.table:
        print(markdown(json.loads(Path(args.table).read_text())))
        return
    counts = [300] if args.quick else (args.pages or [2000])
    report = {"machine": machine(), "command": " ".join(sys.argv), "diff": _diff_timings(), "runs": []}
    _say(f"line_diff on 1 MB: {report['diff']}")
    for count in counts:
        figures = measure(count, args.concurrency, args.profile)
        figures["derived"] = derive(figures)
        report["runs"].append(figures)
        Path(args.json).write_text(json.dumps(report, indent=1))
    print(markdown(report))


if __name__ == "__main__":
    main()
