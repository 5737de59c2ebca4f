"""The one generic spider: fetch every target page once, conditionally; a page whose
change waits for a second fetch (``look_again``), once more, in full."""

import datetime
import logging
import os

import scrapy

from monitor import clock, shards
from monitor.errors import DialogueWatchError
from monitor.fetch import browser, discovery, session
from monitor.items import PageFetch
from monitor.fetch.transport import selected_headers

# Every status reaches the callback except redirects, which Scrapy follows.
HANDLED_STATUSES = [304] + [s for s in range(400, 600)]


class PagesSpider(scrapy.Spider):
    name = "pages"

    def __init__(self, targets=None, **kwargs):
        super().__init__(**kwargs)
        self.targets = list(targets or ())
        self._finish = None

    @classmethod
    def from_crawler(cls, crawler, *args, targets=None, sources=None, db="db/monitor.db", shard=None,
                     **kwargs):
        """``scrapy crawl pages -a sources=PATH -a db=PATH [-a shard=K/N]`` (and a Scrapyd job,
        ``-d sources=... -d db=...``): no dialogue-watch command prepared this crawl, so
        prepare it here as ``dialogue-watch crawl`` does (``monitor.fetch.session.standalone``), and give
        Scrapy sources.yaml's settings before it builds anything from them."""
        finish = None
        if targets is None and sources:
            try:
                targets, finish = _standalone(crawler, sources, db, shard)
            except DialogueWatchError as error:  # the lock held, sources.yaml wrong...
                _end_refused(logging.getLogger(cls.name), error)
        spider = super().from_crawler(crawler, *args, targets=targets, **kwargs)
        spider._finish = finish
        return spider

    def closed(self, reason):
        if self._finish:
            self.logger.info("dialogue-watch: %s", _summary(self._finish(reason)))

    async def start(self):
        for target in self.targets:
            if target.get("discover"):  # a feed, sitemap or listing: monitor.fetch.discovery
                yield discovery.request(target, self.parse_discovery, self.on_discovery_error)
                continue
            yield self._page_request(target, {} if target.get("render") else _conditional_headers(target))

    def look_again(self, source_id):
        """The request that fetches a page of this crawl once more, in full, at once: its
        last fetch changed, and the change is told only if this one still shows it
        (``monitor.analysis.doubt.AT_ONCE``). The site's delay between requests applies.
        None for a page this crawl was not given (its next check looks at it)."""
        for target in self.targets:
            if target["id"] == source_id and not target.get("discover"):
                return self._page_request(target, {})
        return None

    def _page_request(self, target, headers):
        timeout_ms = self.settings.getfloat("DW_BROWSER_TIMEOUT_MS", 30000)
        return scrapy.Request(
            target["url"],
            headers=headers,
            callback=self.parse_page,
            errback=self.on_error,
            dont_filter=True,
            meta={
                "source_id": target["id"],
                "handle_httpstatus_list": HANDLED_STATUSES,
                "dont_obey_robotstxt": bool(target.get("ignore_robots_txt")),
                "dw_written": target.get("written", True),  # else checked: fetch.reach
                **browser.request_meta(target, timeout_ms),  # render: browser only
            },
        )

    def parse_page(self, response):
        received, sent = _times(response.meta)
        yield browser.fetch_class(response.meta)(
            source_id=response.meta["source_id"],
            url=(response.meta.get("redirect_urls") or [response.url])[0],
            fetched_at=received,
            started_at=sent,
            final_url=response.url,
            status=response.status,
            headers=selected_headers(response.headers),
            content_type=_header(response.headers, b"Content-Type"),
            body=response.body,
            duration_ms=_duration(response.meta),
            **browser.extra_fields(response.meta),
        )

    def parse_discovery(self, response):
        yield discovery.on_page(response, self.parse_discovery, self.on_discovery_error)

    def on_discovery_error(self, failure):
        yield discovery.on_error(failure)

    def on_error(self, failure):
        request = failure.request
        received, sent = _times(request.meta)
        yield PageFetch(
            source_id=request.meta["source_id"],
            url=request.url,
            fetched_at=received,
            started_at=sent,
            error=browser.describe_failure(failure),
            duration_ms=_duration(request.meta),
        )


def _end_refused(logger, error):
    """A crawl Scrapy started (a Scrapyd job) that dialogue-watch refused: its plain words as
    the log's last line, no traceback, and the error's exit status (``errors.EXIT_CODES``),
    which Scrapyd's own log reports ("Process died: exitstatus=4")."""
    logger.error("dialogue-watch: this crawl did not run: %s", error)
    for handler in logging.getLogger().handlers:
        handler.flush()
    os._exit(error.exit_code)  # Scrapy would end a crawl of no page with status 0


def _standalone(crawler, sources, db_path, shard):
    """Lock, analysis workers, crawl row and targets for a crawl Scrapy started; the
    crawl's settings (sources.yaml's ``settings:``) applied at spider priority, so a
    ``-s NAME=VALUE`` (Scrapyd: ``-d setting=NAME=VALUE``) still wins. Logged at INFO."""
    targets, settings, finish = session.standalone(
        os.path.abspath(sources), os.path.abspath(db_path), shards.parse(shard) if shard else None,
        crawler.settings.get("DW_ANALYSIS_WORKERS"))
    crawler.settings.update(settings, priority="spider")
    crawler.settings.set("LOG_LEVEL", "INFO", priority="spider")
    return targets, finish


def _summary(results):
    return session.summary(results).replace("\n", "\n  ")


def _conditional_headers(target):
    headers = {}
    if target.get("etag"):
        headers["If-None-Match"] = target["etag"]
    if target.get("last_modified"):
        headers["If-Modified-Since"] = target["last_modified"]
    return headers


def _header(headers, name):
    value = headers.get(name)
    return value.decode("latin-1") if value else None


def _times(meta):
    """When the answer arrived (the fetch's time, to the second) and when its request
    was sent (to the millisecond: it orders overlapping fetches of one page).

    Taken here, not when the request was queued: with the per-site delay a crawl's
    requests wait minutes in the queue."""
    received = clock.current()  # the demo's replica clock while it runs
    sent = received - datetime.timedelta(seconds=meta.get("download_latency") or 0)
    return (received.strftime("%Y-%m-%dT%H:%M:%SZ"),
            sent.isoformat(timespec="milliseconds").replace("+00:00", "Z"))


def _duration(meta):
    latency = meta.get("download_latency")
    return int(latency * 1000) if latency is not None else None
