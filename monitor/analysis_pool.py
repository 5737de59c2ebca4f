"""Reading changed pages in worker processes, off the crawl's reactor thread.

A crawl's reactor thread downloads and stores. Reading a page that changed
(trafilatura, the marker search) costs tens of milliseconds of CPU: done on
that thread, it stalls every download meanwhile. So the crawl process forks
its analysis workers when it starts (``start_workers``, called by
``monitor.crawler`` before Scrapy starts any thread: forking a process that
runs threads can deadlock the child), and the pipeline's ``analysis()`` object
answers cheap cases at once (``analyze.quick_outcome``: 304, errors, same
bytes) and sends the rest to ``analyze.read`` in those workers.

Forked workers inherit the imported analysis code, so they cost milliseconds
to start (a fork server or spawned workers import it again: ~1.3 s of CPU per
crawl, measured). A worker that raises, or dies, gives that fetch the usual
"could not analyse this page" error and the crawl goes on; after a worker died
the rest of the crawl reads inline (a new fork now would fork a process with
threads). Without ``start_workers`` (``DW_ANALYSIS_WORKERS = 0``, or plain
``scrapy crawl``), pages are read inline. ``close()`` waits for the workers, so
none outlives the crawl and their CPU time counts as the crawl's.
"""

import asyncio
import concurrent.futures
import gc
import multiprocessing
import os
import signal
import threading
import time

from monitor import analyze

OWNER_CHECK_SECONDS = 1.0
_started = None  # the workers start_workers forked in this process


def worker_count(setting, cpus=None):
    """Workers for the ``DW_ANALYSIS_WORKERS`` setting: None or "" means one per CPU,
    0 means read inline on the reactor thread.

    Example: ``worker_count(None, cpus=2) == 2``, ``worker_count("0") == 0``.
    """
    if setting is None or str(setting).strip() == "":
        return max(1, cpus if cpus is not None else _cpus())
    count = int(setting)
    if count < 0:
        raise ValueError(f"DW_ANALYSIS_WORKERS must be 0 or more, not {count}")
    return count


def start_workers(setting):
    """Fork the workers now, while this process has a single thread."""
    global _started
    workers = worker_count(setting)
    if workers == 0 or _started is not None:
        return
    context = multiprocessing.get_context("fork")
    gc.freeze()  # the workers then share this process's memory, not copy it at their first collection
    try:
        executor = concurrent.futures.ProcessPoolExecutor(
            workers, mp_context=context, initializer=_worker_setup, initargs=(os.getpid(),))
        executor.submit(int).result()  # with fork, the pool forks every worker at its first job
    finally:
        gc.unfreeze()
    _started = executor


def analysis():
    """The analyser for this crawl process: the forked workers if any, else inline."""
    global _started
    executor, _started = _started, None
    return InlineAnalysis() if executor is None else PoolAnalysis(executor)


class InlineAnalysis:
    """Everything on the calling thread, as ``test-source`` does."""

    async def analyze(self, fetch, source, known=None):
        return safely(analyze.analyze, fetch, source, known)

    def close(self):
        pass


class PoolAnalysis:
    """Cheap outcomes on the calling (reactor) thread, reading in the workers."""

    def __init__(self, executor):
        self.executor = executor

    async def analyze(self, fetch, source, known=None):
        quick = safely(analyze.quick_outcome, fetch, known)
        if quick is not None:
            return quick  # unchanged bytes never leave the reactor thread
        executor = self.executor
        if executor is None:
            return safely(analyze.read, fetch, source)
        try:
            future = executor.submit(analyze.read, fetch, source)
            return await asyncio.wrap_future(future)
        except concurrent.futures.BrokenExecutor as error:
            self._drop(executor)
            return analyze.crashed(error)
        except Exception as error:  # noqa: BLE001 - raised in the worker: recorded, the crawl goes on
            return analyze.crashed(error)

    def close(self):
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None

    def _drop(self, executor):
        """A worker died (killed, out of memory, a crash in C): read the rest inline."""
        if self.executor is executor:
            self.executor = None
            executor.shutdown(wait=True, cancel_futures=True)


def safely(function, *args):
    """``function(*args)``, or the "could not analyse" error observation if it raises."""
    try:
        return function(*args)
    except Exception as error:  # noqa: BLE001 - a bug in analysis must not lose the fetch
        return analyze.crashed(error)


def _worker_setup(owner_pid):
    """In each worker: leave Ctrl-C to the crawl process (Scrapy then finishes the pages
    in hand, these workers included), and exit once that process is gone (killed, or
    stopped with os._exit) instead of waiting for work forever."""
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
