"""A crawl's session, around the crawl process (``crawler``): ``prepare`` (the database,
the crawl row, the targets and the settings, once the lock is held), ``standalone``
(the same for a crawl Scrapy starts itself: ``scrapy crawl pages``, a Scrapyd job),
``summary`` (the words a crawl ends with) and ``exit_code``.

The spider reads this module, never its launcher (``crawler``).
"""

import collections
import contextlib
import dataclasses
import os

from monitor import clock, store
from monitor.fetch import browser, discovery, locks, reach
from monitor.fetch.settings import crawl_settings
from monitor.store import discovery as store_discovery
from monitor.store import links as store_links

def prepare(config, db_path, ids=(), progress=False, subscribers=(), **overrides):
    """Everything a crawl needs, once the database's lock is held: the database
    (crawls left unfinished by a killed process closed as interrupted), a crawl
    row, the targets and the settings."""
    sources = config.select(ids)
    # before the followed; a discover: entry's address is written too (its site's pages)
    written = reach.origins([*(source.url for source in config.sources),
                             *(each.url for each in config.discover)])
    db = store.open_db(db_path)
    store.close_interrupted_crawls(db)
    store.sync_sources(db, config.sources)
    store_links.keep_followed_active(db, [s.id for s in config.sources if s.follow is not None])
    followed = followed_sources(db, sources, subscribers)  # follow: documents, watched like pages
    if followed:
        config = dataclasses.replace(config, sources=(*config.sources, *followed))
        sources = [*sources, *followed]
    config, adopted, looking = _discovery(db, config, everything=not ids)
    sources = [*sources, *adopted]
    every = config.settings["verify_unchanged_every"]
    linked = {source.id for source in (*followed, *adopted)}
    targets = [target(db, source, every, written=source.id not in linked) for source in sources]
    targets += looking
    crawl_id = store.start_crawl(db, len(targets))
    settings = crawl_settings(config, DW_DB_PATH=str(db_path), DW_CONFIG=config,
                              DW_CRAWL_ID=crawl_id, DW_TOTAL=len(targets),
                              DW_WRITTEN_ORIGINS=written,
                              DW_PROGRESS=progress, DW_SUBSCRIBERS=tuple(subscribers),
                              DW_REPLICA_TIME=clock.replica_time(),
                              **_quiet_log(db_path, progress),
                              **{**browser.crawl_settings(sources, config.settings), **overrides})
    return db, crawl_id, targets, settings


def _quiet_log(db_path, progress):
    """A crawl that prints its progress in plain words (``dialogue-watch crawl``) sends
    Scrapy's own log (its tracebacks of DNS errors and the like) to a file beside the
    database instead of the terminal: the plain words say what failed."""
    if not progress:
        return {}
    return {"LOG_FILE": f"{os.fspath(db_path)}.log", "LOG_FILE_APPEND": True,
            "LOG_LEVEL": "WARNING"}


def standalone(sources_path, db_path, shard=None, workers=None):
    """A crawl that Scrapy itself runs (``scrapy crawl pages -a sources=PATH -a db=PATH``,
    a Scrapyd job): the lock, the analysis workers and ``prepare``, as ``crawl`` has them.

    Returns ``(targets, settings, finish)``; ``finish(reason)`` (Scrapy's close reason)
    closes the crawl row, releases the lock and returns the crawl's results.
    The workers are forked before the database is opened (``analysis_pool``)."""
    from monitor import config as config_module
    from monitor import shards
    from monitor.fetch import analysis_pool

    held = contextlib.ExitStack()
    held.enter_context(locks.database_lock(db_path, "crawl"))
    try:
        config = shards.select(config_module.load(sources_path), shard)
        analysis_pool.start_workers(workers, pages=len(config.sources) + len(config.discover))
        db, crawl_id, targets, settings = prepare(config, db_path)
    except BaseException:
        held.close()
        raise

    def finish(reason):
        with held:
            store.finish_crawl(db, crawl_id, "completed" if reason == "finished" else f"stopped: {reason}")
            return store.crawl_results(db, crawl_id)

    return targets, settings, finish


def summary(results):
    """The end of a crawl in words: pages, outcomes, events, and each failure."""
    from monitor.analysis import events

    outcomes = collections.Counter(r["outcome"] for r in results)
    kinds = collections.Counter(r["event"] for r in results if r["event"])
    counted = [f"{outcomes[key]} {word}" for key, word in events.OUTCOME_WORDS.items() if outcomes.get(key)]
    lines = [f"Checked {len(results)} page(s): " + (", ".join(counted) or "nothing")]
    if kinds:
        lines.append("Events: " + ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items())))
    failed = [r for r in results if r["outcome"] == "error"]
    lines.extend(_failures(failed))
    if results and len(failed) == len(results):
        lines.append("No page could be fetched. If this machine is offline, try "
                     "'dialogue-watch demo' to see dialogue-watch work on a local replica.")
    return "\n".join(lines)


def _failures(failed, shared=3):
    """Each failure with its page; a reason shared by ``shared`` pages or more is said once
    (their names are on the progress lines above)."""
    reasons = collections.Counter(row["error"] for row in failed)
    lines = [f"  {row['source_id']}: {row['error']}" for row in failed
             if reasons[row["error"]] < shared]
    lines += [f"  {n} pages: {reason}" for reason, n in reasons.items() if n >= shared]
    return lines


def followed_sources(db, sources, subscribers=()):
    """The documents that ``sources`` with ``follow:`` link to, as sources of their own
    (``store.links.follow`` keeps the list), stored in the sources table."""
    found = [_followed_source(parent, row) for parent in sources if parent.follow is not None
             for row in store_links.follow(db, parent, subscribers)]
    if found:
        store_links.save_followed_sources(db, found)
    return found


def _discovery(db, config, everything):
    """The config with the pages discovery adopted as sources (``monitor.fetch.discovery``),
    those pages, and the discovery sources' targets: a crawl of every source reads the
    feeds, sitemaps and listings and checks the pages they gave; a crawl of some ids
    (``run``'s crawls of the pages due) reads those not read for ``defaults.every``."""
    ids = [each.id for each in config.discover]
    store_discovery.keep_adopted_active(db, ids)
    adopted = discovery.adopted_sources(config, store_discovery.adopted(db, ids))
    config = discovery.with_sources(config, adopted)
    if not everything:  # the feeds and the pages they gave, when a day has passed
        now = store.now()
        due = discovery.due(config, store_discovery.last_checks(db), now)
        checked = store_discovery.last_checked(db, [source.id for source in adopted])
        pages = discovery.pages_due(config, adopted, checked, now)
        return config, pages, [_discovery_target(db, config, each) for each in due]
    return config, adopted, [_discovery_target(db, config, each) for each in config.discover]


def _discovery_target(db, config, each):
    """A discovery source's target, with what its ``match_page:`` needs to know."""
    return discovery.target(each, store_discovery.page_plan(db, each),
                            config.settings["max_body_mb"])


def _followed_source(parent, row):
    """A followed document: its page's country, locale, schedule and staleness, none of
    its page's reading rules."""
    fields = {"id": row["id"], "title": row["title"], "url": row["url"], "kind": row["kind"],
              "pages": (), "content": None, "ignore": (), "marker": None, "cited_as": None,
              "baseline": None, "follow": None, "render": None, "wait_for": None,
              "screenshot": None, "notes": f"linked from {parent.id} ({parent.url})"}
    names = {field.name for field in dataclasses.fields(parent)}
    return dataclasses.replace(parent, **{k: v for k, v in fields.items() if k in names})


def target(db, source, verify_every=None, written=True):
    """What the spider needs to fetch ``source``: the ETag / Last-Modified it sends,
    unless this check verifies a "not modified" (``store.validators``), and whether the
    operator wrote its address (``written``; a followed document's is checked:
    ``monitor.fetch.reach``)."""
    target = {"id": source.id, "url": source.url, "ignore_robots_txt": source.ignore_robots_txt,
              "written": written, **browser.target_fields(source)}
    if db is not None:
        target.update(store.validators(db, source.id, source.url, verify_every))
    return target


def exit_code(results, expected, stopped=None):
    """The exit status of ``crawl`` and ``run --once`` (``errors.EXIT_CODES``).

    Example: ``exit_code([{"outcome": "ok"}, {"outcome": "error"}], 2) == 1``.
    """
    failed = sum(1 for r in results if r["outcome"] == "error")
    if stopped is not None or (expected and failed == len(results)):
        return 2
    return 1 if failed else 0
