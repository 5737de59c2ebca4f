"""Reading changed pages in worker processes, off the crawl's reactor thread,
each page within a time limit.

A crawl's reactor thread downloads and stores. Reading a page that changed
(trafilatura, the marker search) costs tens of milliseconds of CPU: done on
that thread, it stalls every download meanwhile. So the crawl process forks
its analysis workers when it starts (``start_workers``, called by
``monitor.fetch.crawler`` before Scrapy starts any thread: forking a process that
runs threads can deadlock the child), and the pipeline's ``analysis()`` object
answers cheap cases at once (``analyze.quick_outcome``: 304, errors, same
bytes) and sends the rest to ``analyze.read`` in those workers, never more at
a time than there are workers (so a page's time is its own reading time, not
time spent queueing behind others).

Each page gets ``DW_ANALYSIS_TIMEOUT`` seconds (sources.yaml's
``analysis_timeout_seconds``; 0 means no limit). A page that takes longer (a
malformed page, a ``content``/``ignore``/``marker`` regex that backtracks for
hours) is stored as an error in plain words (``analyze.gave_up``) and the
crawl goes on. Its worker may be stuck inside C code (the regex engine) where
no signal handler runs, and nothing says which worker has it, so the whole
pool is killed (SIGKILL) and replaced. A pool whose worker died on its own
(killed from outside, out of memory, a crash in C) is replaced too. The
replacement is *spawned*, not forked: by then the crawl process has threads and
an open SQLite connection, and a connection carried across ``fork()`` can
corrupt the database. It is started at once, from the reactor thread (the
crawl process's main thread: the kernel's parent-death signal below follows the
thread that started a process); its workers import the analysis code again
(about a second), and no page's time starts before they are ready. Pages that were in flight in a
broken pool are read again on the new one: always when it was killed for
another page's time limit, once when it died on its own (the page may be what
kills it), after which the page gets the usual "could not analyse this page"
error. A worker that raises gives that error too.

Forked workers inherit the imported analysis code, so they cost milliseconds
to start (a fork server or spawned workers import it again: ~1.3 s of CPU per
crawl, measured). On Linux every worker is SIGKILLed by the kernel the moment
the crawl process dies, whatever kills it (``monitor.fetch.processes``); each also
watches for that itself.
Without ``start_workers`` (``DW_ANALYSIS_WORKERS = 0``, or plain ``scrapy
crawl``), pages are read inline on the reactor thread, with no time limit
(nothing can stop that thread). ``close()`` waits for every worker, killed
ones included, so none outlives the crawl and their CPU time counts as the
crawl's.

The time limit reaches ``analysis()`` through the ``TimeLimit`` Scrapy
extension (``monitor.fetch.settings.crawl_settings`` enables it): Scrapy builds
extensions before the pipeline that calls ``analysis()``.
"""

import asyncio
import concurrent.futures
import concurrent.futures.process  # loaded lazily otherwise: in each crawl, not once in the fork server
import gc
import multiprocessing
import os
import signal
import threading
import time

from monitor.analysis import analyze
from monitor.fetch import processes

OWNER_CHECK_SECONDS = 1.0
_started = None  # the workers start_workers forked in this process
_limit = None  # seconds per page, from DW_ANALYSIS_TIMEOUT (set by the TimeLimit extension)


def worker_count(setting, cpus=None, pages=None):
    """Workers for the ``DW_ANALYSIS_WORKERS`` setting: None or "" means one per CPU,
    but no more than the crawl's ``pages`` (each page is read one piece at a time, so a
    crawl of one page never reads two at once); 0 means read inline on the reactor thread.

    Example: ``worker_count(None, cpus=2) == 2``, ``worker_count(None, cpus=2, pages=1) == 1``,
    ``worker_count("0") == 0``.
    """
    if setting is None or str(setting).strip() == "":
        return max(1, min(cpus if cpus is not None else _cpus(), pages or float("inf")))
    count = int(setting)
    if count < 0:
        raise ValueError(f"DW_ANALYSIS_WORKERS must be 0 or more, not {count}")
    return count


def time_limit(setting):
    """Seconds per page for the ``DW_ANALYSIS_TIMEOUT`` setting; None (no limit) for
    None, "" or 0.

    Example: ``time_limit("2") == 2.0``, ``time_limit(0) is None``.
    """
    if setting is None or str(setting).strip() == "":
        return None
    seconds = float(setting)
    if seconds < 0:
        raise ValueError(f"DW_ANALYSIS_TIMEOUT must be 0 or more, not {seconds:g}")
    return seconds or None


class TimeLimit:
    """Scrapy extension: hands the crawl's ``DW_ANALYSIS_TIMEOUT`` to ``analysis()``."""

    def __init__(self, seconds):
        global _limit
        self.seconds = _limit = seconds

    @classmethod
    def from_crawler(cls, crawler):
        return cls(time_limit(crawler.settings.get("DW_ANALYSIS_TIMEOUT")))


def start_workers(setting, pages=None):
    """Fork the workers now, while this process has a single thread."""
    global _started
    workers = worker_count(setting, pages=pages)
    if workers == 0 or _started is not None:
        return
    context = multiprocessing.get_context("fork")
    gc.freeze()  # the workers then share this process's memory, not copy it at their first collection
    try:
        executor = concurrent.futures.ProcessPoolExecutor(
            workers, mp_context=context, initializer=_worker_setup, initargs=(os.getpid(),))
        # with fork, the pool forks every worker at its first job, inside submit(): the
        # crawl goes on while they start (their first page waits for them if need be)
        executor.submit(int)
    finally:
        gc.unfreeze()
    _started = executor


def analysis():
    """The analyser for this crawl process: the forked workers if any, else inline."""
    global _started
    executor, _started = _started, None
    return InlineAnalysis() if executor is None else PoolAnalysis(executor, _limit)


class InlineAnalysis:
    """Everything on the calling thread, as ``test-source`` does (no time limit)."""

    async def analyze(self, fetch, source, known=None):
        return safely(analyze.analyze, fetch, source, known)

    def close(self):
        pass


class PoolAnalysis:
    """Cheap outcomes on the calling (reactor) thread, reading in the workers, each
    page within ``limit`` seconds (None: no limit).

    Only the reactor thread calls it, so the pool can be swapped without a lock.
    """

    def __init__(self, executor, limit=None):
        self.executor = executor
        self.workers = executor._max_workers
        self.limit = limit
        self.ready = None  # a replacement pool's warm-up (asyncio future), awaited before use
        self.killed = set()  # pools killed for a page's time limit: their other pages are innocent
        self.retired = []  # (manager thread, processes) of broken pools, joined by close()
        self._slots = None

    async def analyze(self, fetch, source, known=None):
        quick = safely(analyze.quick_outcome, fetch, known)
        if quick is not None:
            return quick  # unchanged bytes never leave the reactor thread
        if self._slots is None:  # made here, in the running event loop
            self._slots = asyncio.Semaphore(self.workers)
        async with self._slots:
            return await self._read(fetch, source, (known or {}).get("text"))

    async def _read(self, fetch, source, previous_text=None):
        died_on_its_own = 0
        while True:
            executor = None
            try:
                executor = self._pool()
                if self.ready is not None:
                    await asyncio.shield(self.ready)
                future = executor.submit(analyze.read, fetch, source, previous_text)
                try:
                    return await asyncio.wait_for(asyncio.wrap_future(future), self.limit)
                except TimeoutError:
                    if future.done() and not future.cancelled():
                        raise  # a TimeoutError raised by the analysis itself
                    self._replace(executor, timed_out=True)
                    return analyze.gave_up(self.limit)
            except concurrent.futures.BrokenExecutor as error:
                if executor is not None and executor not in self.killed:
                    died_on_its_own += 1
                self._replace(executor)
                if died_on_its_own > 1:
                    return analyze.crashed(error)
            except Exception as error:  # noqa: BLE001 - raised in the worker: recorded, the crawl goes on
                return analyze.crashed(error)

    def _pool(self):
        """The pool to submit to (a new one if replacing the last one failed)."""
        if self.executor is None:
            self._new_pool()
        return self.executor

    def _new_pool(self):
        """A spawned pool (see the module docstring), its workers started now: one per
        job submitted while none is idle. ``ready`` is done once they all answered, so
        their start (importing the analysis code) is not counted as reading time."""
        executor = concurrent.futures.ProcessPoolExecutor(
            self.workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker_setup, initargs=(os.getpid(),))
        self.executor = executor  # before submitting: close() then shuts it down whatever happens
        jobs = [asyncio.wrap_future(executor.submit(int)) for _ in range(self.workers)]
        self.ready = asyncio.gather(*jobs)
        self.ready.add_done_callback(_retrieved)  # a failure is handled by whoever awaits it

    def _replace(self, executor, timed_out=False):
        """Kill ``executor``'s workers (a page overran its time, or a worker died and
        the pool is broken) and start a new pool. No-op if already replaced."""
        if executor is None or self.executor is not executor:
            return
        if timed_out:
            self.killed.add(executor)
        self._retire(executor)
        try:
            self._new_pool()
        except Exception:  # noqa: BLE001 - e.g. no memory for a process: _pool() tries again
            if self.executor is not None:
                self._retire(self.executor)

    def _retire(self, executor):
        """SIGKILL the pool's workers (its other pages get BrokenProcessPool), and keep
        them for close() to wait for."""
        self.executor = self.ready = None
        workers = list((executor._processes or {}).values())
        for worker in workers:
            worker.kill()
        self.retired.append((executor._executor_manager_thread, workers))
        executor.shutdown(wait=False, cancel_futures=True)

    def close(self):
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None
        for manager, workers in self.retired:
            for worker in workers:
                worker.join()
            if manager is not None:
                manager.join()
        self.retired = []


def safely(function, *args):
    """``function(*args)``, or the "could not analyse" error observation if it raises."""
    try:
        return function(*args)
    except Exception as error:  # noqa: BLE001 - a bug in analysis must not lose the fetch
        return analyze.crashed(error)


def _retrieved(future):
    if not future.cancelled():
        future.exception()


def _worker_setup(owner_pid):
    """In each worker: be killed by the kernel the moment the crawl process dies
    (whatever kills it); leave Ctrl-C to the crawl process (Scrapy then finishes the
    pages in hand, these workers included); and, where the kernel cannot do the
    first, exit once that process is gone instead of waiting for work forever."""
    processes.die_with_parent(owner_pid)
    processes.stacks_on_request()
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch():
        while os.getppid() == owner_pid:
            time.sleep(OWNER_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="dw-owner-watch", daemon=True).start()


def _cpus():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
