"""The one generic spider: fetch every target page once, conditionally."""

import datetime

import scrapy

from monitor.fetch.items import PageFetch
from monitor.fetch.transport import describe_failure, selected_headers

# Every status reaches the callback except redirects, which Scrapy follows.
HANDLED_STATUSES = [304] + [s for s in range(400, 600)]


class PagesSpider(scrapy.Spider):
    name = "pages"

    def __init__(self, targets=None, sources=None, db="db/monitor.db", **kwargs):
        super().__init__(**kwargs)
        self.standalone = None
        if targets is None and sources:
            self.standalone = _standalone(sources, db)
            targets = self.standalone["targets"]
        self.targets = list(targets or ())

    def closed(self, reason):
        if self.standalone:
            self.standalone["finish"](reason)

    async def start(self):
        for target in self.targets:
            yield scrapy.Request(
                target["url"],
                headers=_conditional_headers(target),
                callback=self.parse_page,
                errback=self.on_error,
                dont_filter=True,
                meta={
                    "source_id": target["id"],
                    "handle_httpstatus_list": HANDLED_STATUSES,
                    "dont_obey_robotstxt": bool(target.get("ignore_robots_txt")),
                },
            )

    def parse_page(self, response):
        received, sent = _times(response.meta)
        yield PageFetch(
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
        )

    def on_error(self, failure):
        request = failure.request
        received, sent = _times(request.meta)
        yield PageFetch(
            source_id=request.meta["source_id"],
            url=request.url,
            fetched_at=received,
            started_at=sent,
            error=describe_failure(failure),
            duration_ms=_duration(request.meta),
        )


def _standalone(sources, db_path):
    """Set-up for ``scrapy crawl pages -a sources=PATH -a db=PATH`` (and Scrapyd),
    where no dialogue-watch command prepared the crawl: the same lock and preparation."""
    import contextlib

    from monitor import config, store
    from monitor.fetch import crawler, locks

    held = contextlib.ExitStack()
    held.enter_context(locks.database_lock(db_path, "crawl"))
    db, crawl_id, targets, settings = crawler.prepare(config.load(sources), db_path)

    def finish(reason):
        with held:
            store.finish_crawl(db, crawl_id, reason)

    return {"targets": targets, "settings": settings, "finish": finish}


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
    received = datetime.datetime.now(datetime.timezone.utc)
    sent = received - datetime.timedelta(seconds=meta.get("download_latency") or 0)
    return (received.strftime("%Y-%m-%dT%H:%M:%SZ"),
            sent.isoformat(timespec="milliseconds").replace("+00:00", "Z"))


def _duration(meta):
    latency = meta.get("download_latency")
    return int(latency * 1000) if latency is not None else None
