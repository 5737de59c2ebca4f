"""Discovery sources in the crawl: their requests, their pages read as they arrive,
and the pages they adopted, as sources to watch.

A discovery source's pages are fetched one after the other (a listing's next page,
a sitemap index's sitemaps), up to its ``pages:``; what they list travels with the
requests (``monitor.discover.reader.Read``) and reaches ``StorePipeline`` as one item
when the last page is read (or one failed). The spider calls ``request``,
``on_page`` and ``on_error``; nothing here is stored.
"""

import dataclasses
import datetime

import scrapy

from monitor.config import Source, parse_every, parse_stale_after
from monitor.discover import reader as reading
from monitor.fetch import browser

HANDLED_STATUSES = list(range(400, 600))


def target(discovery):
    """What the spider needs to fetch a discovery source."""
    return {"id": discovery.id, "url": discovery.url, "discover": discovery, "written": True,
            "ignore_robots_txt": None}


def request(target_, callback, errback, url=None, read=None):
    read = read or reading.Read(target_["discover"], seen={target_["url"]})
    return scrapy.Request(url or target_["url"], callback=callback, errback=errback,
                          dont_filter=True,
                          meta={"dw_target": target_, "dw_read": read, "dw_written": url is None,
                                "handle_httpstatus_list": HANDLED_STATUSES})


def on_page(response, callback, errback):
    """The next page's request, or the finished Read."""
    read = response.meta["dw_read"]
    if response.status != 200:
        read.failed(f"the page {response.url} answered HTTP {response.status}")
        return read
    content_type = response.headers.get(b"Content-Type")
    page = reading.read(read.discovery, response.body, response.url,
                        content_type.decode("latin-1") if content_type else None)
    following = read.add(page)
    if following is None:
        return read
    return request(response.meta["dw_target"], callback, errback, following, read)


def on_error(failure):
    """The Read so far, ended by a page that could not be fetched."""
    read = failure.request.meta["dw_read"]
    read.failed(f"{failure.request.url} could not be fetched ({browser.describe_failure(failure)})")
    return read


def adopted_sources(config, rows):
    """The pages discovery adopted (``monitor.store.discovery.adopted``) as sources,
    checked on the schedule and staleness rule of ``defaults:``."""
    settings, defaults = config.settings, config.defaults
    return [_source(config, row, settings, defaults) for row in rows]


def _source(config, row, settings, defaults):
    try:
        stale_after = parse_stale_after(defaults["stale_after"])
    except ValueError:
        stale_after = None
    return Source(id=row["id"], country=row["country"], title=row["title"], url=row["url"],
                  kind=row["kind"], locale=row["locale"] or "en", every=str(defaults["every"]),
                  stale_after=stale_after, notes=row["notes"],
                  archive_changes=bool(settings["archive_changes"]),
                  analysis_memory_mb=settings["analysis_memory_mb"])


def with_sources(config, sources):
    return dataclasses.replace(config, sources=(*config.sources, *sources))


def due(config, checks, now):
    """The discovery sources not read for ``defaults.every`` (a day when it is a cron line)
    at ``now``, given their last checks (``monitor.store.discovery.last_checks``)."""
    return [each for each in config.discover
            if _due((checks.get(each.id) or {}).get("at"), _interval(config), now)]


def pages_due(config, adopted, checked, now):
    """The adopted pages not checked for ``defaults.every`` (``checked``: {id: ISO time})."""
    return [source for source in adopted if _due(checked.get(source.id), _interval(config), now)]


def _interval(config):
    schedule = parse_every(config.defaults["every"]) or ("cron", None)
    return schedule[1] if schedule[0] == "interval" else 86400


def _due(at, seconds, now):
    last = datetime.datetime.fromisoformat(at.replace("Z", "+00:00")) if at else None
    return last is None or (now - last).total_seconds() >= seconds
