"""Runs the spider: one crawl = one fresh child process.

Scrapy's Twisted reactor cannot be restarted inside a process, so every crawl
runs in a child process that starts its own reactor and exits. The parent
(the CLI, the demo, the scheduler) survives a crawl that crashes, and can
crawl again as often as it likes.

The child is never a fork of the caller: the caller holds SQLite connections
and the database lock, and a connection carried across ``fork()`` can corrupt
the database (the child inherits lock bookkeeping that no longer matches the
locks it holds). Children come from a fork server (``multiprocessing``'s
"forkserver", started by ``monitor.fetch.forking``): a process started fresh by
``exec`` that has imported the crawl code but never opened a database, so each
crawl starts in milliseconds with nothing inherited. The child, and the analysis
workers it forks before it opens the database, die with their parent
(``monitor.fetch.processes``).

A child that stops answering is stopped (``_run_in_child``): the child's reactor
thread touches a heartbeat file every second, and a caller that sees no beat for
``STALLED_AFTER_SECONDS`` asks the child for its threads' stacks (to its standard
error), kills it and reports the crawl as stopped. Scrapy's own time limits (the
download timeout, the analysis time limit) bound every step while the reactor runs;
this bounds what they cannot reach: a frozen process, a reactor thread blocked (an
inline reading without a time limit), an exit that waits for ever. Without it a
``run`` whose crawl hung would wait for it, and check nothing again.

The child starts the spider by its name ("pages"); what a crawl needs before and
after the process (the preparation, the summary, the exit status, and all of it for a
crawl Scrapy starts itself) is ``monitor.fetch.session``.
"""

import contextlib
import dataclasses
import json
import logging
import os
import signal
import tempfile
import time

from monitor import clock, store
from monitor.store import discovery as store_discovery
from monitor.fetch import browser, discovery, forking, locks, processes, reach, session
from monitor.errors import CrawlError
from monitor.fetch.settings import crawl_settings

HEARTBEAT_SECONDS = 1.0
# No beat for this long: the crawl process is stopped (a crawl setting, DW_STALLED_AFTER,
# may change it). Far above what a crawl holds its reactor thread for: a page is stored in
# milliseconds and SQLite waits 30 s at most for a lock, but deciding what a change of a
# very long page is takes longer (benchmarks/long_page_change.py: a crawl of a 2 MB page
# with 2% of its paragraphs edited, 11-19 s, nearly all of it that decision).
STALLED_AFTER_SECONDS = 1800.0
STALLED = ("the crawl process stopped answering for {seconds:g} s and was stopped (where it was "
           "stuck is written to the error output)")
KEPT = "; every page it had stored is kept"


def crawl(config, db_path, ids=(), progress=False, subscribers=(), holding_lock=False, **overrides):
    """Fetch, analyse and store the sources named by ``ids`` (all when empty).

    ``subscribers`` (``monitor.notify.alerts.Subscriber``) get an outbox row with each
    event they want. Takes the database's lock (``monitor.fetch.locks``) unless the
    caller holds it (``holding_lock``). Returns ``(crawl_id, results)``: one row
    per fetch with its outcome and event. Raises ``CrawlError`` (with the
    results stored so far) when the crawl process stops before the end.
    """
    lock = contextlib.nullcontext() if holding_lock else locks.database_lock(db_path, "crawl")
    with lock:
        forking.start_early()
        db, crawl_id, targets, settings = session.prepare(config, db_path, ids, progress, subscribers,
                                                  **overrides)
        with tempfile.TemporaryDirectory() as folder:
            settings["DW_FATAL_PATH"] = os.path.join(folder, "fatal.txt")
            exit_code = _run_in_child(targets, settings)
            failure = _read_failure(settings["DW_FATAL_PATH"], exit_code)
            if not failure:  # documents this crawl found linked for the first time: now
                failure, targets = _crawl_new_documents(db, targets, settings, subscribers)
            if not failure:  # and publications its feeds and listings newly listed
                failure, targets = _crawl_discovered(db, targets, settings)
        store.finish_crawl(db, crawl_id, failure or "completed")
        results = store.crawl_results(db, crawl_id)
    if failure:
        raise CrawlError(f"The crawl stopped after {len(results)} of {len(targets)} page(s): "
                         f"{failure}", crawl_id, results)
    return crawl_id, results


def _read_failure(fatal_path, exit_code):
    """What stopped the crawl child, in words; None when it finished normally."""
    if os.path.exists(fatal_path):  # written by pipelines.stop_crawl, or by _run_in_child
        with open(fatal_path, encoding="utf-8") as message:
            return message.read()
    if exit_code != 0:
        how = f"killed by signal {-exit_code}" if exit_code < 0 else f"exit code {exit_code}"
        return f"crashed ({how}){KEPT}"
    return None


def _crawl_new_documents(db, targets, settings, subscribers=()):
    """Fetch, in a second child of the same crawl, the documents that pages with
    ``follow:`` linked to for the first time in it: a new document is captured the day it
    appears. Returns (failure or None, every target of the crawl)."""
    config = settings["DW_CONFIG"]
    crawled = [target["id"] for target in targets]
    parents = [s for s in map(config.source, crawled) if s is not None and s.follow is not None]
    new = [s for s in session.followed_sources(db, parents, subscribers) if s.id not in set(crawled)]
    if not new:
        return None, targets
    more = [session.target(db, source, config.settings["verify_unchanged_every"], written=False)
            for source in new]
    settings = {**settings, "DW_CONFIG": dataclasses.replace(config, sources=(*config.sources, *new)),
                "DW_TOTAL": len(more)}
    failure = _read_failure(settings["DW_FATAL_PATH"], _run_in_child(more, settings))
    return failure, [*targets, *more]


def _crawl_discovered(db, targets, settings):
    """Fetch, in another child of the same crawl, the pages this crawl's discovery sources
    adopted (``new_publication``): each is captured the day it is found. Their first
    capture is told by no alert: the new_publication event said it. Returns (failure
    or None, every target of the crawl)."""
    config = settings["DW_CONFIG"]
    if not any(target.get("discover") for target in targets):
        return None, targets
    rows = store_discovery.adopted(db, [each.id for each in config.discover])
    crawled = {target["id"] for target in targets}
    waiting = store_discovery.unfetched(db, [row["id"] for row in rows]) - crawled
    new = discovery.adopted_sources(config, [row for row in rows if row["id"] in waiting])
    if not new:
        return None, targets
    more = [session.target(db, source, config.settings["verify_unchanged_every"], written=False)
            for source in new]
    settings = {**settings, "DW_CONFIG": discovery.with_sources(config, new),
                "DW_TOTAL": len(more), "DW_SUBSCRIBERS": ()}
    failure = _read_failure(settings["DW_FATAL_PATH"], _run_in_child(more, settings))
    return failure, [*targets, *more]


def test_source(config, source_id, **overrides):
    """Fetch and analyse one source without storing anything; return the report dict
    (None if the process gave none). Raises ``CrawlError`` when the process stopped
    answering: the page is read on its reactor thread, where only that bounds the
    reading (``analysis_timeout_seconds``, and 5 s more)."""
    (source,) = config.select([source_id])
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "report.jsonl")
        settings = crawl_settings(config, DW_CONFIG=config, DW_TOTAL=1, DW_REPORT_PATH=path,
                                  DW_WRITTEN_ORIGINS=reach.origins(s.url for s in config.sources),
                                  ITEM_PIPELINES={"monitor.fetch.pipelines.ReportPipeline": 300},
                                  DW_ANALYSIS_WORKERS=0, DW_FATAL_PATH=os.path.join(folder, "fatal.txt"),
                                  **{**browser.crawl_settings([source], config.settings), **overrides})
        reading = float(settings.get("DW_ANALYSIS_TIMEOUT") or 0)
        settings.setdefault("DW_STALLED_AFTER", reading + 5 if reading else STALLED_AFTER_SECONDS)
        _run_in_child([session.target(None, source)], settings)
        if os.path.exists(settings["DW_FATAL_PATH"]):  # it stopped answering
            raise CrawlError(f"The check of {source_id} stopped: "
                             f"{_read_failure(settings['DW_FATAL_PATH'], 0)}.")
        if not os.path.exists(path):
            return None
        with open(path, encoding="utf-8") as lines:
            return json.loads(lines.readline())


def start_fork_server():
    """Start the fork server now, if it is not up (the first crawl otherwise starts it:
    about half a second to import the crawl code, once per command: a scheduler's
    later crawls find it up). Returns the seconds it took. The pipeline benchmark
    calls it before its timer."""
    started = time.perf_counter()
    child = forking.context().Process(target=os.getpid)  # the server has imported PRELOAD when it answers
    child.start()
    child.join()
    return time.perf_counter() - started


def _run_in_child(targets, settings):
    """Run a crawl process for ``targets`` and wait for it to end; its exit code. One
    that stops answering is stopped (the module's docstring), and ``DW_FATAL_PATH``
    then says so."""
    limit = float(settings.get("DW_STALLED_AFTER") or STALLED_AFTER_SECONDS)
    with tempfile.TemporaryDirectory(prefix="dw-crawl-") as folder:
        beat = os.path.join(folder, "heartbeat")
        open(beat, "wb").close()
        child = forking.context().Process(
            target=_child_main, args=(targets, {**settings, "DW_HEARTBEAT_PATH": beat}, os.getpid()),
            daemon=False)
        child.start()
        if not _ended_answering(child, beat, limit):
            _stop(child)
            if settings.get("DW_FATAL_PATH"):
                with open(settings["DW_FATAL_PATH"], "w", encoding="utf-8") as fatal:
                    fatal.write(STALLED.format(seconds=limit) + (KEPT if settings.get("DW_DB_PATH") else ""))
    return child.exitcode


def _ended_answering(child, beat, limit):
    """Wait for ``child`` to end: True when it did, False as soon as its heartbeat file
    has not changed for ``limit`` seconds (a clock that jumps changes nothing: the wait
    is timed on this process's monotonic clock)."""
    stamp, since = os.stat(beat).st_mtime_ns, time.monotonic()
    while True:
        child.join(min(HEARTBEAT_SECONDS, limit))
        if child.exitcode is not None:
            return True
        now = os.stat(beat).st_mtime_ns
        if now != stamp:
            stamp, since = now, time.monotonic()
        elif time.monotonic() - since >= limit:
            return False


def _stop(child):
    """Kill a crawl process that stopped answering, after asking it for its threads'
    stacks (written to its standard error: where it was stuck). Its analysis workers die
    with it (``monitor.fetch.processes``); what it stored is kept (SQLite commits whole)."""
    if hasattr(signal, "SIGUSR1"):
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.pid, signal.SIGUSR1)
            child.join(1.0)
    with contextlib.suppress(ProcessLookupError):
        child.kill()
    child.join()


def _child_main(targets, settings_values, owner_pid):
    # the fork server is this process's parent: die with it, and let it die with the
    # crawl's owner (it stays up while any of its children holds its "alive" pipe)
    processes.die_with_parent(os.getppid())
    processes.stacks_on_request()
    _release_fork_server()
    if not processes.alive(owner_pid):
        os._exit(1)
    from monitor.fetch.crawl_settings import CrawlSettings

    settings = CrawlSettings()  # copied cheaply: Scrapy copies it twice per crawl
    settings.setmodule("monitor.fetch.settings", priority="project")
    settings.update(settings_values, priority="cmdline")
    if not _logs_info(settings.get("LOG_LEVEL")):  # Scrapy's versions line: never shown,
        settings.set("LOG_VERSIONS", [], priority="cmdline")  # yet 15 ms of CPU to gather
    _set_replica_clock(settings.get("DW_REPLICA_TIME"))
    from monitor.fetch import analysis_pool  # the crawl child's: the command never analyses

    # fork the analysis workers while this process has a single thread and no
    # database connection (Scrapy starts threads; the pipeline opens the database)
    analysis_pool.start_workers(settings.get("DW_ANALYSIS_WORKERS"), pages=len(targets))

    from scrapy.crawler import CrawlerProcess

    process = CrawlerProcess(settings)
    process.crawl("pages", targets=targets)  # by name (SPIDER_MODULES): no import of the spider
    _beat(settings.get("DW_HEARTBEAT_PATH"))
    _start(process, settings.get("DW_PROFILE_PATH"))
    if settings.get("DW_USAGE_PATH"):  # for benchmarks: this process is not the caller's child
        _write_usage(settings["DW_USAGE_PATH"])


def _beat(path):
    """Touch ``path`` every ``HEARTBEAT_SECONDS`` from the reactor thread while it runs: the
    caller's sign that this process still answers (``_run_in_child``). Called once the
    crawl has installed its reactor."""
    if path:
        from twisted.internet import task

        task.LoopingCall(os.utime, path).start(HEARTBEAT_SECONDS)


def _logs_info(level):
    """Whether a crawl logging at ``level`` (a name or a number) shows INFO lines."""
    number = level if isinstance(level, int) else logging.getLevelName(str(level).upper())
    return not isinstance(number, int) or number <= logging.INFO


def _set_replica_clock(moment):
    """The demo's replica clock (``monitor.clock``), carried into the crawl process:
    its fetches and records are dated at the demo's pretend moment."""
    if moment:
        clock.set_replica(moment)  # for the whole life of this process


def _start(process, profile_path):
    """Run the crawl; with ``profile_path`` (benchmarks), under cProfile, dumped there."""
    if not profile_path:
        process.start()
        return
    import cProfile

    profiler = cProfile.Profile()
    try:
        profiler.runcall(process.start)
    finally:
        profiler.dump_stats(profile_path)


def _write_usage(path):
    """CPU seconds and peak memory (MB) of this crawl process and its analysis workers."""
    import resource

    own, workers = (resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    with open(path, "w", encoding="utf-8") as out:
        json.dump({"cpu_seconds": sum(u.ru_utime + u.ru_stime for u in (own, workers)),
                   "peak_mb": max(own.ru_maxrss, workers.ru_maxrss) / 1024}, out)


def _release_fork_server():
    """multiprocessing hands each fork-server child the write end of the server's
    "alive" pipe, so the server outlives its owner while a crawl runs, and the crawl
    (which dies with the server) outlives it too. Close it here."""
    from multiprocessing import forkserver

    server = forkserver._forkserver
    if getattr(server, "_forkserver_alive_fd", None) is not None:
        os.close(server._forkserver_alive_fd)
        server._forkserver_alive_fd = None


