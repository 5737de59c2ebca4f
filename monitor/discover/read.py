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


def matching(discovery, items):
    """{item key: the rule that matched} for the items ``discovery.match`` counts."""
    found = {}
    for each in items:
        rule = discovery.matcher.first(each.title, each.summary, each.words())
        if rule:
            found[each.key] = rule
    return found
