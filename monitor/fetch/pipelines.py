"""Item pipelines: where a fetch is analysed and stored (or reported)."""

import collections
import json
import os
import sys

from monitor import store
from monitor.analysis import analyze, doubt, events, rules
from monitor.discover import decide
from monitor.discover.reader import Read
from monitor.store import discovery as store_discovery
from monitor.fetch import analysis_pool, discovery
from monitor.errors import StoreError


class _AnalysingPipeline:
    def __init__(self, settings):
        self.config = settings["DW_CONFIG"]
        self.total = settings.getint("DW_TOTAL")
        self.progress = settings.getbool("DW_PROGRESS")
        self.done = 0

    @classmethod
    def from_crawler(cls, crawler):
        # `scrapy crawl` / Scrapyd too: spiders.pages put sources.yaml's settings in them
        pipeline = cls(crawler.settings)
        pipeline.crawler = crawler
        return pipeline

    def _tell(self, source_id, words, counted=True):
        self.done += counted
        if self.progress:
            print(f"  [{self.done}/{self.total}] {source_id}: {words}", file=sys.stderr, flush=True)


class StorePipeline(_AnalysingPipeline):
    """Analyse each fetch (in worker processes: ``monitor.fetch.analysis_pool``) and store
    it with its version, diff and event. The database is only used from the reactor
    thread, one fetch at a time; Scrapy keeps downloading while analyses run."""

    def __init__(self, settings):
        super().__init__(settings)
        self.db = store.open_db(settings["DW_DB_PATH"])
        self.crawl_id = settings.getint("DW_CRAWL_ID") or None
        self.failing_after = settings.getint("DW_FAILING_AFTER", 3)
        self.confirm_after = settings.getfloat("DW_CONFIRM_AFTER", 300.0)
        self.subscribers = settings.get("DW_SUBSCRIBERS") or ()
        self.fatal_path = settings.get("DW_FATAL_PATH")
        self.analysis = analysis_pool.analysis()
        self.looked_at = collections.Counter()  # looks at once of each page in this crawl (doubt.AT_ONCE)
        self.held = {}  # {source_id: (the held fetch's answer, its reading)} until it is fetched again

    async def process_item(self, item):
        if isinstance(item, Read):  # what a feed, sitemap or listing listed
            return await self._discovered(item)
        source = self.config.source(item.source_id)
        known = store.current_capture(self.db, item.source_id)
        reading_rules = rules.of(source)
        reread = None
        if known and known["rules"] != reading_rules:  # compare like with like
            reread = await self._reread(known["version_id"], source)
        if known and _may_read(item, known):  # a wall is told more surely against the last text
            known["text"] = store.text_of(self.db, known["text_sha256"])
        look = item.source_id in self.looked_at
        observation = self._held_reading(item) if look else None
        same = observation is not None
        if not same:
            observation = await self.analysis.analyze(item, source, known)
        try:
            kind = store.record_fetch(self.db, item, observation, self.failing_after, self.crawl_id,
                                      self.subscribers, reading_rules, reread,
                                      self.confirm_after, look_again=not look)
        except StoreError as error:
            stop_crawl(self.fatal_path, str(error))
        except Exception as error:  # noqa: BLE001 - a bug: stop loudly, never drop a fetch silently
            stop_crawl(self.fatal_path, _store_bug(item.source_id, error))
        waits = kind == store.LOOK_AGAIN
        if waits:  # an edit: told once the page, fetched again now, still shows it
            self.held[item.source_id] = (answer_key(item), observation)
            self._look_again(item.source_id)
        self._tell(item.source_id, _summary(observation, kind, look, same), counted=not waits)
        return item

    def _held_reading(self, item):
        """The reading of the held fetch when the second fetch answered the very same bytes
        (and the same address, type and Last-Modified): they are not read again."""
        answer, observation = self.held.pop(item.source_id, (None, None))
        return observation if answer is not None and answer == answer_key(item) else None

    def _look_again(self, source_id):
        """Fetch the page once more in this crawl (``monitor.analysis.doubt.AT_ONCE``), up
        to ``AT_ONCE_LOOKS`` times (beyond, the held change waits for the next check)."""
        self.looked_at[source_id] += 1
        request = (self.crawler.spider.look_again(source_id)
                   if self.looked_at[source_id] <= doubt.AT_ONCE_LOOKS else None)
        if request is None:  # no look to come in this crawl: nothing to keep its reading for
            self.held.pop(source_id, None)
        else:
            self.crawler.engine.crawl(request)

    async def _discovered(self, read):
        """Store what a discovery source listed (``monitor.store.discovery``), with the
        linked pages it read for ``match_page:``, their text read as a watched page's."""
        pages, fetches = await self._read_linked(read)
        try:
            words = store_discovery.record(self.db, read, self.crawl_id, self.subscribers, pages)
            self._first_captures(read, fetches)
        except StoreError as error:
            stop_crawl(self.fatal_path, str(error))
        except Exception as error:  # noqa: BLE001 - a bug: stop loudly
            stop_crawl(self.fatal_path, _store_bug(read.discovery.id, error))
        self._tell(read.discovery.id, words)
        return read

    async def _read_linked(self, read):
        """(``decide.PageRead`` of each linked page, {key: (fetch, observation, source)} of
        those read): a page is read by the analysis of a watched page, HTML or PDF."""
        pages, fetches = [], {}
        for item, fetch in read.linked:
            source = discovery.linked_source(self.config, read.discovery, fetch)
            observation = await self.analysis.analyze(fetch, source)
            if observation.outcome != "ok":
                problem = observation.error or observation.note or observation.outcome
                pages.append(decide.PageRead(item.key, item.url, source.kind, error=problem))
                continue
            rule = decide.page_rule(read.discovery, observation.text)
            pages.append(decide.PageRead(item.key, item.url, source.kind, rule))
            fetches[item.key] = (fetch, observation, source)
        read.linked = []  # their bodies are read: let them go
        return pages, fetches

    def _first_captures(self, read, fetches):
        """A linked page whose text made it adopted: that fetch is its first capture,
        so the page is not fetched twice (its new_publication event told it: no alert)."""
        adopted = store_discovery.adopted_keys(self.db, read.discovery.id, list(fetches))
        waiting = store_discovery.unfetched(self.db, list(adopted.values()))
        for key, source_id in adopted.items():
            if source_id in waiting:
                fetch, observation, source = fetches[key]
                store.record_fetch(self.db, fetch, observation, self.failing_after, self.crawl_id,
                                   (), rules.of(source), None, self.confirm_after)

    async def _reread(self, version_id, source):
        """The current version's stored capture, read with today's rules."""
        captured = store.capture(self.db, version_id)
        return None if captured is None else await self.analysis.analyze(captured, source)

    def close_spider(self):
        self.analysis.close()


class ReportPipeline(_AnalysingPipeline):
    """Analyse each fetch and write the result as JSON lines; store nothing."""

    def __init__(self, settings):
        super().__init__(settings)
        self.path = settings["DW_REPORT_PATH"]

    def process_item(self, item):
        source = self.config.source(item.source_id)
        observation = analysis_pool.safely(analyze.analyze, item, source)
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(analyze.report(item, observation), ensure_ascii=False) + "\n")
        return item


STORE_FAILED = 3  # the crawl child's exit status when a fetch cannot be stored


def stop_crawl(fatal_path, message):
    """Nothing more can be stored (disk full, read-only, a bug): stop the crawl process
    at once. The fetch in hand was rolled back; everything before it is committed."""
    if fatal_path:  # the crawl's outcome, as monitor.fetch.crawler reads it back
        with open(fatal_path, "w", encoding="utf-8") as out:
            out.write(f"failed: {message}")
    print(f"Error: {message}", file=sys.stderr, flush=True)
    os._exit(STORE_FAILED)


def _store_bug(source_id, error):
    return (f"storing the fetch of {source_id} failed ({type(error).__name__}: {error}). "
            "This is a bug in dialogue-watch: nothing of that fetch was stored, every page "
            "stored before it is kept. Please report it with this message.")


def _summary(observation, kind, look=False, same=False):
    words = events.OUTCOME_WORDS[observation.outcome]
    if look:
        words = "fetched again at once: " + ("the same answer" if same else words)
    if kind == store.LOOK_AGAIN and look:
        words = f"{words}; it still shows the change: fetching it once more before anyone is told"
    elif kind == store.LOOK_AGAIN:
        words = f"{words}; it changed: fetching it again at once before anyone is told"
    elif kind:
        words = f"{words}, event: {kind}"
    detail = observation.error or observation.note
    return f"{words} ({detail})" if detail else words


def answer_key(item):
    """What of a fetch its reading depends on, apart from the moment (seconds apart here)."""
    last_modified = {k.lower(): v for k, v in item.headers.items()}.get("last-modified")
    return (item.status, item.final_url, item.content_type, last_modified, item.error,
            item.body_sha256())


def _may_read(item, known):
    """Whether this fetch's page will be read (new bytes in a full answer): only then
    does the analysis need the last version's text."""
    return item.status == 200 and bool(item.body) and item.body_sha256() != known["body_sha256"]
