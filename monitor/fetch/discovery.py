"""Discovery sources in the crawl: their requests, their pages read as they arrive,
and the pages they adopted, as sources to watch.

A discovery source's pages are fetched one after the other (a listing's next page,
a sitemap index's sitemaps), up to its ``pages:``; what they list travels with the
requests (``monitor.discover.reader.Read``) and reaches ``StorePipeline`` as one item
when the last page is read (or one failed). The spider calls ``request``,
``on_page`` and ``on_error``; nothing here is stored.

With ``match_page:``, once the list is read, the pages that its new items (and the
items still waiting) link to are fetched the same way, one after the other, up to
``match_page_limit`` (``monitor.discover.decide.page_candidates``, from the
``PagePlan`` the session read from the database): through the crawl's own
politeness (its delay, robots.txt, user agent), at most ``LINKED_MAX_BYTES`` each,
from the public web only unless the operator wrote their site (``monitor.fetch.reach``).
The pipeline reads their text (``monitor.analysis``) before the read is stored.
"""

import dataclasses
import datetime

from monitor import clock
from monitor.config import Source, parse_every, parse_stale_after
from monitor.discover import decide
from monitor.fetch import browser
from monitor.items import PageFetch
from monitor.store.discovery import adopted_id

HANDLED_STATUSES = list(range(400, 600))
LINKED_MAX_BYTES = 10 * 2**20  # a linked page read for match_page: (a long PDF report)


def target(discovery, plan=None, max_body_mb=None):
    """What the spider needs to fetch a discovery source; ``plan``
    (``monitor.discover.decide.PagePlan``) with ``match_page:``, whose pages are cut
    at ``LINKED_MAX_BYTES``, or at the crawl's ``max_body_mb`` when it is smaller."""
    cap = min(LINKED_MAX_BYTES, int(max_body_mb * 2**20)) if max_body_mb else LINKED_MAX_BYTES
    return {"id": discovery.id, "url": discovery.url, "discover": discovery, "written": True,
            "ignore_robots_txt": None, "page_plan": plan, "linked_max_bytes": cap}


# Scrapy and the readers (feeds, sitemaps, listings: Beautiful Soup, trafilatura) are
# imported by the functions the spider calls, not here: the command that prepares a crawl
# reads this module for its plan (due, adopted_sources) and never fetches (issue 27).


def request(target_, callback, errback, url=None, read=None):
    import scrapy

    from monitor.discover import reader as reading

    read = read or reading.Read(target_["discover"], seen={target_["url"]})
    return scrapy.Request(url or target_["url"], callback=callback, errback=errback,
                          dont_filter=True,
                          meta={"dw_target": target_, "dw_read": read, "dw_written": url is None,
                                "handle_httpstatus_list": HANDLED_STATUSES})


def on_page(response, callback, errback):
    """The next page's request (of the list, or a linked page), or the finished Read."""
    read, target_ = response.meta["dw_read"], response.meta["dw_target"]
    if "dw_linked" in response.meta:
        read.linked.append((response.meta["dw_linked"], _linked_fetch(read, response)))
        return _next_linked(target_, read, callback, errback)
    if response.status != 200:
        read.failed(f"the page {response.url} answered HTTP {response.status}")
        return _next_linked(target_, read, callback, errback)
    from monitor.discover import reader as reading

    content_type = response.headers.get(b"Content-Type")
    page = reading.read(read.discovery, response.body, response.url,
                        content_type.decode("latin-1") if content_type else None)
    following = read.add(page)
    if following is None:
        return _next_linked(target_, read, callback, errback)
    return request(target_, callback, errback, following, read)


def on_error(failure):
    """The Read so far, ended by a page that could not be fetched (a linked page that
    could not be: the next one)."""
    sent = failure.request
    read, words = sent.meta["dw_read"], browser.describe_failure(failure)
    if "dw_linked" in sent.meta:
        item = sent.meta["dw_linked"]
        read.linked.append((item, PageFetch(adopted_id(read.discovery.id, item.key), item.url,
                                            _now(), error=words)))
    else:
        read.failed(f"{sent.url} could not be fetched ({words})")
    return _next_linked(sent.meta["dw_target"], read, sent.callback, sent.errback)


def _next_linked(target_, read, callback, errback):
    """The request for the next linked page to read (``match_page:``), or the Read when
    there is none (the list's read failed: its items wait for the next read)."""
    if read.to_read is None:
        plan = target_.get("page_plan")
        matched = decide.matching(read.discovery, read.items) if plan and not read.error else {}
        read.to_read = [] if read.error else decide.page_candidates(
            read.discovery, read.items, matched, plan)
    if not read.to_read:
        return read
    import scrapy

    item = read.to_read.pop(0)
    return scrapy.Request(item.url, callback=callback, errback=errback, dont_filter=True,
                          meta={"dw_target": target_, "dw_read": read, "dw_linked": item,
                                # a page nobody wrote: fetch.reach checks where it goes
                                "source_id": adopted_id(read.discovery.id, item.key),
                                "dw_written": False,
                                "download_maxsize": target_.get("linked_max_bytes",
                                                                LINKED_MAX_BYTES),
                                "handle_httpstatus_list": HANDLED_STATUSES})


def _linked_fetch(read, response):
    """A linked page's answer as a fetch of the page it would become."""
    from monitor.fetch.transport import selected_headers

    item = response.meta["dw_linked"]
    content_type = response.headers.get(b"Content-Type")
    return PageFetch(adopted_id(read.discovery.id, item.key), item.url, _now(),
                     final_url=response.url, status=response.status,
                     headers=selected_headers(response.headers),
                     content_type=content_type.decode("latin-1") if content_type else None,
                     body=response.body)


def _now():
    return clock.current().strftime("%Y-%m-%dT%H:%M:%SZ")


def linked_source(config, discovery, fetch):
    """The source a linked page (a ``PageFetch``) becomes if its text matches: read as
    a PDF when it is one, whatever its address says."""
    kind = "pdf" if fetch.body.lstrip()[:5] == b"%PDF-" else "html"
    return _source(config, {"id": fetch.source_id, "country": discovery.country,
                            "title": fetch.url, "url": fetch.url, "kind": kind,
                            "locale": discovery.locale, "notes": None},
                   config.settings, config.defaults)


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
