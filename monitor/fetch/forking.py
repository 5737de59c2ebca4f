"""The crawl fork server (``multiprocessing``'s "forkserver"): what it imports before it
forks a crawl process, and starting it.

Light on purpose (``os`` and ``multiprocessing`` only): the ``crawl`` command starts the
server first thing, before it imports the crawl's own code (``monitor.fetch.crawler``),
reads sources.yaml and takes the database's lock, so that the server's imports (Scrapy,
Twisted, the analysis: about a second) run beside all of that on the other core instead
of after it (issue 27: a crawl's fixed cost). Why crawls come from a fork server at all:
``monitor.fetch.crawler``.
"""

import multiprocessing
import os

# Set in the environment the server starts with: the pid of the process it must die with
# (read by monitor.fetch.fork_server, the first module the server imports).
OWNER_VARIABLE = "DW_FORK_SERVER_OWNER"

# Imported once by the fork server, so that each crawl child starts with them loaded;
# monitor.fetch.fork_server first: it makes the server die with its owner. Not pypdf:
# it brings fontTools and PIL, 10 MB in every crawl process and worker, and most crawls
# read no PDF (monitor.analysis.pdf imports it on the first one).
# Scrapy's TLS context factory right after it: Scrapy 2.19 calls inspect.stack() three
# times while importing it, which looks at every module imported so far: imported
# first, it takes a fifth of the time it takes last (issue 27).
PRELOAD = ["monitor.fetch.fork_server", "scrapy.core.downloader.contextfactory",
           "monitor.fetch.crawler", "monitor.fetch.pipelines", "spiders.pages", "scrapy.crawler",
           "trafilatura",
           # the store's page writers (monitor.store loads them when first asked for)
           "monitor.store.record", "monitor.store.links", "monitor.fetch.analysis_pool",
           "monitor.fetch.preload"]  # the Scrapy components a crawl builds


def context():
    """The multiprocessing context whose processes the fork server forks."""
    # read by the fork server, which is started with this environment on first use
    os.environ[OWNER_VARIABLE] = str(os.getpid())
    forked = multiprocessing.get_context("forkserver")
    forked.set_forkserver_preload(PRELOAD)
    return forked


def start_early():
    """Have the fork server start importing the crawl code now, without waiting for it
    (nothing if it is up): the crawl child is forked from it when the caller is ready."""
    from multiprocessing import forkserver

    context()
    forkserver.ensure_running()
