"""Runs the spider: one crawl = one child process.

Scrapy's Twisted reactor cannot be restarted inside a process, so every crawl
runs in a forked child that starts its own reactor and exits. The parent
(the CLI, the demo, later the scheduler) survives a crawl that crashes, and
can crawl again as often as it likes.
"""

import json
import multiprocessing
import os
import tempfile

from monitor import analysis_pool, store
from monitor.errors import StoreError
from monitor.settings import crawl_settings


def crawl(config, db_path, ids=(), progress=False, subscribers=(), **overrides):
    """Fetch, analyse and store the sources named by ``ids`` (all when empty).

    ``subscribers`` (``monitor.alerts.Subscriber``) get an outbox row with each
    event they want. Returns ``(crawl_id, results)``: one row per fetch with its
    outcome and event.
    """
    db, crawl_id, targets, settings = prepare(config, db_path, ids, progress, subscribers, **overrides)
    with tempfile.TemporaryDirectory() as folder:
        settings["DW_FATAL_PATH"] = os.path.join(folder, "fatal.txt")
        exit_code = _run_in_child(targets, settings)
        _raise_store_failure(settings["DW_FATAL_PATH"])
    outcome = "completed" if exit_code == 0 else f"crashed (exit code {exit_code})"
    store.finish_crawl(db, crawl_id, outcome)
    return crawl_id, store.crawl_results(db, crawl_id)


def _raise_store_failure(fatal_path):
    if os.path.exists(fatal_path):
        with open(fatal_path, encoding="utf-8") as message:
            raise StoreError(f"The crawl stopped: {message.read()}")


def prepare(config, db_path, ids=(), progress=False, subscribers=(), **overrides):
    """Everything a crawl needs: the database, a crawl row, the targets and the settings."""
    sources = config.select(ids)
    db = store.open_db(db_path)
    store.sync_sources(db, config.sources)
    targets = [_target(db, source) for source in sources]
    crawl_id = store.start_crawl(db, len(targets))
    settings = crawl_settings(config, DW_DB_PATH=str(db_path), DW_CONFIG=config,
                              DW_CRAWL_ID=crawl_id, DW_TOTAL=len(targets),
                              DW_PROGRESS=progress, DW_SUBSCRIBERS=tuple(subscribers),
                              **overrides)
    return db, crawl_id, targets, settings


def test_source(config, source_id, **overrides):
    """Fetch and analyse one source without storing anything; return the report dict."""
    (source,) = config.select([source_id])
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "report.jsonl")
        settings = crawl_settings(config, DW_CONFIG=config, DW_TOTAL=1, DW_REPORT_PATH=path,
                                  ITEM_PIPELINES={"monitor.pipelines.ReportPipeline": 300},
                                  DW_ANALYSIS_WORKERS=0, **overrides)
        _run_in_child([_target(None, source)], settings)
        if not os.path.exists(path):
            return None
        with open(path, encoding="utf-8") as lines:
            return json.loads(lines.readline())


def _target(db, source):
    target = {"id": source.id, "url": source.url, "ignore_robots_txt": source.ignore_robots_txt}
    if db is not None:
        target.update(store.validators(db, source.id))
    return target


def _run_in_child(targets, settings):
    context = multiprocessing.get_context("fork")
    child = context.Process(target=_child_main, args=(targets, settings), daemon=False)
    child.start()
    child.join()
    return child.exitcode


def _child_main(targets, settings_values):
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("monitor.settings", priority="project")
    settings.update(settings_values, priority="cmdline")
    # fork the analysis workers while this process has a single thread (Scrapy starts others)
    analysis_pool.start_workers(settings.get("DW_ANALYSIS_WORKERS"))

    from scrapy.crawler import CrawlerProcess

    from spiders.pages import PagesSpider

    process = CrawlerProcess(settings)
    process.crawl(PagesSpider, targets=targets)
    process.start()
