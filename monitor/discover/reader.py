"""One fetched page of a discovery source read into items, and the further pages to
fetch for it (a listing's next page, a sitemap index's sitemaps). Pure."""

import dataclasses

from monitor.discover.feeds import read_feed
from monitor.discover.listings import read_listing
from monitor.discover.sitemaps import read_sitemap
from monitor.discover.xml import DiscoveryError


@dataclasses.dataclass
class Page:
    items: list
    more: list  # addresses of further pages of the same source
    error: str | None = None


def read(discovery, body, url, content_type=None):
    """``body`` (fetched from ``url``) read as ``discovery.type``; an unreadable one is a
    Page with no items and the reason in ``error``."""
    try:
        if discovery.type == "feed":
            return Page(read_feed(body, url), [])
        if discovery.type == "sitemap":
            sitemap = read_sitemap(body, url)
            return Page(sitemap.items, sitemap.children)
        listing = read_listing(body, url, discovery.items, discovery.next, discovery.locale,
                               content_type)
        return Page(listing.items, listing.next_pages)
    except DiscoveryError as error:
        return Page([], [], str(error))


# The most items one read keeps, over all its pages (a sitemap index of many full
# sitemaps): past it the read stops and is incomplete.
MAX_ITEMS_PER_READ = 200_000


@dataclasses.dataclass(repr=False)
class Read:
    """Everything one check of a discovery source read: the crawl's item for it."""

    discovery: object  # monitor.discover.config.Discovery
    pages: int = 0  # pages fetched
    items: list = dataclasses.field(default_factory=list)
    complete: bool = False  # every page of the list was read
    error: str | None = None
    queue: list = dataclasses.field(default_factory=list)  # pages still to fetch
    seen: set = dataclasses.field(default_factory=set)  # pages fetched or queued
    # match_page: the items whose linked page is still to fetch (None: not chosen yet),
    # and (item, monitor.items.PageFetch) for each linked page fetched
    to_read: list | None = None
    linked: list = dataclasses.field(default_factory=list)

    def __repr__(self):  # a log line, not 50,000 items
        state = "complete" if self.complete else f"incomplete: {self.error or 'page budget'}"
        return (f"Read({self.discovery.id}: {self.pages} page(s), {len(self.items)} item(s), "
                f"{state}, {len(self.linked)} linked page(s))")

    def add(self, page):
        """Take in one fetched page; the address to fetch next, or None when done."""
        self.pages += 1
        self.items.extend(page.items)
        self.error = page.error or self.error
        fresh = [url for url in page.more if url not in self.seen]
        self.seen.update(fresh)
        self.queue.extend(fresh)
        return self._next()

    def failed(self, words):
        """A page could not be fetched: the read ends here, incomplete."""
        self.pages += 1
        self.error = words
        self.queue = []
        self.complete = False

    def _next(self):
        if self.error or len(self.items) >= MAX_ITEMS_PER_READ:
            self.queue, self.complete = [], False
            if len(self.items) >= MAX_ITEMS_PER_READ:
                self.error = f"more than {MAX_ITEMS_PER_READ:,} items: the rest were not read"
            return None
        if not self.queue:
            self.complete = True
            return None
        if self.pages >= self.discovery.pages:
            self.complete = False  # the page budget ran out: older pages unread
            return None
        return self.queue.pop(0)
